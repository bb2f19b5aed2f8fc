"""The demo command: it trains, writes its pictures, and ends with loss and accuracy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nn.demo
from autograd_engine import Value
from nn.demo import TWO_LOSSES, live_neuron_graph, main
from nn.recipes import DATASETS, make_recipe
from nn.train import evaluate, fit

ROOT = Path(__file__).resolve().parent.parent
FINAL_LINE = re.compile(r"^(\w+): after (\d+) steps, loss (\d+\.\d{4}), accuracy (\d+\.\d)%")


def final_line(output: str) -> re.Match[str]:
    last = output.strip().splitlines()[-1]
    match = FINAL_LINE.match(last)
    assert match, f"the last line should give loss and accuracy, got {last!r}"
    return match


def test_demo_writes_the_plot_and_the_neuron_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--steps", "3", "--output", str(tmp_path / "out"), "--no-progress"]) == 0
    output = capsys.readouterr().out
    match = final_line(output)
    assert match.group(1) == "moons"
    assert match.group(2) == "3"
    assert "337 parameters" in output
    assert TWO_LOSSES not in output  # no loss shown before the last line: nothing to explain
    png = (tmp_path / "out" / "decision_boundary.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pytest.importorskip("autograd_engine.viz")
    svg = (tmp_path / "out" / "neuron.svg").read_text()
    assert "<svg" in svg
    # The live neuron's weights appear by their parameter names (was L0.N0.w0: neuron 0).
    assert re.search(r"layers\.0\.neurons\.\d+\.w\.0", svg)
    assert re.search(r"layers\.0\.neurons\.\d+\.w\.1", svg)
    assert "layers.1" not in svg  # one neuron, not the whole network


def test_iris_demo_reports_held_out_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--dataset", "iris", "--steps", "2", "--output", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert final_line(output).group(1) == "iris"
    assert re.search(r"test accuracy \d+\.\d% \(38 held out\)$", output.strip())
    assert (tmp_path / "decision_boundary.png").exists()


def test_demo_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    last_lines = []
    for run in ("first", "second"):
        assert main(["--dataset", "iris", "--steps", "2", "--output", str(tmp_path / run)]) == 0
        last_lines.append(capsys.readouterr().out.strip().splitlines()[-1])
    assert last_lines[0] == last_lines[1]
    for name in ("decision_boundary.png", "loss.png", "neuron.svg"):
        first, second = tmp_path / "first" / name, tmp_path / "second" / name
        assert first.exists() == second.exists()
        if first.exists():
            assert first.read_bytes() == second.read_bytes()


STEP_LINE = re.compile(r"^step +(\d+)  loss (\d+\.\d{4})  accuracy", re.MULTILINE)


def test_the_two_loss_figures_are_explained_and_both_true(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, Any] = {}
    draw = nn.demo.plot_history

    def spy(history: dict[str, list[float]], path: Any = None, **options: Any) -> Any:
        drawn.update(options, history=history, path=path)
        return draw(history, path, **options)

    monkeypatch.setattr(nn.demo, "plot_history", spy)
    assert main(["--steps", "10", "--output", str(tmp_path), "--no-progress"]) == 0
    output = capsys.readouterr().out
    lines = output.splitlines()
    # The explanation comes before the first step line, once.
    assert lines.count(TWO_LOSSES) == 1
    first_step = next(i for i, line in enumerate(lines) if STEP_LINE.match(line))
    assert lines.index(TWO_LOSSES) < first_step
    assert "before its update" in TWO_LOSSES
    assert "after the final update" in TWO_LOSSES
    # Step 10's loss is the model before its 10th update; the last line is after it.
    recipe = make_recipe("moons", seed=1337, steps=10)
    args = (recipe.X, recipe.targets, recipe.loss_fn)
    history = fit(
        recipe.model,
        *args,
        recipe.optimizer,
        10,
        progress=False,
        lr_schedule=recipe.lr_schedule,
        compiled=True,
    )
    after = evaluate(recipe.model, *args)
    (step, logged) = STEP_LINE.findall(output)[-1]
    assert (step, logged) == ("10", f"{history['loss'][-1]:.4f}")
    assert final_line(output).group(3) == f"{after['loss']:.4f}"
    assert logged != final_line(output).group(3)
    # loss.png draws the same two: the whole history, and the evaluation as `final`.
    assert drawn["history"] == history
    assert drawn["final"] == after["loss"]
    assert drawn["path"] == str(tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_recipe_takes_a_training_step(dataset: str) -> None:
    recipe = make_recipe(dataset, seed=0, steps=10)
    before = [p.data for p in recipe.model.parameters()]
    history = fit(
        recipe.model,
        recipe.X[:10],
        recipe.targets[:10],
        recipe.loss_fn,
        recipe.optimizer,
        1,
        progress=False,
        lr_schedule=recipe.lr_schedule,
    )
    assert len(history["loss"]) == 1
    assert [p.data for p in recipe.model.parameters()] != before


def test_default_recipe_is_micrographs_demo() -> None:
    recipe = make_recipe("moons")
    assert len(recipe.X) == 100
    assert (
        repr(recipe.model) == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    )
    assert set(recipe.targets) == {-1, 1}
    assert recipe.lr_schedule is not None
    assert [recipe.lr_schedule(k) for k in (0, 50, 99)] == pytest.approx([1.0, 0.55, 0.109])


def test_demo_without_matplotlib_says_so_and_still_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("matplotlib", "matplotlib.colors", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["--steps", "1", "--output", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "skipped" in output
    assert "needs matplotlib" in output
    assert not (tmp_path / "decision_boundary.png").exists()
    final_line(output)


def test_demo_without_the_viz_package_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "autograd_engine.viz", None)
    assert main(["--steps", "1", "--output", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert re.search(r"skipped .*neuron\.svg", output)
    final_line(output)


@pytest.mark.parametrize("arguments", [["--steps", "0"], ["--dataset", "mnist"], ["--seed", "x"]])
def test_bad_arguments_exit_with_usage(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2


def test_nn_imports_without_tqdm_or_matplotlib() -> None:
    code = (
        "import sys\n"
        "import nn, nn.train, nn.demo, nn.plotting, nn.recipes\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "assert 'tqdm' not in sys.modules, 'tqdm imported eagerly'\n"
        "assert 'autograd_engine.viz' not in sys.modules, 'viz imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_python_m_nn_demo_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--steps", "2", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert final_line(result.stdout).group(2) == "2"
    assert (tmp_path / "decision_boundary.png").exists()


def test_the_drawn_neuron_is_live_and_its_gradients_are_fresh() -> None:
    recipe = make_recipe("moons", seed=1337, steps=1)
    for parameter in recipe.model.parameters():
        parameter.grad = 123.0  # stale gradients, as training leaves them
    recipe.model.layers[0].neurons[0].b.data = -100.0  # neuron 0 dead on every example
    out, caption = live_neuron_graph(recipe)
    assert out.op == "relu"
    assert out.parents[0].data > 0  # a live relu: its input is positive on this example
    chosen = int(out.label.rsplit(".", 1)[1])
    assert chosen != 0
    assert f"neuron {chosen}" in caption
    neuron = recipe.model.layers[0].neurons[chosen]
    earlier = recipe.model.layers[0].neurons[:chosen]
    inputs = [Value(x) for x in recipe.X[0]]
    assert all(n(inputs).data == 0 for n in earlier)  # the first live one is taken
    # d out/d w_i = x_i and d out/d b = 1 for a live relu, from this backward() alone.
    assert [w.grad for w in neuron.w] == pytest.approx(recipe.X[0])
    assert neuron.b.grad == 1.0
