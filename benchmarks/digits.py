"""Real data at scalar level: ``python -m benchmarks.digits [--full-micrograd-epoch]``.

``MLP(64, [32, 10])`` with ``cross_entropy`` on the bundled 8x8 digits
(:func:`nn.datasets.load_digits`, pixels scaled to [0, 1], a stratified 80/20 split),
trained by ``fit(compiled=True, batch_size=32)`` with Adam: the time of the whole ``fit``
(recording included) and the held-out accuracy, against the goal (>= 95% in under
60 s). Then the same network and batches in micrograd 0.1.0 (which has no ``exp`` or ``log``:
they are added below the way micrograd writes its own ops), timed for a few batches and
extrapolated to one epoch, or timed for a whole epoch with ``--full-micrograd-epoch``;
the ratio is micrograd's epoch over ours.

Times are CPU times of this process (``time.process_time``), so a busy machine's other
programs do not count; both engines run on one thread.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from typing import Any

from nn import MLP
from nn.datasets import batches, load_digits, train_test_split
from nn.losses import cross_entropy
from nn.optim import Adam
from nn.train import accuracy, fit, predict

__all__ = ["GOAL_ACCURACY", "GOAL_SECONDS", "format_report", "micrograd_epoch", "ours", "run"]

GOAL_ACCURACY = 0.95
GOAL_SECONDS = 60.0
EPOCHS = 8
BATCH_SIZE = 32
LEARNING_RATE = 0.01
#: micrograd batches timed when not timing a whole epoch.
MICROGRAD_BATCHES = 3


def digits_split() -> tuple[list[list[float]], list[list[float]], list[int], list[int]]:
    """The digits scaled to [0, 1], split 80/20 (stratified, seed 0)."""
    images, labels = load_digits()
    scaled = [[pixel / 16 for pixel in row] for row in images]
    return train_test_split(scaled, labels, test_size=0.2, seed=0)


def ours(epochs: int = EPOCHS) -> dict[str, Any]:
    """Train with ``fit(compiled=True, batch_size=32)``; its CPU time and held-out accuracy."""
    x_train, x_test, y_train, y_test = digits_split()
    model = MLP(64, [32, 10], seed=0)
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE)
    start = time.process_time()
    history = fit(
        model,
        x_train,
        y_train,
        cross_entropy,
        optimizer,
        epochs,
        batch_size=BATCH_SIZE,
        seed=0,
        progress=False,
        compiled=True,
    )
    seconds = time.process_time() - start
    return {
        "epochs": epochs,
        "train_examples": len(x_train),
        "fit_seconds": seconds,
        "epoch_seconds": seconds / epochs,
        "train_accuracy": history["accuracy"][-1],
        "held_out_accuracy": accuracy(predict(model, x_test), y_test),
        "mode": history.mode,
    }


def _micrograd_exp(value: Any) -> Any:
    from micrograd.engine import Value

    out = Value(math.exp(value.data), (value,), "exp")

    def _backward() -> None:
        value.grad += out.data * out.grad

    out._backward = _backward
    return out


def _micrograd_log(value: Any) -> Any:
    from micrograd.engine import Value

    out = Value(math.log(value.data), (value,), "log")

    def _backward() -> None:
        value.grad += out.grad / value.data

    out._backward = _backward
    return out


def _micrograd_cross_entropy(batch_logits: Sequence[Sequence[Any]], labels: Sequence[int]) -> Any:
    """The mean of logsumexp(z) - z_c, max-shifted as nn.functional.logsumexp is."""
    total: Any = 0.0
    for logits, label in zip(batch_logits, labels, strict=True):
        shift = max(z.data for z in logits)
        exps = [_micrograd_exp(z - shift) for z in logits]
        total = total + (_micrograd_log(sum(exps[1:], exps[0])) + shift - logits[label])
    return total * (1.0 / len(labels))


def micrograd_epoch(full: bool = False) -> dict[str, Any] | None:
    """One epoch of the same training in micrograd (SGD; the optimizer is not what costs),
    or its first :data:`MICROGRAD_BATCHES` batches scaled up to an epoch. None without
    micrograd."""
    try:
        from micrograd import nn as micrograd_nn
    except ImportError:
        return None
    x_train, _, y_train, _ = digits_split()
    model = micrograd_nn.MLP(64, [32, 10])
    steps = list(batches(x_train, y_train, BATCH_SIZE, shuffle=True, seed=0))
    timed = steps if full else steps[:MICROGRAD_BATCHES]
    start = time.process_time()
    for inputs, targets in timed:
        loss = _micrograd_cross_entropy([model(x) for x in inputs], targets)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LEARNING_RATE * p.grad
    seconds = time.process_time() - start
    return {
        "batches_timed": len(timed),
        "batches_per_epoch": len(steps),
        "epoch_seconds": seconds * len(steps) / len(timed),
        "extrapolated": not full,
    }


def run(full_micrograd_epoch: bool = False) -> dict[str, Any]:
    mine = ours()
    result: dict[str, Any] = {"ours": mine, "micrograd": micrograd_epoch(full_micrograd_epoch)}
    result["goal_met"] = (
        mine["held_out_accuracy"] >= GOAL_ACCURACY and mine["fit_seconds"] < GOAL_SECONDS
    )
    return result


def format_report(result: dict[str, Any]) -> str:
    mine = result["ours"]
    lines = [
        "Digits: MLP(64, [32, 10]), cross_entropy, Adam, fit(compiled=True, batch_size=32)",
        f"  {mine['train_examples']} training images, {mine['epochs']} epochs: "
        f"{mine['fit_seconds']:.1f} s CPU, recording included ({mine['mode']}); held-out "
        f"accuracy {mine['held_out_accuracy']:.1%} "
        f"(goal: >= {GOAL_ACCURACY:.0%} in < {GOAL_SECONDS:.0f} s: "
        f"{'met' if result['goal_met'] else 'NOT met'})",
    ]
    other = result["micrograd"]
    if other is None:
        lines.append("  micrograd: not installed (pip install micrograd==0.1.0)")
    else:
        how = (
            f"extrapolated from {other['batches_timed']} of {other['batches_per_epoch']} batches"
            if other["extrapolated"]
            else "timed whole"
        )
        lines.append(
            f"  one epoch: ours {mine['epoch_seconds']:.2f} s (recording included), micrograd "
            f"{other['epoch_seconds']:.1f} s ({how}): "
            f"{other['epoch_seconds'] / mine['epoch_seconds']:.0f}x"
        )
        lines.append(
            f"  micrograd for the same {mine['epochs']} epochs: "
            f"~{other['epoch_seconds'] * mine['epochs'] / 60:.0f} min"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    print(format_report(run(full_micrograd_epoch="--full-micrograd-epoch" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
