"""The demo step under Pyodide beside CPython (benchmarks/pyodide.py): its command line, what
it copies into Pyodide, how it summarises and reports (fake interpreters stand in), why it
skips, and one real run under Node. No timing is asserted."""

from __future__ import annotations

import copy
import gc
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import fresh_process, pyodide, pyodide_report
from benchmarks.engines import ScalarModel, ours_engine
from benchmarks.page import benchmarks_page
from benchmarks.report import format_report
from benchmarks.workload import make_problem

ROOT = Path(__file__).resolve().parent.parent
#: Made-up seconds per step in CPython; Pyodide's fake is twice as slow.
STEP = {"ours": 0.05, "micrograd": 1.0, "ours-nn": 0.06, "micrograd-nn": 1.2}


def fake_interpreter(slowdown: float, loss: float = 0.6) -> pyodide.Runner:
    """Stands in for one fresh interpreter: three steps of ``STEP * slowdown`` seconds."""

    def run(engine: str, steps: int) -> dict[str, Any]:
        step = STEP[engine] * slowdown
        return {
            "engine": engine,
            "python": "3.x",
            "platform": "fake",
            "first_loss": loss,
            "seconds": [step, step * 1.2, step * 0.9],
            "collector_seconds": [step / 4] * 3,
            "collector_off_seconds": [step / 2] * 3,
        }

    return run


def fake_comparison(engines: tuple[str, ...] = pyodide.DEFAULT_ENGINES) -> dict[str, Any]:
    return pyodide.compare(engines, 3, pyodide=fake_interpreter(2.0), cpython=fake_interpreter(1.0))


@pytest.fixture
def with_node_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Node's version without Node (compare() reads it)."""
    monkeypatch.setattr(pyodide, "_node_version", lambda: "v0.fake")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--steps", "0"], "--steps must be at least 1"),
        (["--engine", "tinygrad"], "invalid choice: 'tinygrad'"),
        (["--here", "--engine", "ours", "--engine", "micrograd"], "exactly one --engine"),
        (["--here"], "exactly one --engine"),
    ],
)
def test_the_command_line_rejects_what_it_cannot_run(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        pyodide.main(arguments)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_without_node_the_command_says_why_and_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pyodide.shutil, "which", lambda name: None)
    assert pyodide.main(["--steps", "1"]) == 1
    assert "cannot run: Node is not installed" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="Node is not installed"):
        pyodide.run_in_pyodide("ours", 1)


def test_without_the_lab_s_pyodide_the_reason_names_the_folder_and_npm_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pyodide.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(pyodide, "ROOT", tmp_path)
    monkeypatch.setattr(pyodide, "PYODIDE", tmp_path / "lab" / "node_modules" / "pyodide")
    reason = pyodide.missing()
    assert reason is not None
    assert "lab/node_modules/pyodide" in reason
    assert "npm ci" in reason


def test_make_bench_reports_the_comparison_or_why_there_is_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[list[str], int]] = []

    def compared(engines: list[str], steps: int, progress: Any) -> dict[str, Any]:
        calls.append((engines, steps))
        return {"engines": {}}

    def failed(engines: list[str], steps: int, progress: Any) -> dict[str, Any]:
        raise RuntimeError("the ours step under Pyodide failed (exit 1):\nTraceback\nOops: x")

    monkeypatch.setattr(pyodide, "missing", lambda: None)
    assert pyodide.for_the_report(5, print, run=compared) == ({"engines": {}}, None)
    assert calls == [(list(pyodide.DEFAULT_ENGINES), 5)]
    assert pyodide.for_the_report(5, print, run=failed) == (
        None,
        "failed: the ours step under Pyodide failed (exit 1): Oops: x",
    )
    assert "The step under Pyodide failed: the ours step" in capsys.readouterr().err
    monkeypatch.setattr(pyodide, "missing", lambda: "Node is not installed")
    assert pyodide.for_the_report(5, print, run=compared) == (None, "Node is not installed")
    assert len(calls) == 1


def test_micrograd_s_engines_are_left_out_where_it_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert pyodide.available_engines() == list(pyodide.DEFAULT_ENGINES)
    monkeypatch.setattr(pyodide.importlib.util, "find_spec", lambda name: None)
    assert pyodide.available_engines() == ["ours", "ours-nn"]
    with pytest.raises(ImportError, match="micrograd is not installed"):
        pyodide.source_files(with_micrograd=True)


