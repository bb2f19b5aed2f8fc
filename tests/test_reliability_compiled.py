"""Compiled replay is right or loud: it equals rebuilding eagerly, or it raises.

Python that looks at a Value's number while a graph is recorded (``if v > 0``,
``v.item() > c``, ``max(a, b)``, ``round(v)``) takes a branch the recording cannot re-take.
Guards (:mod:`autograd_engine.guards`) log each look; every ``run()`` re-asks them on the
new values. The oracle is the eager engine: the same Python program rebuilt on the new
values and differentiated with ``backward()``. A replay must agree with it to 1e-12
(relative to the graph's scale, as in ``test_compile.py``) or raise ``FrozenGraphError``,
never differ; ``fit(compiled=True)`` re-records instead of raising, and must train exactly
like eager.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import nn.compiled
import nn.train
from autograd_engine import (
    FrozenGraphError,
    Value,
    compile_graph,
    gradcheck,
    guards,
    maximum,
    topological_order,
)
from nn import MLP, Module
from nn.compiled import CompiledStep
from nn.datasets import make_moons
from nn.functional import logsumexp, softmax
from nn.losses import cross_entropy, mse_loss
from nn.optim import SGD
from nn.train import fit, train_step

# --- random branchy programs ----------------------------------------------------------------

# Each step makes a node from two earlier nodes a, b and a number c; most of them decide
# something in Python by looking at a number.
STEPS: dict[str, Callable[[Value, Value, float], Value]] = {
    "add": lambda a, b, c: a + b,
    "mul": lambda a, b, c: a * b,
    "tanh": lambda a, b, c: (a + c).tanh(),
    "sin": lambda a, b, c: (a * b).sin(),
    "if a > c": lambda a, b, c: a * 2.0 if a > c else b - a,
    "if a > c, b + a * -1": lambda a, b, c: a * 2.0 if a > c else b + a * -1.0,
    "if a.item() > c": lambda a, b, c: a.tanh() if a.item() > c else b * 0.5,
    "if c >= a": lambda a, b, c: a + 1.0 if c >= a else a * a,  # reflected: a <= c
    "if a < b": lambda a, b, c: a + 1.0 if a < b else b * a,
    "python max": lambda a, b, c: max(a, b),
    "python min": lambda a, b, c: min(a, b * c),
    "median": lambda a, b, c: sorted([a, b, a * c])[1],
    "if bool": lambda a, b, c: a * 3.0 if (a - b).relu() else a + b,
    "round": lambda a, b, c: a * round(b, 1),
    "int": lambda a, b, c: a + int(b * 3),
    "maximum": lambda a, b, c: maximum(a, b, c),  # an op: the replay re-decides it itself
    # Reads of the number itself: each is a guard that holds while the number is the same.
    "if a.data > c": lambda a, b, c: a * 2.0 if a.data > c else b - a,
    "copy of b.data": lambda a, b, c: a * Value(b.data),
    "detach": lambda a, b, c: a + b.detach() * c,
    "if f'{a:.0f}'": lambda a, b, c: a * 3.0 if f"{a:.0f}" in ("0", "-0") else b * a,
    "float(f'{b:.2f}')": lambda a, b, c: a * float(f"{b:.2f}"),
    "f'{b:g}'": lambda a, b, c: a * 2.0 if "-" in f"{b:g}" else a,
    "str(b.data)": lambda a, b, c: a * len(str(b.data)),
}

Program = list[tuple[str, int, int, float]]

programs = st.lists(
    st.tuples(
        st.sampled_from(sorted(STEPS)),
        st.integers(0, 100),
        st.integers(0, 100),
        st.floats(-1, 1),
    ),
    min_size=1,
    max_size=12,
)
leaf_values = st.lists(st.floats(-2, 2), min_size=3, max_size=3)


def build(program: Program, leaves: Sequence[Value]) -> Value:
    """The graph the program builds: each step reads two earlier nodes."""
    nodes = list(leaves)
    for name, i, j, c in program:
        nodes.append(STEPS[name](nodes[i % len(nodes)], nodes[j % len(nodes)], c))
    return sum(nodes[len(leaves) :], nodes[0]) * 0.5


def eager(program: Program, xs: Sequence[float]) -> tuple[float, list[float], float]:
    """Rebuild from scratch and backward(): the value, leaf grads, and the graph's scale."""
    leaves = [Value(x) for x in xs]
    root = build(program, leaves)
    root.backward()
    nodes = topological_order(root)
    scale = max(1.0, *(abs(n.data) for n in nodes), *(abs(n.grad) for n in nodes))
    return root.data, [leaf.grad for leaf in leaves], scale


