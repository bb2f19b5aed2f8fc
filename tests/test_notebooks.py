"""The teaching notebooks: each runs top to bottom in a fresh kernel, and none is committed
with outputs (a notebook's outputs belong to whoever runs it, not to the repository)."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# Generous, to catch a hung kernel rather than to measure speed.
SECONDS_PER_NOTEBOOK = 900


def test_the_teaching_notebooks_are_numbered_in_course_order_without_gaps() -> None:
    numbers = sorted(path.name[:2] for path in NOTEBOOKS)
    expected = [f"{k:02d}" for k in range(1, len(NOTEBOOKS) + 1)]
    assert numbers == expected, [p.name for p in NOTEBOOKS]
    assert len(NOTEBOOKS) >= 18, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; clear them before committing"
    assert "widgets" not in notebook.metadata, f"{path.name}: saved widget state in metadata"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_in_a_fresh_kernel(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    deadline = time.monotonic() + SECONDS_PER_NOTEBOOK

    def time_left(cell: object) -> int:
        """The notebook's remaining budget: one timeout for the whole notebook."""
        return max(1, int(deadline - time.monotonic()))

    client = NotebookClient(
        notebook,
        kernel_name="python3",  # the kernel of the Python running the tests (ipykernel)
        timeout_func=time_left,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    ran = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert ran
    assert all(cell.execution_count is not None for cell in ran)
