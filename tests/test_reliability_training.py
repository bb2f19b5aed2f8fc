"""Training never destroys a model: divergence is caught before the update, bad data before
training starts, and a NaN score is never counted correct.

Every test that diverges checks the same contract: ``FloatingPointError`` naming the epoch
and the batch, and the parameters and the optimizer's state exactly as they were before the
failed step (compared bit for bit, not approximately).

A note on the engine's NaN policy (POLICY.md): NaN propagates through every op, and new
overflows raise. Nothing here depends on ``relu(nan)``: NaN/inf reach the gradients through
an infinite *input* (``w * inf`` then ``tanh``, which IEEE makes ``0 * inf = nan`` in
backward), through the optimizer's own arithmetic, or through an op that overflows.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from autograd_engine import Value
from nn import MLP, Module
from nn.compiled import CompiledStep
from nn.finite import check_before_step, divergence_error, raised_by_engine
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, Adam, AdamW, Optimizer
from nn.train import accuracy, evaluate, fit, predict, train_step

COMPILED = [pytest.param(False, id="eager"), pytest.param(True, id="compiled")]


class Snapshot:
    """Everything a step may change, copied exactly: parameters, optimizer state, steps, lr."""

    def __init__(self, model: Module, optimizer: Optimizer) -> None:
        self.parameters = [p.data for p in model.parameters()]
        self.state = copy.deepcopy(optimizer.state)
        self.steps = optimizer.steps
        self.lr = optimizer.lr

    def assert_unchanged(self, model: Module, optimizer: Optimizer) -> None:
        now = [p.data for p in model.parameters()]
        # Bit for bit: compare the floats' exact representations, which also tells -0.0 apart.
        assert [x.hex() for x in now] == [x.hex() for x in self.parameters]
        assert all(math.isfinite(x) for x in now)
        assert optimizer.state == self.state
        assert optimizer.steps == self.steps
        assert optimizer.lr == self.lr


class Amplified(Module):
    """``tanh(gain * mlp(x))``. ``gain`` is not a parameter (it sits in a dict, which
    ``named_parameters`` does not search); setting it to inf mid-training gives a finite
    loss (tanh(±inf) = ±1) but NaN gradients (tanh' = 0, times inf)."""

    def __init__(self) -> None:
        self.mlp = MLP(1, [3, 1], activation="tanh", seed=0)
        self.knobs = {"gain": Value(1.0)}

    def forward(self, x: list[float]) -> Value:
        return (self.mlp(x) * self.knobs["gain"]).tanh()


def failing_schedule(
    model: Amplified, optimizer: Optimizer, at_step: int, snapshots: list[Snapshot]
) -> Callable[[int], float]:
    """An lr schedule that, just before step ``at_step``, snapshots the model and sets the
    gain to inf (so that step's gradients are NaN)."""

    def schedule(step: int) -> float:
        if step == at_step:
            snapshots.append(Snapshot(model, optimizer))
            model.knobs["gain"].data = math.inf
        return 0.05 / (1 + step)  # a new lr each step: a failed step must put it back

    return schedule


# --- a NaN gradient stops the step before the update -------------------------------------------


@pytest.mark.parametrize("compiled", COMPILED)
@pytest.mark.parametrize("make_optimizer", [Adam, SGD, AdamW], ids=["Adam", "SGD", "AdamW"])
def test_a_nan_gradient_mid_training_names_epoch_batch_parameter_and_changes_nothing(
    compiled: bool, make_optimizer: Callable[..., Optimizer]
) -> None:
    model = Amplified()
    kwargs = {"momentum": 0.9} if make_optimizer is SGD else {}
    optimizer = make_optimizer(model.parameters(), lr=0.05, **kwargs)
    X = [[x / 4] for x in range(-4, 5)]  # 9 rows, batches of 3: 3 steps per epoch
    y = [math.sin(row[0]) for row in X]
    snapshots: list[Snapshot] = []
    with pytest.raises(FloatingPointError) as caught:
        fit(
            model,
            X,
            y,
            mse_loss,
            optimizer,
            5,
            batch_size=3,
            shuffle=False,
            progress=False,
            accuracy_fn=None,
            lr_schedule=failing_schedule(model, optimizer, 7, snapshots),  # epoch 2, batch 1
            compiled=compiled,
        )
    message = str(caught.value)
    assert message.startswith("epoch 2, batch 1: ")
    assert "'mlp.layers.0.neurons.0.w.0' is nan" in message
    assert "try a smaller learning rate" in message
    assert optimizer.steps == 7
    assert optimizer.state[0]  # the moments exist (steps were taken) and did not advance
    snapshots[0].assert_unchanged(model, optimizer)


def test_check_before_step_names_the_first_bad_parameter_in_order() -> None:
    model = MLP(2, [2, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    check_before_step(model, optimizer, 0.5)  # all gradients 0: fine
    params = dict(model.named_parameters())
    params["layers.1.neurons.0.b"].grad = math.inf
    params["layers.0.neurons.1.w.0"].grad = -math.inf
    with pytest.raises(FloatingPointError, match=r"'layers\.0\.neurons\.1\.w\.0' is -inf"):
        check_before_step(model, optimizer, 0.5)


def test_check_before_step_refuses_a_nan_loss_and_names_foreign_parameters() -> None:
    model = MLP(1, [1], seed=0)
    extra = Value(1.0)
    optimizer = SGD([*model.parameters(), extra], lr=0.1)
    with pytest.raises(FloatingPointError, match="the loss is nan"):
        check_before_step(model, optimizer, math.nan)
    extra.grad = math.nan
    with pytest.raises(FloatingPointError, match=r"'optimizer\.params\[2\]' is nan"):
        check_before_step(model, optimizer, 1.0)


def test_train_step_refuses_a_nan_gradient_without_updating() -> None:
    model = Amplified()
    model.knobs["gain"].data = math.inf
    optimizer = Adam(model.parameters(), lr=0.1)
    before = Snapshot(model, optimizer)
    with pytest.raises(FloatingPointError, match=r"gradient of parameter 'mlp\.layers\.0"):
        train_step(model, mse_loss, optimizer, [[0.5], [-0.5]], [0.2, -0.2])
    before.assert_unchanged(model, optimizer)


def test_an_infinite_loss_is_refused_before_the_update() -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    before = Snapshot(model, optimizer)

    def infinite(outputs: list[Any], targets: Any) -> Value:
        return mse_loss(outputs, targets) + Value(math.inf)  # inf in, inf out (IEEE)

    with pytest.raises(FloatingPointError, match="epoch 0, batch 0: the loss is inf"):
        fit(model, [[1.0]], [0.0], infinite, optimizer, 2, progress=False, accuracy_fn=None)
    before.assert_unchanged(model, optimizer)


def test_a_floating_point_error_subclass_keeps_its_type_and_gets_a_note() -> None:
    class AnomalyLikeError(FloatingPointError):
        pass

    model = MLP(1, [1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)

    def loss(outputs: list[Any], targets: Any) -> Value:
        raise AnomalyLikeError("tanh produced nan")

    with pytest.raises(AnomalyLikeError, match="tanh produced nan") as caught:
        fit(model, [[1.0]], [0.0], loss, optimizer, 1, progress=False, accuracy_fn=None)
    assert caught.value.__notes__ == ["raised by the training step of epoch 0, batch 0"]


LOSS_NAMES = ["mse_loss", "hinge_loss", "bce", "cross_entropy"]


@settings(max_examples=40, deadline=None)
@given(
    loss_name=st.sampled_from(LOSS_NAMES),
    log_lr=st.sampled_from([-2, -1, 0, 1, 3, 10, 50, 100, 200, 300, 305, 307, 308]),
    scale=st.sampled_from([1.0, 1e3, 1e100]),
    adam=st.booleans(),
    compiled=st.booleans(),
)
def test_any_learning_rate_either_trains_or_stops_with_the_last_good_model(
    loss_name: str, log_lr: int, scale: float, adam: bool, compiled: bool
) -> None:
    # Right or loud, for every learning rate: fit returns with finite parameters, or raises
    # FloatingPointError naming epoch and batch with the model as the last good step left it.
    model, X, y, loss = make_case(loss_name)
    X = [[row[0] * scale / 1e3] for row in X]
    lr = float(f"1e{log_lr}")  # exactly the float 1e308 (10.0**308 rounds differently)
    optimizer: Optimizer = Adam(model.parameters(), lr=lr) if adam else SGD(model.parameters(), lr)
    snapshots: list[Snapshot] = []

    def schedule(step: int) -> float:
        snapshots.append(Snapshot(model, optimizer))
        return lr

    failure: FloatingPointError | None = None
    try:
        fit(
            model, X, y, loss, optimizer, 6, progress=False, lr_schedule=schedule, compiled=compiled
        )
    except FloatingPointError as error:
        failure = error
    event("trained" if failure is None else "stopped")
    if failure is None:
        assert all(math.isfinite(p.data) for p in model.parameters())
        assert optimizer.steps == 6
    else:
        assert str(failure).startswith(f"epoch {len(snapshots) - 1}, batch 0: ")
        assert "learning rate" in str(failure)
        snapshots[-1].assert_unchanged(model, optimizer)


def test_after_a_divergence_the_model_can_still_be_saved(tmp_path: Any) -> None:
    # Training diverged, and then save refused the model: a diverged run must still save.
    model, X, y, loss = make_case("mse_loss")
    optimizer = SGD(model.parameters(), lr=1e308)
    with pytest.raises(FloatingPointError):
        fit(model, X, y, loss, optimizer, 3, progress=False)
    model.save(tmp_path / "model.json")
    restored, _, _, _ = make_case("mse_loss")
    restored.load(tmp_path / "model.json")
    assert restored.state_dict() == model.state_dict()


# --- an overflow in the engine is the same FloatingPointError -------------------------------


@pytest.mark.parametrize("compiled", COMPILED)
def test_mse_divergence_is_a_floating_point_error_chained_to_the_overflow(compiled: bool) -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    optimizer = SGD(model.parameters(), lr=1e10)
    snapshots: list[Snapshot] = []

    def schedule(step: int) -> float:
        snapshots.append(Snapshot(model, optimizer))
        return 1e10

    with pytest.raises(FloatingPointError) as caught:
        fit(
            model,
            [[1e3], [-2e3]],
            [1.0, -1.0],
            mse_loss,
            optimizer,
            50,
            progress=False,
            accuracy_fn=None,
            lr_schedule=schedule,
            compiled=compiled,
        )
    message = str(caught.value)
    assert message.startswith(f"epoch {optimizer.steps}, batch 0: ")
    assert "try a smaller learning rate" in message
    assert "OverflowError" in message
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(type(error))
        error = error.__cause__
    assert OverflowError in causes  # chained with `from`, nothing hidden
    snapshots[-1].assert_unchanged(model, optimizer)


def make_case(loss_name: str) -> tuple[Module, list[list[float]], list[Any], Any]:
    """A model, data and loss whose first gradient is far from 0 (so lr=1e308 overflows)."""
    X = [[1e3], [-1e3]]
    if loss_name == "cross_entropy":  # the same row in both classes: one is always wrong
        return MLP(1, [2], activation="linear", seed=0), [[1e3], [1e3]], [0, 1], cross_entropy
    model = MLP(1, [1], activation="linear", seed=0)
    losses = {
        "mse_loss": (mse_loss, [5.0, -5.0]),
        "hinge_loss": (hinge_loss, [1, 1]),  # s(1e3) and s(-1e3) differ in sign: one violates
        "bce": (binary_cross_entropy_with_logits, [0.5, 0.5]),  # confident scores are wrong
    }
    loss, y = losses[loss_name]
    return model, X, y, loss


@pytest.mark.parametrize("compiled", COMPILED)
@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_an_update_that_would_overflow_is_refused_with_every_loss(
    loss_name: str, compiled: bool
) -> None:
    model, X, y, loss = make_case(loss_name)
    optimizer = SGD(model.parameters(), lr=1e308)  # finite gradients, infinite step
    before = Snapshot(model, optimizer)
    with pytest.raises(FloatingPointError, match=r"epoch 0, batch 0: SGD\.step: the new value"):
        fit(model, X, y, loss, optimizer, 3, progress=False, compiled=compiled)
    before.assert_unchanged(model, optimizer)


@pytest.mark.parametrize("compiled", COMPILED)
def test_an_engine_value_error_in_a_step_is_divergence(compiled: bool) -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    model.layers[0].neurons[0].b.data = 0.0
    optimizer = SGD(model.parameters(), lr=100.0)
    snapshots: list[Snapshot] = []

    def log_of_prediction(outputs: list[Any], targets: Any) -> Value:
        return outputs[0].log()  # minimised by pushing the prediction down, past 0

    def schedule(step: int) -> float:
        snapshots.append(Snapshot(model, optimizer))
        return 100.0

    with pytest.raises(FloatingPointError, match=r"epoch 1, batch 0: .*log") as caught:
        fit(
            model,
            [[1.0]],
            [0.0],
            log_of_prediction,
            optimizer,
            3,
            progress=False,
            accuracy_fn=None,
            lr_schedule=schedule,
            compiled=compiled,
        )
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(type(error))
        error = error.__cause__
    assert ValueError in causes  # the engine's domain error, chained with `from`
    snapshots[-1].assert_unchanged(model, optimizer)


def test_a_value_error_of_the_loss_itself_is_not_called_divergence() -> None:
    model = MLP(1, [1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="targets must be -1 or \\+1"):
        fit(model, [[1.0]], [0.5], hinge_loss, optimizer, 1, progress=False)
    assert optimizer.steps == 0


def test_divergence_error_tells_engine_errors_from_the_callers() -> None:
    with pytest.raises(ValueError, match="log") as engine:
        Value(-1.0).log()
    assert raised_by_engine(engine.value.__traceback__)
    assert divergence_error(engine.value, "here: ") is not None
    with pytest.raises(ValueError, match="user code") as user:
        raise ValueError("a mistake in user code")
    assert not raised_by_engine(user.value.__traceback__)
    assert divergence_error(user.value, "") is None
    overflow = OverflowError("exp: 1000 overflows")
    assert "exp: 1000 overflows" in str(divergence_error(overflow, ""))
    assert divergence_error(TypeError("x"), "") is None


# --- the optimizer's step is all or nothing --------------------------------------------------


def test_adam_moments_do_not_advance_when_the_update_would_overflow() -> None:
    params = [Value(1.0), Value(2.0), Value(3.0)]
    optimizer = Adam(params, lr=0.1)
    for p in params:
        p.grad = 1.0
    optimizer.step()
    state = copy.deepcopy(optimizer.state)
    data = [p.data for p in params]
    params[2].grad = 1e200  # g * g overflows the second moment of the *last* parameter
    with pytest.raises(FloatingPointError, match="new exp_avg_sq of parameter 2 would be inf"):
        optimizer.step()
    assert optimizer.state == state
    assert optimizer.steps == 1
    assert [p.data for p in params] == data


def test_sgd_changes_no_parameter_when_the_last_update_overflows() -> None:
    params = [Value(1.0), Value(-1e308)]
    optimizer = SGD(params, lr=10.0, momentum=0.5)
    for p in params:
        p.grad = 1e307
    with pytest.raises(FloatingPointError, match="parameter 1 would be -inf"):
        optimizer.step()
    assert [p.data for p in params] == [1.0, -1e308]
    assert optimizer.state == [{}, {}]


# --- bad data is refused before training ----------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (
            [[0.0, 1.0], [0.5, math.nan], [1.0, 0.0]],
            [0, 1, 0],
            r"input row 1 .* X\[1\]\[1\] is nan",
        ),
        (
            [[0.0, 1.0], [1.0, 0.0], [-math.inf, 0.0]],
            [0, 1, 0],
            r"input row 2 .* X\[2\]\[0\] is -inf",
        ),
        ([[0.0, 1.0], [1.0, 0.0]], [0, math.inf], r"target 1 .* y\[1\] is inf"),
        ([[0.0, 1.0], [1.0, 0.0]], [math.nan, 1], r"target 0 .* y\[0\] is nan"),
        ([[0.0, Value(math.nan)], [1.0, 0.0]], [0, 1], r"input row 0 .* X\[0\]\[1\] is nan"),
        ([[0.0, 10**400], [1.0, 0.0]], [0, 1], r"input row 0 .* X\[0\]\[1\] is a number too large"),
    ],
    ids=["nan feature", "-inf feature", "inf target", "nan target", "nan Value", "huge int"],
)
@pytest.mark.parametrize("compiled", COMPILED)
def test_fit_refuses_non_finite_data_naming_the_row(
    X: list[list[Any]], y: list[Any], message: str, compiled: bool
) -> None:
    model = MLP(2, [3, 1], seed=0)
    optimizer = Adam(model.parameters())
    before = Snapshot(model, optimizer)
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, mse_loss, optimizer, 2, progress=False, compiled=compiled)
    before.assert_unchanged(model, optimizer)
    with pytest.raises(ValueError, match=message):
        evaluate(model, X, y, mse_loss)


def test_sequences_are_checked_element_by_element() -> None:
    sequences: list[Any] = [[[0.1], [0.2]], [[0.3], [math.inf]]]
    with pytest.raises(ValueError, match=r"input row 1 .* X\[1\]\[1\]\[0\] is inf"):
        evaluate(MLP(1, [1], seed=0), sequences, [0.0, 0.0], mse_loss)


# --- decisions: a NaN score is never correct ------------------------------------------------


@pytest.mark.parametrize(
    ("outputs", "targets", "expected"),
    [
        ([math.nan], [0], 0.0),  # used to count: (nan > 0) == (0 > 0) is True
        ([math.nan], [-1], 0.0),
        ([math.nan], [1], 0.0),
        ([Value(math.nan)], [0], 0.0),
        ([[math.nan, 1.0]], [0], 0.0),  # used to count: max() kept the first element
        ([[1.0, math.nan]], [0], 0.0),
        ([[0.0, math.nan, 1.0]], [2], 0.0),
        ([0.3, math.nan], [1, 1], 0.5),
        ([0.3], [math.nan], 0.0),
        ([[math.inf, 0.0]], [0], 1.0),  # inf is a number: the largest score
    ],
)
def test_accuracy_never_counts_a_nan_score_correct(
    outputs: list[Any], targets: list[Any], expected: float
) -> None:
    assert accuracy(outputs, targets) == expected


@pytest.mark.parametrize(
    ("loss", "target"),
    [(hinge_loss, math.nan), (binary_cross_entropy_with_logits, math.nan)],
)
def test_losses_refuse_nan_targets(loss: Callable[..., Value], target: float) -> None:
    with pytest.raises(ValueError, match="target 0 is nan"):
        loss([Value(0.5)], [target])


def test_mse_with_a_nan_target_is_nan_not_a_number() -> None:
    # NaN in, NaN out: the loss must not hide it (fit refuses such data up front).
    assert math.isnan(mse_loss([Value(0.5)], [math.nan]).data)


@pytest.mark.parametrize("compiled", [None, True, False])
@pytest.mark.parametrize(
    ("X", "where"),
    [
        ([["0.1", "0.2"], ["0.3", "0.4"]], r"X\[0\]\[0\] is '0\.1'"),
        ([[0.1, 0.2], [0.3, "nan"]], r"X\[1\]\[1\] is 'nan'"),
    ],
)
def test_text_features_are_refused_in_every_mode(
    compiled: bool | None,
    X: list[list[Any]],
    where: str,
) -> None:
    # float("0.1") would read text, and float("nan") would slip past the NaN check; the
    # eager step cannot multiply text at all. Every mode refuses it, before any step.
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(
        TypeError, match=f"input row .* holds text: {where}; features must be numbers"
    ):
        fit(
            model, X, [1.0, 0.0], mse_loss, SGD(model.parameters(), 0.1), 2,
            progress=False, accuracy_fn=None, compiled=compiled,
        )  # fmt: skip
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="holds text"):
        evaluate(model, X, [1.0, 0.0], mse_loss, None)
    with pytest.raises(TypeError, match="holds text"):
        predict(model, X)


def test_the_compiled_step_itself_reads_no_text() -> None:
    model = MLP(1, [1], seed=0)
    step = CompiledStep()
    with pytest.raises(TypeError, match=r"an input must be a number, not str: '0\.5'"):
        step(model, mse_loss, SGD(model.parameters(), 0.1), [["0.5"]], [1.0])