def close(actual: float, expected: float, scale: float) -> bool:
    return abs(actual - expected) <= 1e-12 * max(abs(expected), scale)


def record(program: Program, xs: Sequence[float]) -> tuple[list[Value], Any]:
    leaves = [Value(x) for x in xs]
    with guards.recording() as log:
        root = build(program, leaves)
    return leaves, compile_graph(root, guards=log)


@settings(max_examples=400, deadline=None)
@given(programs, leaf_values, leaf_values)
def test_a_replay_equals_the_eager_rebuild_or_raises(
    program: Program, xs: list[float], new_xs: list[float]
) -> None:
    try:
        expected_value, expected_grads, scale = eager(program, new_xs)
    except ArithmeticError:
        assume(False)  # int(b * 3) of a huge value, ...
    assume(scale < 1e6)
    leaves, replay = record(program, xs)
    for leaf, x in zip(leaves, new_xs, strict=True):
        leaf.data = x
    try:
        value = replay.run()
    except FrozenGraphError:
        event("a branch changed: FrozenGraphError")
        assert [leaf.grad for leaf in leaves] == [0.0, 0.0, 0.0]  # nothing was written
        return
    event("every branch as recorded: replayed")
    assert close(value, expected_value, scale), (value, expected_value)
    for leaf, expected in zip(leaves, expected_grads, strict=True):
        assert close(leaf.grad, expected, scale), (leaf.grad, expected)


def test_both_outcomes_happen_on_a_branchy_program() -> None:
    """The property above is not vacuous: one program, replayed and refused."""
    program: Program = [("if a > c", 0, 1, 0.0), ("python max", 1, 2, 0.0)]
    leaves, replay = record(program, [1.0, 2.0, 3.0])
    leaves[0].data = 0.5  # a > 0 still; max(b, c) still c
    expected_value, expected_grads, _ = eager(program, [0.5, 2.0, 3.0])
    assert replay.run() == expected_value
    assert [leaf.grad for leaf in leaves] == expected_grads
    leaves[0].data = -0.5
    with pytest.raises(FrozenGraphError):
        replay.run()


# --- what a guard sees and says ------------------------------------------------------------


def test_the_error_names_the_node_and_the_branch() -> None:
    x = Value(0.3, label="x")
    with guards.recording() as log:
        y = x * 2 if x.item() > 0 else x * -3
        z = y + 1.0 if y > 0.5 else y
    replay = compile_graph(z, guards=log)
    assert replay.num_guards == 2
    x.data = 0.3
    assert replay.run() == pytest.approx(1.6)
    x.data = -0.2
    with pytest.raises(
        FrozenGraphError, match=r"x\.item\(\) was 0\.3 when the graph was recorded "
    ):
        replay.run()
    y.label = "y"
    x.data = 0.3
    with guards.recording() as log:
        z = y + 1.0 if y > 0.5 else y
    replay = compile_graph(z, guards=log)
    x.data = 0.2
    with pytest.raises(FrozenGraphError, match=r"y > 0\.5 was True .* \(y = 0\.6\), now y = 0\.4 "):
        replay.run()


def test_comparing_two_values_names_both() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with guards.recording() as log:
        m = max(a, b) * 1.0
    replay = compile_graph(m, guards=log)
    a.data = 3.0
    with pytest.raises(FrozenGraphError, match=r"b > a was True .* \(a was 1\.0 .*, now 3\.0\)"):
        replay.run()


def test_a_guarded_node_outside_the_graph_is_computed_and_checked() -> None:
    """``norm`` decides the branch but is not part of ``loss``: it is replayed too."""
    w = Value(2.0)
    with guards.recording() as log:
        norm = w * w
        loss = w * 2.0 if norm > 1 else w * 3.0
    replay = compile_graph(loss, guards=log)
    assert replay.run() == 4.0
    assert w.grad == 2.0  # norm sends no gradient: it is not in loss's graph
    w.data = 0.5
    with pytest.raises(FrozenGraphError, match="was True"):
        replay.run()


