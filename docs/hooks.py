"""MkDocs hooks: the pages that are generated rather than written.

* The notebooks in ``notebooks/`` (found by glob, so a new or renumbered notebook needs no
  edit here) become pages under ``notebooks/``, listed in the navigation and on a generated
  index page; mkdocs-jupyter executes them during the build so their pictures show.
* ``notebooks/figures/`` (the pictures and stepper pages ``make figures`` draws) is copied
  into the site, so the pages can show and link to them.
* Each notebook page links to the lab with the notebook's code:
  ``lab/index.html?code=<base64url of the UTF-8 source>``, relative to the page.
* MathJax (the npm package pinned in ``docs/js/``, installed there by ``make docs``) is
  served from the site itself, so the notebooks' formulas render offline too.
* The benchmarks page is written from ``docs/data/benchmarks.json``, the JSON that
  ``make bench`` writes (``make bench-snapshot`` refreshes the committed copy).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FIGURES = NOTEBOOKS / "figures"
BENCHMARKS_JSON = Path(__file__).resolve().parent / "data" / "benchmarks.json"
MATHJAX = Path(__file__).resolve().parent / "js" / "node_modules" / "mathjax" / "es5"
MATHJAX_FILE = "tex-svg-full.js"  # TeX in, SVG out, every extension: one file, no fonts to load
MATHJAX_URI = f"assets/mathjax/{MATHJAX_FILE}"
NAV_TITLE = "Notebooks"
EXERCISES = "build-your-own"
#: The lab's page, relative to the site's root (built by ``make lab`` into ``site/lab/``).
LAB_PAGE = "lab/index.html"


def notebook_paths() -> list[Path]:
    """Every teaching notebook, in file-name order (their names start with their number)."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def exercise_paths() -> list[Path]:
    """The build-your-own track's notebooks: exercises, shown as written (not executed, since
    their cells wait for the learner's code)."""
    return sorted(NOTEBOOKS.glob(f"{EXERCISES}/*.ipynb"))


def notebook_title(path: Path) -> str:
    """The notebook's first Markdown heading, without the ``#``; its file name if it has none."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def notebook_code(path: Path) -> str:
    """The notebook's code cells, joined by blank lines: what the lab link carries."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return "\n\n".join(cells) + "\n"


def lab_query(code: str) -> str:
    """``code=`` and the source as URL-safe base64 (RFC 4648 section 5) without padding."""
    encoded = base64.urlsafe_b64encode(code.encode("utf-8")).decode("ascii").rstrip("=")
    return f"code={encoded}"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Add the notebooks to the navigation, after the written pages and before the API."""
    entries: list[Any] = [{"Overview": "notebooks/index.md"}]
    entries += [{notebook_title(path): f"notebooks/{path.name}"} for path in notebook_paths()]
    exercises = [
        {notebook_title(path): f"notebooks/{EXERCISES}/{path.name}"} for path in exercise_paths()
    ]
    if exercises:
        entries.append({"Build your own engine": exercises})
    nav = config.nav or []
    position = next(
        (i for i, item in enumerate(nav) if isinstance(item, dict) and "API reference" in item),
        len(nav),
    )
    nav.insert(position, {NAV_TITLE: entries})
    config.nav = nav
    return config


def _index_page() -> str:
    lines = [
        "# Notebooks",
        "",
        "Teaching notebooks, each run top to bottom while this site was built: the pictures",
        "below each cell are the ones the code draws. Every page links to the lab, where the",
        "same code runs in the browser with nothing installed. To run them yourself:",
        "",
        "```sh",
        ".venv/bin/python -m pip install jupyterlab",
        ".venv/bin/jupyter lab notebooks/",
        "```",
        "",
    ]
    for path in notebook_paths():
        lines.append(f"- [{notebook_title(path)}]({path.name})")
    if exercise_paths():
        lines += [
            "",
            "## Build your own engine",
            "",
            "A track for writing the engine yourself, micrograd style, each exercise followed by",
            "a grader cell ([the grader](../grading.md)). These pages show the exercises as",
            "written: run them in Jupyter or in the lab to fill them in.",
            "",
        ]
        for path in exercise_paths():
            lines.append(f"- [{notebook_title(path)}]({EXERCISES}/{path.name})")
    return "\n".join(lines) + "\n"


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns notebooks into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """The notebooks, their figures, the notebook index and the benchmarks page."""
    # Files read from the checkout's root (not File.generated: mkdocs-jupyter's wrapper
    # finds a notebook's path through src_dir).
    figures = [path for path in sorted(FIGURES.iterdir()) if path.is_file()]
    for path in [*notebook_paths(), *exercise_paths(), *figures]:
        uri = path.relative_to(ROOT).as_posix()
        files.append(File(uri, str(ROOT), config.site_dir, config.use_directory_urls))
    files.append(File.generated(config, "notebooks/index.md", content=_index_page()))
    mathjax = MATHJAX / MATHJAX_FILE
    if not mathjax.is_file():
        raise FileNotFoundError(
            f"{mathjax} is missing: run 'make docs' (it installs docs/js/ with npm ci)"
        )
    files.append(File.generated(config, MATHJAX_URI, abs_src_path=str(mathjax)))
    from benchmarks.page import benchmarks_page

    results = json.loads(BENCHMARKS_JSON.read_text(encoding="utf-8"))
    files.append(File.generated(config, "benchmarks.md", content=benchmarks_page(results)))
    return files


#: MathJax 3, configured for the notebooks' ``$...$`` and ``$$...$$``; the page's own
#: MathJax 2 configuration (from nbconvert's template) is ignored by it.
MATHJAX_CONFIG = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "processEscapes: true}, options: {enableMenu: false}};</script>"
)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Each notebook page: a link that opens its code in the lab, and MathJax."""
    if not page.file.src_uri.endswith(".ipynb") or page.file.abs_src_path is None:
        return html
    code = notebook_code(Path(page.file.abs_src_path))
    href = f"{get_relative_url(LAB_PAGE, page.file.url)}?{lab_query(code)}"
    link = (
        f'<p class="lab-link"><a class="md-button" href="{href}">'
        "Open this notebook's code in the lab</a> (runs in your browser, nothing to install)"
        "</p>\n"
    )
    mathjax = f'<script src="{get_relative_url(MATHJAX_URI, page.file.url)}" defer></script>'
    title_end = html.find("</h1>")
    if title_end == -1:
        return MATHJAX_CONFIG + mathjax + link + html
    title_end += len("</h1>")
    return MATHJAX_CONFIG + mathjax + html[:title_end] + link + html[title_end:]
