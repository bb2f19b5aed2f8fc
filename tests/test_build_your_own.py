"""The build-your-own notebook track: with the reference solutions filled in, every grader
cell passes; with any one exercise left blank, the grader after it fails and says which
exercise to write."""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.grading_solutions.solutions import SOLUTIONS

TRACK = Path(__file__).resolve().parent.parent / "notebooks" / "build-your-own"
NOTEBOOKS = sorted(TRACK.glob("*.ipynb"))


def cells(path: Path) -> list[Any]:
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Run a cell as IPython does: the value of its last line if that is an expression."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return None


def exercises(path: Path) -> list[str]:
    return [cell.metadata["exercise"] for cell in cells(path) if "exercise" in cell.metadata]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_every_exercise_has_a_solution(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.outputs and c.execution_count is None for c in cells(path))
    names = exercises(path)
    assert names
    assert set(names) <= set(SOLUTIONS)
    for cell in cells(path):
        if "exercise" in cell.metadata:
            assert "NotImplementedError" in cell.source, cell.metadata["exercise"]
            assert "NotImplementedError" not in SOLUTIONS[cell.metadata["exercise"]]


def run_track(path: Path, blank: str | None) -> list[Any]:
    """Run the track in this process, every exercise solved but ``blank``; the reports of
    the grader cells, up to the first one after ``blank``."""
    namespace: dict[str, Any] = {}
    reports = []
    blank_seen = False
    for cell in cells(path):
        name = cell.metadata.get("exercise")
        source = cell.source if name is None or name == blank else SOLUTIONS[name]
        blank_seen = blank_seen or (name is not None and name == blank)
        # (A blank cell itself runs fine: its functions raise only when called.)
        if cell.metadata.get("grader"):
            if blank is not None and not blank_seen:
                continue  # graders before the blank exercise: their parts are solved
            reports.append(run_cell(source, namespace))
            if blank_seen:
                return reports
        elif blank_seen and name is None:
            continue  # code after a blank exercise (the last demo) would stop on it
        else:
            run_cell(source, namespace)
    return reports


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_grader_passes_with_the_reference_solutions(path: Path) -> None:
    reports = run_track(path, blank=None)
    assert len(reports) >= 6
    for report in reports:
        assert report.passed, str(report)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
@pytest.mark.parametrize("blank", list(SOLUTIONS))
def test_a_blank_exercise_fails_its_grader_with_a_message_to_act_on(path: Path, blank: str) -> None:
    if blank not in exercises(path):
        pytest.skip(f"{blank} is not an exercise of {path.name}")
    number = exercises(path).index(blank) + 1
    report = run_track(path, blank)[-1]
    assert not report.passed
    text = str(report)
    assert f"Exercise {number}" in text, text
    assert "NotImplementedError" in text
    assert "write" in text


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_track_runs_in_a_fresh_kernel_with_the_solutions(path: Path) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    solved = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and "exercise" in cell.metadata:
            cell.source = SOLUTIONS[cell.metadata["exercise"]]
        solved.append(cell)
        if cell.cell_type == "code" and cell.metadata.get("grader"):
            solved.append(nbformat.v4.new_code_cell("assert _.passed, str(_)"))
    notebook.cells = solved
    deadline = time.monotonic() + 600
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(TRACK)}},
    )
    client.execute()
