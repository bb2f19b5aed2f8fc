"""Optimizers: torch.optim's update rules, checked by hand and against PyTorch."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import Value, is_grad_enabled
from nn.optim import SGD, Adam, AdamW, Optimizer


def run(optimizer: Optimizer, param: Value, grads: list[float]) -> list[float]:
    """Step once per gradient (set by hand); the parameter's value after each step."""
    history = []
    for g in grads:
        param.grad = g
        optimizer.step()
        history.append(param.data)
    return history


# --- SGD, by hand -----------------------------------------------------------------------


def test_sgd_steps_against_the_gradient() -> None:
    p = Value(1.0)
    assert run(SGD([p], lr=0.1), p, [2.0, -1.0]) == pytest.approx([0.8, 0.9], abs=1e-15)


def test_sgd_momentum_accumulates_a_velocity() -> None:
    # b1 = g = 1;  b2 = 0.9 * 1 + 1 = 1.9;  b3 = 0.9 * 1.9 + 1 = 2.71
    p = Value(0.0)
    history = run(SGD([p], lr=0.1, momentum=0.9), p, [1.0, 1.0, 1.0])
    assert history == pytest.approx([-0.1, -0.29, -0.561], abs=1e-15)


def test_sgd_nesterov_looks_ahead() -> None:
    # step 1: b = 1, g + 0.9 b = 1.9;  step 2: b = 1.9, g + 0.9 b = 2.71
    p = Value(0.0)
    history = run(SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [1.0, 1.0])
    assert history == pytest.approx([-0.19, -0.461], abs=1e-15)


def test_sgd_dampening_scales_new_gradients_after_the_first_step() -> None:
    # b1 = g = 1 (no dampening on the first step);  b2 = 0.9 * 1 + (1 - 0.5) * 1 = 1.4
    p = Value(0.0)
    history = run(SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, [1.0, 1.0])
    assert history == pytest.approx([-0.1, -0.24], abs=1e-15)


def test_sgd_weight_decay_adds_lambda_p_to_the_gradient() -> None:
    p = Value(2.0)
    assert run(SGD([p], lr=0.1, weight_decay=0.1), p, [1.0]) == pytest.approx([1.88], abs=1e-15)


# --- Adam and AdamW, by hand ------------------------------------------------------------


def test_adam_first_step_is_lr_times_the_sign() -> None:
    # m_hat = g and v_hat = g² after one step, so the step is lr * g / (|g| + eps).
    p = Value(1.0)
    (after,) = run(Adam([p], lr=0.1), p, [2.0])
    assert after == pytest.approx(1.0 - 0.1 * 2.0 / (2.0 + 1e-8), abs=1e-15)