def test_int_and_round_are_checked_in_python() -> None:
    x = Value(1.26)
    with guards.recording() as log:
        y = x * round(x, 1) + int(x * 2)
    replay = compile_graph(y, guards=log)
    x.data = 1.27  # round(x, 1) still 1.3 and int(2x) still 2
    assert replay.run() == pytest.approx(1.27 * 1.3 + 2)
    x.data = 1.24
    with pytest.raises(FrozenGraphError, match=r"round\(<leaf>, 1\) was 1\.3"):
        replay.run()
    with guards.recording() as log:
        y = x * 1.0 + int(x * 2)
    replay = compile_graph(y, guards=log)
    x.data = float("nan")  # int(nan) raises: an answer that changed, not a crash
    with pytest.raises(FrozenGraphError, match=r"int\(<\* node>\) was 2 .* gives an error"):
        replay.run()


def test_a_branch_that_avoided_an_error_is_blamed_not_the_error() -> None:
    """Eager would not take the log for x <= 0: the replay says why it fails."""
    x = Value(2.0)
    with guards.recording() as log:
        y = x.log() if x > 0 else x * 1.0
    replay = compile_graph(y, guards=log)
    x.data = -1.0
    with pytest.raises(FrozenGraphError, match=r"<leaf> > 0 was True") as caught:
        replay.run()
    assert isinstance(caught.value.__cause__, ValueError)


def test_an_error_before_a_guarded_node_is_raised_as_eager_raises_it_with_a_note() -> None:
    x = Value(math.e)
    with guards.recording() as log:
        y = x.log()
        z = y * 2.0 if y > 0 else y
    replay = compile_graph(z, guards=log)
    x.data = -1.0  # eager fails at the log too, before it reaches the branch
    with pytest.raises(ValueError, match=r"log: logarithm of -1\.0") as caught:
        replay.run()
    assert "also branched on values computed after this op" in str(caught.value.__notes__)


def test_a_replay_without_guards_is_frozen_as_documented() -> None:
    x = Value(2.0)
    y = x * 2 if x > 0 else x * -3  # not recorded: compile_graph cannot see it
    replay = compile_graph(y)
    assert replay.num_guards == 0
    x.data = -1.0
    assert replay.run() == -2.0


def test_compile_graph_inside_a_recording_block_uses_its_log() -> None:
    x = Value(2.0)
    with guards.recording():
        y = x * 2 if x > 0 else x * -3
        replay = compile_graph(y)
    assert replay.num_guards == 1
    x.data = -1.0
    with pytest.raises(FrozenGraphError):
        replay.run()


def test_recording_is_off_outside_the_block_and_blocks_nest() -> None:
    x = Value(1.0)
    assert guards.log is None
    assert guards.current_log() is None
    with guards.recording() as outer:
        x > 0  # noqa: B015 (the comparison is what is recorded)
        with guards.recording() as inner:
            x.item()
        assert guards.current_log() is outer
    assert guards.log is None
    assert guards.current_log() is None
    bool(x)
    assert [g.test for g in inner] == ["item"]
    assert [g.test for g in outer] == [">", "item"]


def test_comparisons_return_plain_bools_and_equality_stays_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b, a < 1.5) == (True, True, False, False, True)
    assert 2 > a  # noqa: SIM300 (the reflected comparison is what is tested)
    assert max(a, b) is b
    assert min(a, b) is a
    assert sorted([b, a]) == [a, b]
    assert a != Value(1.0)
    assert len({a, Value(1.0)}) == 2
    assert bool(Value(0.0)) is False
    assert bool(Value(float("nan"))) is True
    assert (int(Value(-2.7)), round(Value(2.5)), round(Value(2.46), 1)) == (-2, 2, 2.5)
    with pytest.raises(TypeError):
        a < "1"  # noqa: B015


# --- fit(compiled=True) with branchy models re-records and equals eager ------------------


class GuardedBranchy(Module):
    """Branches a guard sees: a comparison with a number, max() of Values, item()."""

    def __init__(self) -> None:
        self.w = Value(0.5)
        self.v = Value(-0.25)
        self.u = Value(0.1)

    def forward(self, x: list[Value]) -> Value:
        h = x[0] * (self.w if x[0] > 0 else self.v)
        h = max(h, x[1] * self.u)
        return h * 2.0 if self.w.item() > 0.45 else h


