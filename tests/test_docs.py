"""The documentation's examples run: docstring examples, and the README's Python blocks."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULES = [
    "autograd_engine",
    "autograd_engine.value",
    "autograd_engine.ops",
    "autograd_engine.graph",
    "autograd_engine.functional",
    "autograd_engine.checks",
    "autograd_engine.grad_mode",
]


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_readme_examples_run_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's ```pycon blocks are interactive sessions; run them in order, as doctests.

    They run in a temporary folder, so files they save stay out of the repository.
    """
    monkeypatch.chdir(tmp_path)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 3, "README.md should show how the engine is used"
    test = doctest.DocTestParser().get_doctest(
        "\n".join(blocks), {}, "README.md", str(ROOT / "README.md"), 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
