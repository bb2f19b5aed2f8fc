"""Build the lab into a folder of static files: ``python lab/build.py site/lab``.

What goes in, all from this checkout or a package registry at build time (nothing is
fetched when the page runs, and no request leaves the site's origin):

* ``pyodide/``: Python compiled to WebAssembly, from the npm package ``pyodide`` (core only),
* ``viz/``: Graphviz compiled to WebAssembly, from the npm package ``@viz-js/viz``; both at
  the versions ``lab/package-lock.json`` pins (``npm ci`` installs exactly those),
* ``wheels/``: this checkout's ``autograd_engine`` and ``nn`` as a wheel built now
  (``pip wheel --no-deps``), and the pure-Python ``graphviz`` wheel from PyPI at the version
  and hash ``lab/requirements.txt`` pins,
* the page itself (``index.html``, ``lab.css``, the scripts), the lab's Python modules
  (``python/``) and the editor's examples (``examples.json``),
* ``manifest.json``: the wheels and Python modules the page unpacks into Pyodide.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

LAB = Path(__file__).resolve().parent
ROOT = LAB.parent
PAGE_FILES = (
    "index.html",
    "lab.css",
    "lab.js",
    "editor.js",
    "playground.js",
    "worker.js",
    "runtime.js",
)
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",
)
VIZ_FILES = ("dist/viz.js", "package.json")


def run(command: list[str], cwd: Path) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise FileNotFoundError(f"lab build: {source} is missing (did `npm ci` in lab/ run?)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def build(out: Path, install: bool = True) -> Path:
    """Write the lab into ``out`` (emptied first); returns ``out``.

    Args:
        install: run ``npm ci`` in ``lab/`` first (the pinned browser runtimes).
    """
    if install:
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], LAB)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in PAGE_FILES:
        copy(LAB / name, out / name)
    modules = LAB / "node_modules"
    for name in PYODIDE_FILES:
        copy(modules / "pyodide" / name, out / "pyodide" / name)
    for name in VIZ_FILES:
        copy(modules / "@viz-js" / "viz" / name, out / "viz" / Path(name).name)
    python = sorted((LAB / "python").glob("*.py"))
    for module in python:
        copy(module, out / "python" / module.name)
    examples = {
        path.stem: path.read_text("utf-8") for path in sorted((LAB / "examples").glob("*.py"))
    }
    (out / "examples.json").write_text(json.dumps(examples, indent=1), "utf-8")
    wheels = out / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(ROOT)], ROOT)
    run(
        [
            *pip,
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--dest",
            str(wheels),
            "-r",
            str(LAB / "requirements.txt"),
        ],
        ROOT,
    )
    versions = {
        name: json.loads((modules / name / "package.json").read_text("utf-8"))["version"]
        for name in ("pyodide", "@viz-js/viz")
    }
    manifest = {
        "wheels": sorted(path.name for path in wheels.glob("*.whl")),
        "python": [module.name for module in python],
        "versions": versions,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    print(
        f"wrote the lab to {out} (pyodide {versions['pyodide']}, "
        f"@viz-js/viz {versions['@viz-js/viz']}, wheels {', '.join(manifest['wheels'])})"
    )
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python lab/build.py OUTDIR   (e.g. site/lab)")
    build(Path(sys.argv[1]))