def branchy_fit(compiled: bool, **options: Any) -> tuple[dict[str, list[float]], list[float]]:
    model = GuardedBranchy()
    X = [[1.0, 0.5], [2.0, -1.0], [-1.0, 3.0], [-3.0, 0.2], [0.5, 0.5], [-0.5, -2.0]]
    y = [1.0, 2.0, -1.0, -3.0, 0.0, 1.0]
    history = fit(
        model,
        X,
        y,
        mse_loss,
        SGD(model.parameters(), lr=0.05),
        epochs=4,
        batch_size=2,
        seed=3,
        progress=False,
        accuracy_fn=None,
        compiled=compiled,
        **options,
    )
    return history, [p.data for p in model.parameters()]


def test_fit_compiled_re_records_a_branchy_model_and_equals_eager(
    caplog: pytest.LogCaptureFixture,
) -> None:
    eager_history, eager_params = branchy_fit(False)
    with caplog.at_level(logging.INFO, logger="nn.compiled"):
        compiled_history, compiled_params = branchy_fit(True)
    assert compiled_history["loss"] == pytest.approx(eager_history["loss"], rel=1e-12)
    assert compiled_params == pytest.approx(eager_params, rel=1e-12)
    rerecords = [r.getMessage() for r in caplog.records if "recorded again" in r.getMessage()]
    assert rerecords
    assert rerecords[-1].startswith(f"compiled step: graph recorded again ({len(rerecords)} ")


def test_compiled_step_counts_re_recordings_or_raises_when_told() -> None:
    model = GuardedBranchy()
    step = CompiledStep()
    optimizer = SGD(model.parameters(), lr=0.0)
    batches = [([[1.0, 0.0]], [1.0]), ([[2.0, 0.0]], [1.0]), ([[-1.0, 0.0]], [1.0])]
    for inputs, targets in batches:
        expected = train_step(model, mse_loss, optimizer, inputs, targets).loss
        assert step(model, mse_loss, optimizer, inputs, targets).loss == expected
    assert step.rerecords == 1  # x > 0 changed on the third batch only
    strict = CompiledStep(rerecord=False)
    strict(model, mse_loss, optimizer, *batches[0])
    with pytest.raises(FrozenGraphError, match=r"<leaf> > 0 was True"):
        strict(model, mse_loss, optimizer, *batches[2])
    assert strict.rerecords == 0


class Flips(Module):
    """One guarded branch on the input's sign (w.item() would change with every step)."""

    def __init__(self) -> None:
        self.w = Value(0.5)
        self.v = Value(-0.25)

    def forward(self, x: list[Value]) -> Value:
        return x[0] * (self.w if x[0] > 0 else self.v)


def test_a_branch_that_flips_back_finds_its_recording_again() -> None:
    model = Flips()
    step = CompiledStep()
    optimizer = SGD(model.parameters(), lr=0.01)
    eager_model = Flips()
    eager_optimizer = SGD(eager_model.parameters(), lr=0.01)
    for x in [1.0, -1.0, 2.0, -2.0, 0.5, -0.5]:  # x > 0 flips on every step
        inputs, targets = [[x, 0.0]], [1.0]
        expected = train_step(eager_model, mse_loss, eager_optimizer, inputs, targets).loss
        assert step(model, mse_loss, optimizer, inputs, targets).loss == expected
    assert step.rerecords == 1  # the second branch, once; then both recordings are reused
    assert [p.data for p in model.parameters()] == [p.data for p in eager_model.parameters()]


def test_frozen_graph_error_is_still_importable_from_nn() -> None:
    assert nn.compiled.FrozenGraphError is FrozenGraphError


class _CountRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class ProgramModel(Module):
    """A random branchy program over the inputs and three parameters."""

    def __init__(self, program: Program, weights: Sequence[float]) -> None:
        self.program = program
        self.weights = [Value(w) for w in weights]

    def forward(self, x: list[Any]) -> Value:
        inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        return build(self.program, [*inputs, *self.weights])

    def parameters(self) -> list[Value]:
        return self.weights