def test_pyodide_gets_this_working_tree_s_code_and_micrograd_s_files() -> None:
    files = pyodide.source_files(with_micrograd=True)
    checkout = pyodide.CHECKOUT_IN_PYODIDE
    for name in ("autograd_engine/value.py", "autograd_engine/graph.py", "nn/layers.py"):
        assert files[f"{checkout}/{name}"] == (ROOT / name).read_text("utf-8")
    assert f"{checkout}/benchmarks/pyodide.py" in files
    assert f"{checkout}/benchmarks/fresh_process.py" in files
    assert {"engine.py", "nn.py"} <= {
        Path(path).name for path in files if path.startswith("/home/pyodide/site/micrograd/")
    }
    assert not any("__pycache__" in path or not path.endswith(".py") for path in files)
    assert not any("micrograd" in path for path in pyodide.source_files(with_micrograd=False))


@pytest.mark.parametrize("collector_was_enabled", [True, False])
def test_time_here_times_the_demo_step_and_leaves_the_collector_as_it_was(
    collector_was_enabled: bool,
) -> None:
    was = gc.isenabled()
    callbacks = list(gc.callbacks)
    if not collector_was_enabled:
        gc.disable()
    try:
        measured = pyodide.time_here("ours", 1)
        assert gc.isenabled() is collector_was_enabled
        assert gc.callbacks == callbacks
    finally:
        if was:
            gc.enable()
    expected = ScalarModel(ours_engine(), make_problem()).step()
    assert measured["first_loss"] == expected
    assert measured["engine"] == "ours"
    for key in ("seconds", "collector_seconds", "collector_off_seconds"):
        assert len(measured[key]) == 1
        assert measured[key][0] >= 0
    with pytest.raises(ValueError, match="steps must be at least 1, got 0"):
        pyodide.time_here("ours", 0)
    with pytest.raises(ValueError, match="unknown engine 'tinygrad'; expected one of ours, "):
        pyodide.time_here("tinygrad", 1)
    with pytest.raises(ValueError, match="unknown engine 'tinygrad'"):
        fresh_process.make_step("tinygrad")


@pytest.mark.usefixtures("with_node_version")
def test_compare_checks_every_engine_before_running_any() -> None:
    def never(engine: str, steps: int) -> dict[str, Any]:
        raise AssertionError("nothing may run")

    with pytest.raises(ValueError, match="unknown engine 'micrograd-fit'"):
        pyodide.compare(["ours", "micrograd-fit"], 1, pyodide=never, cpython=never)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        pyodide.compare(["ours"], 0, pyodide=never, cpython=never)


@pytest.mark.usefixtures("with_node_version")
def test_compare_runs_each_engine_in_both_interpreters_and_divides_the_medians() -> None:
    calls: list[tuple[str, str, int]] = []

    def logged(name: str, slowdown: float) -> pyodide.Runner:
        def run(engine: str, steps: int) -> dict[str, Any]:
            calls.append((name, engine, steps))
            return fake_interpreter(slowdown)(engine, steps)

        return run

    results = pyodide.compare(
        ["ours", "micrograd"], 3, pyodide=logged("pyodide", 2.0), cpython=logged("cpython", 1.0)
    )
    assert calls == [
        ("pyodide", "ours", 3),
        ("cpython", "ours", 3),
        ("pyodide", "micrograd", 3),
        ("cpython", "micrograd", 3),
    ]
    assert results["pyodide"] == "314.0.7"
    assert results["pyodide_python"].startswith("3.14")
    assert results["node"] == "v0.fake"
    ours = results["engines"]["ours"]
    assert ours["pyodide"]["seconds"] == pytest.approx({"median": 0.1, "min": 0.09, "max": 0.12})
    assert ours["cpython"]["collector_share"] == pytest.approx(0.25 * 3 / 3.1)
    assert ours["cpython"]["collector_off_seconds"]["median"] == 0.025
    # micrograd's median step over ours, in each interpreter: 1.0 / 0.05 and 0.5 / 0.025.
    ratio = results["ratios"]["ours"]
    assert ratio["cpython"] == pytest.approx({"seconds": 20.0, "collector_off_seconds": 20.0})
    assert ratio["pyodide"] == pytest.approx({"seconds": 20.0, "collector_off_seconds": 20.0})
    assert "ours-nn" not in results["ratios"]  # its peer did not run


