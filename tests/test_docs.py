"""The documentation's examples run: docstring examples, and the Python blocks of the README
and of every page in ``docs/``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules_with_docstrings() -> list[str]:
    """Every module of the two packages (``__main__`` scripts aside), found by walking them."""
    names = []
    for package_name in ("autograd_engine", "nn"):
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", modules_with_docstrings())
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that saves a file saves it here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def pages_with_sessions() -> list[Path]:
    """The README and every documentation page that shows an interactive session (not the
    npm packages' own files under docs/js/)."""
    docs = ROOT / "docs"
    written = [path for path in docs.rglob("*.md") if path.relative_to(docs).parts[0] != "js"]
    pages = [ROOT / "README.md", *sorted(written)]
    return [page for page in pages if "```pycon" in page.read_text(encoding="utf-8")]


def test_the_readme_and_the_docs_show_sessions() -> None:
    names = [page.relative_to(ROOT).as_posix() for page in pages_with_sessions()]
    assert "README.md" in names
    assert len(names) >= 6, f"only these pages show how the engine is used: {names}"


@pytest.mark.parametrize(
    "page", pages_with_sessions(), ids=lambda page: page.relative_to(ROOT).as_posix()
)
def test_page_examples_run_as_shown(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's ```pycon blocks are one interactive session; run them in order, as doctests.

    They run in a temporary folder, so files they save stay out of the repository.
    """
    monkeypatch.chdir(tmp_path)
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.DOTALL)
    name = page.relative_to(ROOT).as_posix()
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