class LockstepStep(CompiledStep):
    """A CompiledStep that checks every step against eager on the *same* parameters.

    Before each compiled step, a twin of the model with the compiled model's current
    parameters (bit for bit) takes the eager :func:`train_step` on the same batch; the
    compiled step must then give the same loss, outputs, gradients and updated parameters,
    to 1e-9, or both must fail. This is the contract of ``fit(compiled=True)``: a wrong
    recording picked among the variants, a guard not re-checked, a stale target or input,
    a constant read wrongly would all show here, at the step where they happen.

    It is also the only oracle that holds for *discontinuous* programs. The replay equals
    ``backward()`` to rounding, not bit for bit (it adds a shared leaf's gradient terms
    level by level, ``backward()`` in reverse topological order), and a program that
    compares Values at an exact tie turns a last-bit difference in a parameter into
    another branch; from then on two fits, one compiled and one eager, legitimately train
    different models (see ``test_a_tie_splits_eager_and_compiled_fits_by_rounding_only``).
    """

    def __init__(self, twin: Callable[[Module], Module]) -> None:
        super().__init__()
        self.twin = twin
        self.steps = 0
        self.bitwise = True  # every step bit-identical to its eager twin so far

    def __call__(
        self,
        model: Module,
        loss_fn: Any,
        optimizer: Any,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
    ) -> Any:
        twin = self.twin(model)
        twin_optimizer = SGD(twin.parameters(), lr=optimizer.lr)
        try:
            expected = train_step(twin, loss_fn, twin_optimizer, inputs, targets)
        except (ArithmeticError, ValueError):
            with pytest.raises((ArithmeticError, ValueError)):  # compiled fails alike
                super().__call__(model, loss_fn, optimizer, inputs, targets)
            raise
        try:
            result = super().__call__(model, loss_fn, optimizer, inputs, targets)
        except (ArithmeticError, ValueError) as error:
            raise AssertionError(f"compiled raised {error!r}, eager did not") from error
        self.steps += 1
        actual = [result.loss, *_flat(result.outputs)]
        actual += [p.grad for p in model.parameters()] + [p.data for p in model.parameters()]
        wanted = [expected.loss, *_flat(expected.outputs)]
        wanted += [p.grad for p in twin.parameters()] + [p.data for p in twin.parameters()]
        scale = max(1.0, *map(abs, wanted))
        where = f"step {self.steps}: compiled {actual} != eager {wanted}"
        assert actual == pytest.approx(wanted, rel=1e-9, abs=1e-12 * scale), where
        self.bitwise = self.bitwise and actual == wanted
        return result


def _flat(outputs: Any) -> list[float]:
    if isinstance(outputs, list):
        return [x for item in outputs for x in _flat(item)]
    return [float(outputs)]


def lockstep_fit(
    program: Program, weights: Sequence[float], data: Sequence[float], batch_size: int | None = 3
) -> tuple[LockstepStep, Any]:
    """fit(compiled=True) on the program, every step checked by :class:`LockstepStep`;
    returns the step and (losses per epoch, final weights), or the error type both eager
    and compiled raised."""
    X = [list(data[k : k + 2]) for k in range(0, len(data), 2)]
    y = [math.sin(3 * a) for a, _ in X]
    model = ProgramModel(program, weights)
    checked = LockstepStep(lambda m: ProgramModel(program, [p.data for p in m.parameters()]))
    original = nn.train.CompiledStep
    nn.train.CompiledStep = lambda: checked  # type: ignore[assignment,misc]
    try:
        history: Any = fit(
            model,
            X,
            y,
            mse_loss,
            SGD(model.parameters(), lr=0.01),
            epochs=2,
            batch_size=batch_size,
            seed=1,
            progress=False,
            accuracy_fn=None,
            compiled=True,
        )
    except (ArithmeticError, ValueError) as error:  # both failed alike (checked per step)
        return checked, type(error)
    finally:
        nn.train.CompiledStep = original  # type: ignore[misc]
    return checked, (history["loss"], [p.data for p in model.weights])


def plain_fit(
    program: Program,
    weights: Sequence[float],
    data: Sequence[float],
    compiled: bool,
    batch_size: int | None = 3,
) -> tuple[list[float], list[float]]:
    X = [list(data[k : k + 2]) for k in range(0, len(data), 2)]
    y = [math.sin(3 * a) for a, _ in X]
    model = ProgramModel(program, weights)
    history = fit(
        model,
        X,
        y,
        mse_loss,
        SGD(model.parameters(), lr=0.01),
        epochs=2,
        batch_size=batch_size,
        seed=1,
        progress=False,
        accuracy_fn=None,
        compiled=compiled,
    )
    return history["loss"], [p.data for p in model.weights]


