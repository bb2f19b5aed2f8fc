"""Grading the last part of the track: a learner's MLP and training loop on their own Value.

Nothing here knows the learner's classes beyond what the track asks for: ``MLP(nin, nouts)``
callable on a list of numbers and with ``parameters()``, and ``train(model, xs, ys, steps,
lr)`` returning the loss of each step. Gradients are checked by finite differences on the
learner's own forward pass: nudge one parameter's ``data``, run the model again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .bounded import run_bounded
from .learner import describe_error
from .mistakes import NOT_RESET, close, mistake
from .report import Item, Report

__all__ = ["XS", "YS", "check_mlp", "check_training"]

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
"""micrograd's four-example dataset, the one its README trains on."""


def _run(name: str, function: Callable[[], Any], seconds: float) -> tuple[Any, Item | None]:
    outcome = run_bounded(function, seconds)
    if outcome.timed_out:
        return None, Item(name, False, message=f"did not finish within {seconds:g} s")
    if outcome.error is not None:
        return None, Item(name, False, message=describe_error(outcome.error))
    return outcome.value, None


def check_mlp(mlp_class: type, *, seconds: float = 5.0) -> Report:
    """Grade ``MLP(3, [4, 4, 1])``: its parameter count, its output, and every parameter's
    gradient against finite differences of the model's own forward pass."""
    report = Report(f"{getattr(mlp_class, '__qualname__', 'MLP')}(3, [4, 4, 1])")
    model, failed = _run("parameters", lambda: mlp_class(3, [4, 4, 1]), seconds)
    if failed:
        report.items.append(failed)
        return report
    params, failed = _run("parameters", lambda: list(model.parameters()), seconds)
    if failed or len(params) != 41:
        report.items.append(
            failed
            or Item(
                "parameters",
                False,
                message=f"{len(params)} parameters, expected 41: each neuron has one weight "
                "per input and one bias (3·4+4 + 4·4+4 + 4·1+1)",
            )
        )
        return report
    report.items.append(Item("parameters", True, message="41 = 3·4+4 + 4·4+4 + 4·1+1"))
    x = XS[0]
    out, failed = _run("forward", lambda: model(x), seconds)
    if failed is None and not (hasattr(out, "data") and -1 < float(out.data) < 1):
        failed = Item(
            "forward",
            False,
            message=f"model(x) gave {out!r}: expected one Value in (-1, 1) (tanh output)",
        )
    report.items.append(failed or Item("forward", True, message="one Value in (-1, 1)"))
    if failed:
        return report

    def gradients() -> list[tuple[float, float]]:
        for p in params:
            p.grad = 0.0
        out = model(x)
        (out * out).backward()
        pairs = []
        for p in params:
            original, eps = p.data, 1e-6
            p.data = original + eps
            up = model(x).data ** 2
            p.data = original - eps
            down = model(x).data ** 2
            p.data = original
            pairs.append((float(p.grad), (up - down) / (2 * eps)))
        return pairs

    pairs, failed = _run("gradients", gradients, seconds)
    if failed is None:
        bad = [
            k for k, (got, want) in enumerate(pairs) if abs(got - want) > 1e-5 + 1e-4 * abs(want)
        ]
        if bad:
            k = bad[0]
            failed = Item(
                "gradients",
                False,
                first_divergence=f"parameter {k}",
                message=f"d(out²)/d(parameter {k}) is {pairs[k][0]!r}; finite differences say "
                f"{pairs[k][1]!r} ({len(bad)} of {len(pairs)} parameters differ)",
            )
    report.items.append(
        failed or Item("gradients", True, message="all 41 agree with finite differences")
    )
    return report


def check_training(train: Callable[..., Any], mlp_class: type, *, seconds: float = 30.0) -> Report:
    """Grade ``train(model, xs, ys, steps, lr)`` on micrograd's four examples: the loss must
    fall, and each step must start from zeroed gradients."""
    report = Report("train")

    def probe(steps: int) -> list[float]:
        model = mlp_class(3, [4, 4, 1])
        train(model, XS, YS, steps=steps, lr=0.0)  # lr 0: the model stays put
        return [float(p.grad) for p in model.parameters()]

    one, failed = _run("zero_grad", lambda: probe(1), seconds)
    two, failed = (None, failed) if failed else _run("zero_grad", lambda: probe(2), seconds)
    doubled = bool(one) and all(close(2 * a, b) for a, b in zip(one, two or [], strict=False))
    if failed is None and doubled:
        failed = Item(
            "zero_grad",
            False,
            mistake(NOT_RESET, "gradients not reset between steps (no zero_grad)"),
            message="after two steps every gradient is twice one step's: the second "
            "backward() added to the first",
        )
    report.items.append(failed or Item("zero_grad", True, message="each step starts from zero"))

    losses, failed = _run(
        "loss falls", lambda: train(mlp_class(3, [4, 4, 1]), XS, YS, steps=50, lr=0.05), seconds
    )
    if failed is None:
        losses = [float(loss) for loss in losses]
        if not losses or not losses[-1] < 0.1 * losses[0]:
            failed = Item(
                "loss falls",
                False,
                message=f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g} in 50 steps of "
                "lr 0.05: expected it to fall below a tenth"
                if losses
                else "train returned no losses",
            )
    report.items.append(
        failed
        or Item("loss falls", True, message=f"{losses[0]:.3g} → {losses[-1]:.3g} in 50 steps")
    )
    return report
