"""The documentation site: it builds strict, its notebook pages hold their executed figures,
its API reference renders every public name, and the README's links resolve.

Building the site executes every notebook, which ``tests/test_notebooks.py`` already does
once, so the site is built at most once per session: ``.ci/run`` builds it with ``make site``
before ``make test`` and sets ``SITE_DIR`` to it, and these tests read those pages; without
``SITE_DIR`` the session fixture builds it (``mkdocs build --strict``) into a temporary folder.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: ``SITE_DIR`` when set (it must then hold a build), else built now."""
    given = os.environ.get("SITE_DIR")
    if given:
        site = Path(given)
        assert (site / "index.html").is_file(), f"SITE_DIR={given} holds no built site"
        return site
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (make install)")
    pytest.importorskip("mkdocs_jupyter", reason="the docs extra is not installed")
    mathjax = ROOT / "docs" / "js" / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"
    if not mathjax.is_file():
        if shutil.which("npm") is None:
            pytest.skip("npm is missing, so the site's MathJax cannot be installed (make docs)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=ROOT / "docs" / "js",
            check=True,
            timeout=300,
        )
    site = tmp_path_factory.mktemp("site")
    environment = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-5000:]}"
    return site


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text(encoding="utf-8")


# --- the build -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_docs_build_strict_with_every_written_page(site_dir: Path) -> None:
    docs = ROOT / "docs"
    written = [
        path for path in sorted(docs.rglob("*.md")) if path.relative_to(docs).parts[0] != "js"
    ]
    assert len(written) >= 10
    for source in written:
        uri = source.relative_to(docs).with_suffix("").as_posix()
        uri = uri.removesuffix("index").rstrip("/")
        built = site_dir / uri / "index.html" if uri else site_dir / "index.html"
        assert built.is_file(), f"{source.name} was not built into {built}"


# --- the notebooks -------------------------------------------------------------------------