def test_adam_second_step_uses_bias_corrected_moments() -> None:
    p = Value(1.0)
    history = run(Adam([p], lr=0.1), p, [2.0, 1.0])
    m = 0.9 * (0.1 * 2.0) + 0.1 * 1.0  # 0.28
    v = 0.999 * (0.001 * 4.0) + 0.001 * 1.0  # 0.004996
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert history[1] == pytest.approx(history[0] - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_adam_weight_decay_is_added_to_the_gradient() -> None:
    p = Value(1.0)
    (after,) = run(Adam([p], lr=0.1, weight_decay=0.01), p, [2.0])
    g = 2.0 + 0.01 * 1.0
    assert after == pytest.approx(1.0 - 0.1 * g / (g + 1e-8), abs=1e-15)


def test_adamw_decays_the_weight_directly() -> None:
    p = Value(1.0)
    (after,) = run(AdamW([p], lr=0.1, weight_decay=0.01), p, [2.0])
    assert after == pytest.approx(1.0 * (1 - 0.1 * 0.01) - 0.1 * 2.0 / (2.0 + 1e-8), abs=1e-15)


def test_amsgrad_divides_by_the_largest_second_moment() -> None:
    p, q = Value(0.0), Value(0.0)
    plain, ams = Adam([p], lr=0.1), Adam([q], lr=0.1, amsgrad=True)
    run(plain, p, [2.0, 0.0])
    run(ams, q, [2.0, 0.0])
    # Step 2: v = 0.999 * 0.004 shrank, AMSGrad keeps v_max = 0.004 (a smaller step).
    m_hat = 0.9 * 0.2 / (1 - 0.9**2)
    first = -0.1 * 2.0 / (2.0 + 1e-8)
    assert q.data == pytest.approx(first - 0.1 * m_hat / (math.sqrt(0.004 / (1 - 0.999**2)) + 1e-8))
    assert abs(q.data - first) < abs(p.data - first)


# --- the optimizer's contract -----------------------------------------------------------


def test_lr_is_a_plain_attribute_a_schedule_can_change() -> None:
    p = Value(0.0)
    optimizer = SGD([p], lr=1.0)
    history = []
    for k in range(3):
        optimizer.lr = 1.0 - 0.9 * k / 100  # micrograd's schedule
        history += run(optimizer, p, [1.0])
    assert history == pytest.approx([-1.0, -1.991, -2.973], abs=1e-12)


def test_zero_grad_resets_every_parameter() -> None:
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    optimizer = Adam(params)
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_step_runs_under_no_grad() -> None:
    seen = []

    class Probe(SGD):
        def _update(self, p: float, g: float, state: dict[str, float], lr: float) -> float:
            seen.append(is_grad_enabled())
            return super()._update(p, g, state, lr)

    p = Value(1.0)
    p.grad = 1.0
    Probe([p], lr=0.1).step()
    assert seen == [False]
    assert p.is_leaf


def test_optimizer_trains_a_quadratic_to_its_minimum() -> None:
    # f(x, y) = (x - 3)² + 10 (y + 1)²: every optimizer must find (3, -1).
    for make in (
        lambda ps: SGD(ps, lr=0.04, momentum=0.9),
        lambda ps: Adam(ps, lr=0.1),
        lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0),
    ):
        x, y = Value(0.0), Value(0.0)
        optimizer = make([x, y])
        for _ in range(500):
            optimizer.zero_grad()
            ((x - 3) ** 2 + 10 * (y + 1) ** 2).backward()
            optimizer.step()
        assert (x.data, y.data) == pytest.approx((3.0, -1.0), abs=1e-3)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "not a Value"),  # type: ignore[list-item]
        (lambda: SGD([V := Value(1.0), V], lr=0.1), ValueError, "more than once"),
        (lambda: SGD([Value(1.0)], lr=-1.0), ValueError, "invalid learning rate"),
        (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "Nesterov"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "invalid momentum"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, "invalid beta2"),
        (lambda: Adam([Value(1.0)], eps=-1.0), ValueError, "invalid eps"),
        (lambda: AdamW([Value(1.0)], weight_decay=-0.1), ValueError, "invalid weight_decay"),
    ],
)
def test_bad_hyperparameters_raise(make: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_a_negative_lr_set_later_is_caught_at_the_step() -> None:
    optimizer = SGD([Value(1.0)], lr=0.1)
    optimizer.lr = -0.1
    with pytest.raises(ValueError, match="invalid learning rate"):
        optimizer.step()


# --- PyTorch parity ---------------------------------------------------------------------

CONFIGS: list[tuple[str, Callable[..., Optimizer], str, dict[str, Any]]] = [
    ("sgd", SGD, "SGD", {"lr": 0.1}),
    ("sgd-momentum", SGD, "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("sgd-nesterov", SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd-all", SGD, "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}),
    ("adam", Adam, "Adam", {"lr": 0.01}),
    ("adam-l2", Adam, "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adam-amsgrad", Adam, "Adam", {"lr": 0.01, "amsgrad": True, "eps": 1e-6}),
    ("adamw", AdamW, "AdamW", {"lr": 0.01}),
    ("adamw-strong", AdamW, "AdamW", {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}),
]


@pytest.mark.parametrize(
    ("name", "ours", "theirs", "options"), CONFIGS, ids=[config[0] for config in CONFIGS]
)
def test_updates_equal_torch_optim(
    name: str, ours: Callable[..., Optimizer], theirs: str, options: dict[str, Any]
) -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(name)
    start = [rng.uniform(-2, 2) for _ in range(4)]
    params = [Value(x) for x in start]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = ours(params, **options)
    reference = getattr(torch.optim, theirs)([tensor], **options)
    for _ in range(8):
        grads = [rng.gauss(0, 1) for _ in range(4)]
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        tensor.grad = torch.tensor(grads, dtype=torch.float64)
        optimizer.step()
        reference.step()
        assert [p.data for p in params] == pytest.approx(tensor.tolist(), rel=1e-12, abs=1e-14)