@settings(max_examples=40, deadline=None)
@given(programs, leaf_values, st.lists(st.floats(-2, 2), min_size=16, max_size=16))
def test_fit_compiled_equals_eager_on_random_branchy_models(
    program: Program, weights: list[float], data: list[float]
) -> None:
    """Every compiled step equals the eager step from the same parameters, or both raise;
    when every step was bit-identical, the two whole fits are identical too."""
    counter = _CountRecords()
    logger = logging.getLogger("nn.compiled")
    level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    try:
        checked, history = lockstep_fit(program, weights, data)
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    event(f"fit compiled re-recorded: {counter.count > 0}")
    event(f"every step bit-identical to eager: {checked.bitwise}")
    if isinstance(history, type) or not checked.bitwise:
        return
    assert plain_fit(program, weights, data, compiled=False) == history


# The case the property above first failed on with an end-to-end oracle (two whole fits
# compared): "median" = sorted([a, b, a * c])[1] at an exact three-way tie of zeros.
TIE_PROGRAM: Program = [
    ("add", 0, 0, 0.0),
    ("add", 0, 0, 0.0),
    ("add", 0, 80, 0.0),
    ("median", 0, 2, 0.0),
    ("if a > c, b + a * -1", 56, 0, 0.0),
]


def test_a_tie_splits_eager_and_compiled_fits_by_rounding_only() -> None:
    """Why the oracle is per step. Here the median is w0 = 0.0 and b + a * -1 subtracts w0
    again (written so, as a product in a sum, for the replay to fuse it), so w0's gradient
    is +1/6 - 1/6 per example: backward() adds them -,+,-,+,-,+ (exactly 0.0), the replay
    level by level +,+,+,-,-,- (5.55e-17, one rounding). w0 becomes -5.55e-19 instead of
    0.0; at the next step ``w0 < x0`` breaks the tie the other way, the compiled step
    records the new branch (guards at work) and from there trains another model, as eager
    does from that parameter. Every step is still eager's to 1e-9."""
    checked, (compiled_loss, compiled_weights) = lockstep_fit(
        TIE_PROGRAM, [0.0, 1.0, 0.0], [0.0] * 16
    )
    assert checked.steps == 6
    assert not checked.bitwise  # the first step's w0 gradient differs by one rounding
    assert checked.rerecords == 1  # the tie broke the other way once: recorded again
    eager_loss, eager_weights = plain_fit(TIE_PROGRAM, [0.0, 1.0, 0.0], [0.0] * 16, False)
    assert (plain_fit(TIE_PROGRAM, [0.0, 1.0, 0.0], [0.0] * 16, True)) == (
        compiled_loss,
        compiled_weights,
    )  # the lockstep checker does not change what fit(compiled=True) does
    assert eager_weights[0] == 0.0  # the tie held all along in eager
    assert compiled_weights[0] == pytest.approx(-0.005022019956312502, rel=1e-9)
    assert compiled_loss[0] == pytest.approx(eager_loss[0], rel=1e-2)  # close, not 1e-9


def test_a_minimal_tie_is_replayed_like_eager_on_the_same_parameters() -> None:
    """The smallest form: max() of two Values that tie, then nudged by one rounding.
    A replay of the recording takes the branch its own numbers take, never the recorded
    one: the guard sends it to a new recording, which equals eager exactly."""

    class Tie(Module):
        def __init__(self) -> None:
            self.w = Value(0.0)

        def forward(self, x: list[Value]) -> Value:
            return max(x[0], self.w) + self.w * 0.5

        def parameters(self) -> list[Value]:
            return [self.w]

    model = Tie()
    step = LockstepStep(lambda m: _with_w(Tie(), m.parameters()[0].data))
    optimizer = SGD(model.parameters(), lr=0.0)
    for w in [0.0, -5.551115123125783e-19, 0.0, 5e-324, -0.0]:
        model.w.data = w
        step(model, mse_loss, optimizer, [[0.0]], [1.0])
    assert step.steps == 5
    assert step.rerecords == 1  # max asks "w > x": False at the ties, True at 5e-324 only
    assert step.bitwise