@pytest.mark.usefixtures("with_node_version")
def test_a_different_loss_in_pyodide_stops_the_run_with_both_values() -> None:
    with pytest.raises(RuntimeError, match=r"first loss is 0\.7 in Pyodide but 0\.6 in CPython"):
        pyodide.compare(
            ["ours"], 1, pyodide=fake_interpreter(2.0, loss=0.7), cpython=fake_interpreter(1.0)
        )


@pytest.mark.usefixtures("with_node_version")
def test_the_report_table_shows_both_interpreters_and_the_ratios() -> None:
    text = "\n".join(pyodide_report.format_lines(fake_comparison()))
    assert "The demo step under Pyodide 314.0.7 (WebAssembly, Python 3.14" in text
    assert "Node v0.fake) beside CPython" in text
    assert "time.perf_counter()" in text
    for name in pyodide_report.ENGINE_NAMES.values():
        if "fit" not in name:
            assert f"\n{name}\n" in text
    # ours in CPython: median 50 ms of 45 - 60 ms, a quarter in gc, 25 ms with it off.
    assert "50.0 ms" in text
    assert "[45.0 ms - 60.0 ms]" in text
    assert "1,000.0 ms" in text  # micrograd: milliseconds too
    assert text.count("2.00x") == 4  # each engine's Pyodide step over its CPython step
    assert "autograd-engine vs micrograd: how many times faster" in text
    # micrograd's step / ours, raw and nn.MLP: CPython and Pyodide, collector on and off.
    assert text.count("20.0x") == 8
    assert "autograd-engine nn.MLP vs micrograd nn.MLP: how many times faster" in text
    assert max(len(line) for line in text.splitlines()) <= 120
    assert not any(line.endswith(" ") for line in text.splitlines())


def _committed_run() -> dict[str, Any]:
    results: dict[str, Any] = json.loads(
        (ROOT / "docs" / "data" / "benchmarks.json").read_text("utf-8")
    )
    results.pop("pyodide", None)
    return results


@pytest.mark.usefixtures("with_node_version")
def test_the_printed_report_and_the_docs_page_show_the_table_only_when_it_was_run() -> None:
    without = _committed_run()
    assert "under Pyodide" not in format_report(without)
    assert "## The same step under Pyodide" not in benchmarks_page(without)
    with_pyodide = copy.deepcopy(without)
    with_pyodide["pyodide"] = fake_comparison()
    assert "The demo step under Pyodide 314.0.7" in format_report(with_pyodide)
    page = benchmarks_page(with_pyodide)
    assert "## The same step under Pyodide" in page
    assert "| autograd-engine, the demo's own loop | 50.0 ms | 100.0 ms | 2.00x |" in page
    assert (
        "| *autograd-engine vs micrograd: times faster* | 20.0x | 20.0x | | 20.0x | 20.0x |" in page
    )


@pytest.mark.slow
@pytest.mark.skipif(
    pyodide.missing() is not None,
    reason=f"cannot run Pyodide here: {pyodide.missing()}",
)
def test_the_demo_step_really_runs_under_pyodide_and_agrees_with_cpython() -> None:
    results = pyodide.compare(["ours", "micrograd"], 1)
    assert results["pyodide_python"].startswith("3.14")
    assert results["node"].startswith("v")
    expected = ScalarModel(ours_engine(), make_problem()).step()
    for engine in ("ours", "micrograd"):
        entry = results["engines"][engine]
        assert entry["pyodide"]["python"].startswith("3.14")
        assert entry["cpython"]["python"] == results["cpython"]
        assert entry["pyodide"]["first_loss"] == pytest.approx(expected, rel=1e-9)
        assert entry["pyodide"]["seconds"]["median"] > 0
    assert set(results["ratios"]) == {"ours"}
    text = "\n".join(pyodide_report.format_lines(results))
    assert "autograd-engine vs micrograd: how many times faster" in text
    # A Python error inside Pyodide comes back with its traceback's last line.
    with pytest.raises(RuntimeError, match=r"(?s)under Pyodide failed.*unknown engine 'tinygrad'"):
        pyodide.run_in_pyodide("tinygrad", 1)
