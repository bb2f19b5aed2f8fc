"""Losses and softmax functions: hand-derived numbers, stability at ±1000, and PyTorch parity."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import Value, gradcheck
from nn.functional import log_softmax, logsumexp, softmax
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from tests.conftest import Backprop


def values(*numbers: float) -> list[Value]:
    return [Value(x) for x in numbers]


# --- softmax, log_softmax, logsumexp ----------------------------------------------------


def test_softmax_by_hand() -> None:
    probabilities = [p.data for p in softmax([0.0, math.log(3.0)])]  # e^0 : e^log3 = 1 : 3
    assert probabilities == pytest.approx([0.25, 0.75], abs=1e-15)


def test_log_softmax_is_log_of_softmax() -> None:
    z = [0.3, -1.2, 2.5, 0.0]
    assert [p.data for p in log_softmax(z)] == pytest.approx(
        [math.log(p.data) for p in softmax(z)], rel=1e-14
    )


def test_logsumexp_gradient_is_softmax(backprop: Backprop) -> None:
    z = values(0.5, -1.0, 2.0)
    backprop(logsumexp(z))
    assert [zi.grad for zi in z] == pytest.approx([p.data for p in softmax(z)], rel=1e-14)


def test_softmax_of_huge_logits_is_finite() -> None:
    assert logsumexp([1000.0, 1000.0]).data == pytest.approx(1000 + math.log(2), rel=1e-15)
    assert logsumexp([-1000.0, -1000.0]).data == pytest.approx(-1000 + math.log(2), rel=1e-15)
    assert [p.data for p in softmax([1000.0, -1000.0])] == [1.0, 0.0]
    assert [p.data for p in log_softmax([1000.0, -1000.0])] == [0.0, -2000.0]


def test_softmax_of_an_empty_list_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        softmax([])


# --- each loss, by hand -----------------------------------------------------------------


def test_mse_loss_by_hand(backprop: Backprop) -> None:
    predictions = values(1.0, 2.0, 3.0)
    loss = mse_loss(predictions, [1.0, 0.0, 5.0])  # (0² + 2² + 2²) / 3
    assert backprop(loss) == pytest.approx(8 / 3, rel=1e-15)
    # d/dp of (p - t)² / n is 2 (p - t) / n
    assert [p.grad for p in predictions] == pytest.approx([0.0, 4 / 3, -4 / 3], rel=1e-15)


def test_mse_loss_averages_over_every_output() -> None:
    loss = mse_loss([values(1.0, 2.0), values(0.0, 0.0)], [[0.0, 0.0], [1.0, 1.0]])
    assert loss.data == pytest.approx((1 + 4 + 1 + 1) / 4, rel=1e-15)


def test_hinge_loss_by_hand(backprop: Backprop) -> None:
    scores = values(2.0, 0.5, 0.3, -3.0)
    loss = hinge_loss(scores, [1, 1, -1, -1])  # relu(1 - y s): 0, 0.5, 1.3, 0
    assert backprop(loss) == pytest.approx(1.8 / 4, rel=1e-15)
    assert [s.grad for s in scores] == pytest.approx([0.0, -0.25, 0.25, 0.0], rel=1e-15)


def test_bce_with_logits_by_hand(backprop: Backprop) -> None:
    logits = values(0.0, 2.0)
    loss = binary_cross_entropy_with_logits(logits, [1.0, 0.25])
    # -log σ(0) = log 2;  softplus(2) - 0.25 * 2 = log(1 + e²) - 0.5
    expected = (math.log(2) + math.log1p(math.exp(2)) - 0.5) / 2
    assert backprop(loss) == pytest.approx(expected, rel=1e-15)
    sigmoid_2 = 1 / (1 + math.exp(-2))
    assert [z.grad for z in logits] == pytest.approx([(0.5 - 1) / 2, (sigmoid_2 - 0.25) / 2])


def test_cross_entropy_by_hand(backprop: Backprop) -> None:
    first, second = values(0.0, 0.0, 0.0), values(0.0, math.log(3.0), 0.0)
    loss = cross_entropy([first, second], [1, 0])
    # -log(1/3) for the uniform example; -log(1/5) for the second (softmax 1/5, 3/5, 1/5)
    assert backprop(loss) == pytest.approx((math.log(3) + math.log(5)) / 2, rel=1e-15)
    # d/dz_i = (softmax_i - [i == c]) / n
    assert [z.grad for z in first] == pytest.approx([1 / 6, -1 / 3, 1 / 6], rel=1e-14)
    assert [z.grad for z in second] == pytest.approx([-2 / 5, 3 / 10, 1 / 10], rel=1e-14)


# --- stability: logits of ±1000 ---------------------------------------------------------


def _grads(loss: Value, leaves: list[Value]) -> list[float]:
    loss.backward()
    return [leaf.grad for leaf in leaves]


def test_bce_with_huge_logits_is_finite() -> None:
    logits = values(1000.0, -1000.0, 1000.0, -1000.0)
    loss = binary_cross_entropy_with_logits(logits, [1, 0, 0, 1])
    assert loss.data == pytest.approx(2000 / 4, rel=1e-15)  # two confident mistakes of 1000
    assert _grads(loss, logits) == [0.0, 0.0, 0.25, -0.25]


def test_cross_entropy_with_huge_logits_is_finite() -> None:
    rows = [values(1000.0, -1000.0), values(-1000.0, 1000.0)]
    loss = cross_entropy(rows, [0, 0])  # right with certainty, then wrong by 2000
    assert loss.data == pytest.approx(2000 / 2, rel=1e-15)
    grads = _grads(loss, rows[0] + rows[1])
    assert grads == pytest.approx([0.0, 0.0, -0.5, 0.5], abs=1e-300)
    assert all(math.isfinite(g) for g in grads)


def test_hinge_and_mse_with_huge_scores_are_finite() -> None:
    scores = values(1000.0, -1000.0)
    assert hinge_loss(scores, [1, 1]).data == 1001 / 2
    assert mse_loss(scores, [0.0, 0.0]).data == 1e6


# --- every loss against finite differences ----------------------------------------------

LOSSES: list[tuple[str, Callable[[list[Value]], Value], list[float]]] = [
    ("mse", lambda z: mse_loss(z, [0.5, -1.0, 2.0]), [0.1, 0.7, -0.4]),
    ("hinge", lambda z: hinge_loss(z, [1, -1, 1]), [0.1, 0.7, -0.4]),
    ("bce", lambda z: binary_cross_entropy_with_logits(z, [1, 0, 0.3]), [0.1, 0.7, -0.4]),
    ("cross_entropy", lambda z: cross_entropy([z[:3], z[3:]], [2, 0]), [0.1, 0.7, -0.4, 1, 2, 3]),
]


@pytest.mark.parametrize(("name", "loss_fn", "point"), LOSSES, ids=[row[0] for row in LOSSES])
def test_loss_gradients_match_finite_differences(
    name: str, loss_fn: Callable[[list[Value]], Value], point: list[float]
) -> None:
    assert gradcheck(lambda *z: loss_fn(list(z)), point)


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse_loss(values(1.0, 2.0), [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: hinge_loss([], []), ValueError, "the batch is empty"),
        (lambda: hinge_loss(values(1.0), [0]), ValueError, "targets must be -1 or \\+1"),
        (
            lambda: binary_cross_entropy_with_logits(values(1.0), [2.0]),
            ValueError,
            "must lie in \\[0, 1\\]",
        ),
        (lambda: cross_entropy([values(1.0, 2.0)], [2]), ValueError, "class label 2.*out of range"),
        (lambda: cross_entropy([values(1.0, 2.0)], [-1]), ValueError, "out of range"),
        (lambda: cross_entropy([values(1.0, 2.0)], [1.0]), TypeError, "int class index"),
        (
            lambda: cross_entropy([values(1.0, 2.0), values(1.0)], [0, 0]),
            ValueError,
            "example 1 has 1 scores",
        ),
        (lambda: cross_entropy(values(1.0, 2.0), [0, 1]), TypeError, "list of class scores"),
        (lambda: hinge_loss(Value(1.0), [1]), TypeError, "must be a list"),
    ],
)
def test_bad_inputs_raise_clear_errors(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


# --- PyTorch parity (float64) -----------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
@pytest.mark.parametrize("loss_name", ["mse", "hinge", "bce", "cross_entropy"])
def test_losses_equal_torch_in_float64(loss_name: str, scale: float) -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = random.Random(f"{loss_name} {scale}")
    z = [rng.uniform(-scale, scale) for _ in range(12)]
    signs = [rng.choice((-1, 1)) for _ in range(12)]
    soft = [rng.random() for _ in range(12)]
    labels = [rng.randrange(3) for _ in range(4)]

    def tensor(data: list[float]) -> Any:
        return torch.tensor(data, dtype=torch.float64)

    ours_fn, torch_fn = {
        "mse": (lambda v: mse_loss(v, soft), lambda t: functional.mse_loss(t, tensor(soft))),
        "hinge": (
            lambda v: hinge_loss(v, signs),
            lambda t: torch.relu(1 - tensor(signs) * t).mean(),
        ),
        "bce": (
            lambda v: binary_cross_entropy_with_logits(v, soft),
            lambda t: functional.binary_cross_entropy_with_logits(t, tensor(soft)),
        ),
        "cross_entropy": (
            lambda v: cross_entropy([v[0:3], v[3:6], v[6:9], v[9:12]], labels),
            lambda t: functional.cross_entropy(t.reshape(4, 3), torch.tensor(labels)),
        ),
    }[loss_name]
    ours = values(*z)
    loss = ours_fn(ours)
    loss.backward()
    reference = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    expected = torch_fn(reference)
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-300)
    assert [v.grad for v in ours] == pytest.approx(reference.grad.tolist(), rel=1e-12, abs=1e-15)


def test_softmax_equals_torch() -> None:
    torch = pytest.importorskip("torch")
    z = [0.3, -1.7, 4.0, 1000.0, -1000.0]
    expected = torch.softmax(torch.tensor(z, dtype=torch.float64), dim=0).tolist()
    assert [p.data for p in softmax(z)] == pytest.approx(expected, rel=1e-14, abs=1e-300)
    expected_log = torch.log_softmax(torch.tensor(z, dtype=torch.float64), dim=0).tolist()
    assert [p.data for p in log_softmax(z)] == pytest.approx(expected_log, rel=1e-14)


@pytest.mark.parametrize(
    ("loss_fn", "outputs", "targets"),
    [
        (mse_loss, [Value(0.5)], [1.0]),
        (hinge_loss, [Value(0.5)], [1.0]),
        (binary_cross_entropy_with_logits, [Value(0.5)], [1.0]),
        (cross_entropy, [[Value(0.5), Value(-0.5)]], [0]),
    ],
)
def test_every_loss_is_labelled_loss_for_drawings(
    loss_fn: Any, outputs: list[Any], targets: list[Any]
) -> None:
    assert loss_fn(outputs, targets).label == "loss"