@pytest.mark.parametrize("width", [1, 40])  # the float path and the array path
def test_a_sum_of_negative_zeros_is_negative_zero_as_in_eager(width: int) -> None:
    """-0.0 + -0.0 is -0.0. The array path's reduction started from +0.0 and gave +0.0, so
    an item() or round() guard (bit for bit: the sign of a zero is a different number)
    failed on the very values it was recorded on, and fit(compiled=True) raised
    FrozenGraphError where eager trains."""
    xs = [Value(-0.0) for _ in range(width)]
    with guards.recording() as log:
        sums = [x + x + x for x in xs]
        root = sum(s * round(s, 1) for s in sums)
    assert isinstance(root, Value)
    assert all(math.copysign(1.0, s.data) == -1.0 for s in sums)
    replay = compile_graph(root, watch=sums, guards=log)
    replay.run()  # the recorded values: every guard holds
    assert [math.copysign(1.0, v) for v in replay.watched_values()] == [-1.0] * width


def test_fit_compiled_on_negative_zero_inputs_equals_eager() -> None:
    """The case hypothesis found (tie-heavy data): round() of x0 + x0 with x0 = -0.0."""
    program: Program = [("add", 0, 0, 0.0)] * 3 + [("round", 0, 5, 0.0)]
    data = [0.0] * 12 + [-0.0] + [0.0] * 3
    checked, history = lockstep_fit(program, [0.0, 0.0, 0.0], data)
    assert checked.steps == 6
    assert checked.bitwise
    assert plain_fit(program, [0.0, 0.0, 0.0], data, compiled=False) == history


def test_a_recording_that_fails_its_own_float_guard_takes_the_eager_step() -> None:
    """t.item() of a tanh computed by NumPy for 40 examples at once: np.tanh may differ
    from math.tanh in the last bit, so the new recording failed its own item() guard on
    the batch it was just recorded on, and fit(compiled=True) raised FrozenGraphError where
    eager trains (found by hypothesis on a full batch of 40). Now that step is eager."""
    program: Program = [("if a.item() > c", 97, 0, 0.0), ("if a.item() > c", 5, 0, 0.0)]
    data = [0.0] * 80
    checked, history = lockstep_fit(program, [0.5, 0.0, 0.0], data, batch_size=None)
    assert checked.steps == 2
    assert checked.bitwise
    assert checked.eager_steps >= 1
    assert plain_fit(program, [0.5, 0.0, 0.0], data, False, batch_size=None) == history


def _with_w(model: Module, w: float) -> Module:
    model.parameters()[0].data = w
    return model


# --- cross_entropy at logits of ±1000 -------------------------------------------------------


class Scaled(Module):
    """An MLP whose scores are multiplied by 1000: logits in the thousands."""

    def __init__(self) -> None:
        self.mlp = MLP(2, [16, 2], seed=4)

    def forward(self, x: list[Value]) -> list[Value]:
        return [z * 1000.0 for z in self.mlp(x)]

    def parameters(self) -> list[Value]:
        return self.mlp.parameters()


