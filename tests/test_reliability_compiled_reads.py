"""Every way Python reads a Value's number while a graph is recorded is seen.

A read of ``.data`` or a formatted number (``f"{x:.0f}"``) decides something a recorded
graph cannot re-decide, exactly as ``x.item()`` does. Each is logged as a guard, so a
replay on other numbers raises (``compile_graph``) or is recorded again (``fit``), and the
default ``fit`` trains exactly the model eager training does, saying why it left compiled
mode. (The random branchy programs of ``test_reliability_compiled.py`` read numbers every
way Python can; these are the worked examples.)
"""

from __future__ import annotations

import logging

import pytest

from autograd_engine import FrozenGraphError, Value, compile_graph, guards
from nn import Module
from nn.losses import mse_loss
from nn.optim import SGD
from nn.train import fit


class HandLeaky(Module):
    """A hand-written leaky relu on a parameter: ``w`` where positive, else ``0.1 w``."""

    def __init__(self) -> None:
        self.w = Value(0.6, label="w")
        self.b = Value(0.0, label="b")

    def forward(self, x: list[float]) -> Value:
        s = self.w if self.w.data > 0 else self.w * 0.1
        return s * x[0] + self.b


X = [[1.0], [2.0], [-1.0], [0.5]]
Y = [-2.0, -4.0, 2.0, -1.0]  # y = -2 x: training drives w below 0, where the branch flips


def train(compiled: bool | None) -> tuple[dict[str, list[float]], list[float], str]:
    model = HandLeaky()
    history = fit(
        model, X, Y, mse_loss, SGD(model.parameters(), 0.2), 8,
        progress=False, accuracy_fn=None, compiled=compiled,
    )  # fmt: skip
    return history, [model.w.data, model.b.data], history.mode


def test_default_fit_of_a_model_that_reads_data_equals_eager_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    eager_history, eager_params, _ = train(False)
    assert eager_params[0] < 0  # the branch did flip during training
    with caplog.at_level(logging.INFO, logger="nn.train"):
        default_history, default_params, mode = train(None)
    assert default_history["loss"] == pytest.approx(eager_history["loss"], rel=1e-12)
    assert default_params == pytest.approx(eager_params, rel=1e-12)
    assert mode == "eager"
    (switch,) = [
        r.getMessage() for r in caplog.records if "eager mode from now on" in r.getMessage()
    ]
    assert "w.data was" in switch
    compiled_history, compiled_params, _ = train(True)
    assert compiled_history["loss"] == pytest.approx(eager_history["loss"], rel=1e-12)
    assert compiled_params == pytest.approx(eager_params, rel=1e-12)


def test_a_replay_after_a_data_branch_flips_raises_naming_the_read() -> None:
    w = Value(0.5, label="w")
    with guards.recording() as log:
        y = w * 2.0 if w.data > 0 else w * -3.0
    replay = compile_graph(y, guards=log)
    assert replay.run() == 1.0
    w.data = -1.0
    with pytest.raises(FrozenGraphError, match=r"w\.data was 0\.5 when the graph was recorded"):
        replay.run()


def test_a_branch_on_a_formatted_number_is_guarded() -> None:
    x = Value(2.0, label="x")
    with guards.recording() as log:
        y = x * 3.0 if f"{x:.0f}" == "5" else x * 2.0
    replay = compile_graph(y, guards=log)
    x.data = 2.2  # formats as "2" too: the same branch, so the replay holds
    assert replay.run() == pytest.approx(4.4)
    x.data = 5.0  # eager gives 15 here; the recording would give 10
    with pytest.raises(FrozenGraphError, match=r"format\(x, '\.0f'\) was '2' .* gives '5'"):
        replay.run()


def test_reads_made_outside_a_recording_or_by_the_library_log_nothing() -> None:
    x, t = Value(2.0), Value(1.0)
    x.data, f"{x:.1f}"  # noqa: B018 (the reads are what is tested)
    assert guards.log is None
    with guards.recording() as log:
        loss = mse_loss([x.tanh() * 2.0], [t])  # the loss checks its target's number
        ((x.exp() / 3.0).sqrt().log() + x.sigmoid() + x.relu() + x.softplus()) * x.sin()
    assert log == []
    assert loss.data > 0