def code_cells(notebook: Path) -> list[dict[str, str]]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [
        {"id": cell["id"], "source": "".join(cell["source"])}
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def cell_html(html: str, cell_id: str) -> str:
    """One cell's rendered input and outputs: from its id to the next cell's."""
    start = html.index(f'id="cell-id={cell_id}"')
    following = html.find('id="cell-id=', start + 1)
    return html[start : following if following != -1 else len(html)]


FIGURE = re.compile(r"jp-RenderedImage|jp-RenderedSVG")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_page_holds_its_executed_figures(site_dir: Path, notebook: Path) -> None:
    html = page(site_dir, f"notebooks/{notebook.stem}")
    assert FIGURE.search(html), f"{notebook.name}: its page shows no figure"
    for cell in code_cells(notebook):
        if "plt.show()" in cell["source"]:
            assert FIGURE.search(cell_html(html, cell["id"])), (
                f"{notebook.name}, cell {cell['id']}: plt.show() drew nothing on the page"
            )


@pytest.mark.slow
def test_the_notebook_index_and_navigation_list_every_notebook(site_dir: Path) -> None:
    index = page(site_dir, "notebooks")
    for notebook in NOTEBOOKS:
        assert f'href="{notebook.stem}/"' in index, f"{notebook.name} is not on the index page"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_page_opens_its_code_in_the_lab(site_dir: Path, notebook: Path) -> None:
    html = page(site_dir, f"notebooks/{notebook.stem}")
    found = re.search(r'href="\.\./\.\./lab/index\.html\?code=([A-Za-z0-9_-]+)"', html)
    assert found, f"{notebook.name}: no link to the lab"
    encoded = found.group(1)
    code = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    for cell in code_cells(notebook):
        assert cell["source"] in code


# --- the API reference and the benchmarks page --------------------------------------------


def public_modules() -> list[str]:
    names = []
    for package_name in ("autograd_engine", "nn"):
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return [name for name in names if hasattr(importlib.import_module(name), "__all__")]


def test_every_public_module_has_a_place_in_the_api_reference() -> None:
    documented = set()
    for source in (ROOT / "docs" / "api").glob("*.md"):
        documented |= set(re.findall(r"^::: (\S+)$", source.read_text(encoding="utf-8"), re.M))
    assert set(public_modules()) <= documented, set(public_modules()) - documented


@pytest.mark.slow
def test_the_api_reference_renders_every_public_name(site_dir: Path) -> None:
    anchors: set[str] = set()
    for built in (site_dir / "api").rglob("index.html"):
        anchors |= set(re.findall(r'id="([^"]+)"', built.read_text(encoding="utf-8")))
    missing = [
        f"{module}.{name}"
        for module in public_modules()
        for name in importlib.import_module(module).__all__
        if f"{module}.{name}" not in anchors
    ]
    assert not missing, f"not in the API reference: {missing}"


@pytest.mark.slow
def test_the_benchmarks_page_is_the_committed_run(site_dir: Path) -> None:
    results = json.loads((ROOT / "docs" / "data" / "benchmarks.json").read_text("utf-8"))
    html = page(site_dir, "benchmarks")
    assert results["machine"]["cpu"] in html
    assert f"{results['machine']['cores']} cores available" in html
    assert results["command"] in html


# --- the README's links --------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def readme_links() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_the_readme_links_resolve() -> None:
    links = readme_links()
    assert len(links) >= 10
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for target in links:
        path = ROOT / target.split("#")[0]
        assert path.exists(), f"README.md links to {target}, which does not exist"
        if target.startswith("docs/") and target.endswith(".md"):
            page_uri = path.relative_to(ROOT / "docs").as_posix()
            assert page_uri in nav, f"README.md links to {target}, which is not in the site"


def test_the_readme_shows_the_two_commands_and_a_stepper_frame() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
    assert "notebooks/figures/stepper-frame.svg" in readme_links()
    assert len(text.splitlines()) <= 200, "the README is a front page: the rest is in docs/"


# --- the generators behind the pages -------------------------------------------------------


def load_docs_module(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_doctest_sessions_in_docstrings_become_code_blocks() -> None:
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    fence = load_docs_module("griffe_doctests").fence_sessions
    text = "Squares.\n\n    >>> square(3)\n    9\n\nThen ``[1, 2]``.\n\n```\n>>> kept\n```"
    assert fence(text) == (
        "Squares.\n\n    ```pycon\n    >>> square(3)\n    9\n    ```\n\nThen ``[1, 2]``.\n\n"
        "```\n>>> kept\n```"
    )


def test_sphinx_roles_in_docstrings_become_code() -> None:
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    roles = load_docs_module("griffe_doctests").plain_roles
    text = "See :func:`~autograd_engine.grad`, :mod:`.value` and :class:`nn.MLP`."
    assert roles(text) == "See `grad`, `.value` and `nn.MLP`."


def test_the_lab_link_carries_the_code_as_base64url() -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    hooks = load_docs_module("hooks")
    query = hooks.lab_query("x = Value(2.0)  # ∂ → ü\n")
    encoded = query.removeprefix("code=")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", encoded)
    decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    assert decoded == "x = Value(2.0)  # ∂ → ü\n"
    titles = [hooks.notebook_title(path) for path in NOTEBOOKS]
    assert all(titles)
    assert len(set(titles)) == len(titles)


def test_the_benchmarks_page_names_the_machine_and_each_goal() -> None:
    from benchmarks.page import benchmarks_page

    results = json.loads((ROOT / "docs" / "data" / "benchmarks.json").read_text("utf-8"))
    text = benchmarks_page(results)
    machine = results["machine"]
    assert f"Machine: {machine['cpu']}, {machine['cores']} cores available" in text
    for entry in results["goals"] + results["goals_overhead"]:
        assert f"| {entry['goal']} |" in text
    assert "```text\nautograd-engine benchmark:" in text
    assert "issue" not in text.lower()