def test_cross_entropy_at_logits_of_a_thousand_trains_compiled_exactly_like_eager() -> None:
    """Every batch of two is (class 0, class 1): one recording serves them all, so a shift
    frozen at the first batch's largest logit overflowed exp() on the next (main died with
    OverflowError: exp(927.6)); maximum() re-picks it on every run."""
    X, labels = make_moons(60, noise=0.1, seed=2)
    zeros = [x for x, t in zip(X, labels, strict=True) if t == 0]
    ones = [x for x, t in zip(X, labels, strict=True) if t == 1]
    X2 = [row for pair in zip(zeros, ones, strict=True) for row in pair]
    y2 = [0, 1] * (len(X2) // 2)
    results = []
    for compiled in (False, True):
        model = Scaled()
        history = fit(
            model,
            X2,
            y2,
            cross_entropy,
            SGD(model.parameters(), lr=1e-5),
            epochs=2,
            batch_size=2,
            shuffle=False,
            progress=False,
            compiled=compiled,
        )
        results.append((history, [p.data for p in model.parameters()]))
    (eager_history, eager_params), (compiled_history, compiled_params) = results
    assert eager_history["accuracy"][-1] > 0.6
    assert compiled_history["loss"] == pytest.approx(eager_history["loss"], rel=1e-12)
    assert compiled_history["accuracy"] == eager_history["accuracy"]
    assert compiled_params == pytest.approx(eager_params, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("width", [1, 40])  # the float path and the array path
def test_logsumexp_replayed_on_new_logits_equals_eager(width: int) -> None:
    rows = [[Value(1000.0 + k), Value(-1000.0), Value(3.0 * k)] for k in range(width)]
    with guards.recording() as log:
        root = sum(logsumexp(row) for row in rows)
    assert log == []  # the library reads no number in Python
    assert isinstance(root, Value)
    replay = compile_graph(root)
    # Another logit is the largest, 800 above the recorded largest: a shift frozen at the
    # recorded value would overflow exp().
    new = [[-1000.0, 1800.0 + k, 2.0] for k in range(width)]
    for row, numbers in zip(rows, new, strict=True):
        for z, number in zip(row, numbers, strict=True):
            z.data = number
    value = replay.run()
    fresh = [[Value(number) for number in numbers] for numbers in new]
    expected = sum(logsumexp(row) for row in fresh)
    assert isinstance(expected, Value)
    expected.backward()
    assert value == pytest.approx(expected.data, rel=1e-15)
    for row, fresh_row in zip(rows, fresh, strict=True):
        assert [z.grad for z in row] == pytest.approx([z.grad for z in fresh_row], abs=1e-15)


def test_logsumexp_and_softmax_have_the_exact_gradient() -> None:
    z = [Value(1000.0), Value(999.0), Value(-1000.0)]
    total = logsumexp(z)
    total.backward()
    probabilities = [p.data for p in softmax([999.0 + 1, 999.0, -1000.0])]
    assert [zi.grad for zi in z] == pytest.approx(probabilities, rel=1e-15, abs=1e-300)
    assert gradcheck(lambda a, b, c: logsumexp([a, b, c]), [0.3, -1.2, 0.3])  # a tie


# --- the max primitive ----------------------------------------------------------------------


def test_maximum_follows_ieee_and_pytorch() -> None:
    a, b, c = Value(1.0), Value(3.0), Value(3.0)
    m = maximum(a, b, c)
    m.backward()
    assert (m.data, a.grad, b.grad, c.grad) == (3.0, 0.0, 0.5, 0.5)  # a tie shares evenly
    nan = Value(float("nan"))
    x = Value(5.0)
    m = maximum(x, nan)
    m.backward()
    assert math.isnan(m.data)  # NaN in, NaN out; its gradient goes to the NaN
    assert (x.grad, nan.grad) == (0.0, 1.0)
    assert maximum(2.0).data == 2.0
    with pytest.raises(TypeError, match="at least one"):
        maximum()


@pytest.mark.parametrize("width", [1, 64])
def test_maximum_replays_with_ties_and_nan_like_eager(width: int) -> None:
    data = [(0.5, 0.5, -1.0), (float("nan"), 1.0, 2.0), (-3.0, 2.0, 1.0)]
    for triple in data:
        leaves = [[Value(x) for x in triple] for _ in range(width)]
        root = sum(maximum(*row) * 2.0 for row in leaves)
        assert isinstance(root, Value)
        value = compile_graph(root).run()
        fresh = [[Value(x) for x in triple] for _ in range(width)]
        expected = sum(maximum(*row) * 2.0 for row in fresh)
        assert isinstance(expected, Value)
        expected.backward()
        assert value == expected.data or (math.isnan(value) and math.isnan(expected.data))
        assert [z.grad for row in leaves for z in row] == [z.grad for row in fresh for z in row]


# --- leaves that hold no number -------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "1.5", [1.0], 1j])
@pytest.mark.parametrize("width", [1, 40])
def test_run_rejects_a_leaf_that_holds_no_real_number(bad: object, width: int) -> None:
    leaves = [Value(1.0, label=f"x{k}") for k in range(width)]
    replay = compile_graph(sum(leaf * 2.0 for leaf in leaves))
    # The assignment itself refuses a non-number; the replay never sees it.
    with pytest.raises(TypeError, match=f"not {type(bad).__name__}"):
        leaves[-1].data = bad  # type: ignore[assignment]
    assert replay.run() == 2.0 * width
    assert all(leaf.grad == 2.0 for leaf in leaves)


def test_run_accepts_ints_bools_and_numpy_scalars() -> None:
    import numpy as np

    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    replay = compile_graph(a * 2.0 + b + c)
    a.data, b.data, c.data = 3, True, np.float32(0.5)  # type: ignore[assignment]
    assert replay.run() == 7.5
