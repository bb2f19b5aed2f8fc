"""`python -m autograd_engine.viz OUTDIR` writes the README figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_the_figures_are_written(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_engine.viz", str(tmp_path / "figures")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "figures"
    assert sorted(p.name for p in folder.iterdir()) == [
        "graph.svg",
        "stepper-frame.svg",
        "stepper.html",
    ]
    assert result.stdout.count("wrote ") == 3

    graph = (folder / "graph.svg").read_text(encoding="utf-8")
    # The lecture's numbers after backward: L = -8, dL/da = 6, dL/db = -4.
    # (format_number's numbers: was "data -8.0000"), and the local derivatives on the edges.
    assert "data &#45;8<" in graph
    assert "grad 6<" in graph
    assert "grad &#45;4<" in graph
    assert "∂L/∂d = f" in graph

    frame = (folder / "stepper-frame.svg").read_text(encoding="utf-8")
    assert "x1*w1 = x1 * w1 fired" in frame
    labels = re.findall(r'class="edge sending">.*?</g>', frame, flags=re.DOTALL)
    assert len(labels) == 2
    assert any("0.5 × &#45;3 = &#45;1.5" in label for label in labels)  # dL/dx1 = 0.5 * w1

    page = (folder / "stepper.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1  # one layout; frames are changes to it
    assert page.count('"phase":"backward"') == 6  # the neuron's 5 steps, and the final frame


def test_outdir_is_required() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_engine.viz"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "outdir" in result.stderr
