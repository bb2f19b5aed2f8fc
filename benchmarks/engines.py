"""The engines under comparison, each behind the same small interface.

A *scalar engine* (this one, micrograd, PyTorch on 0-d tensors) builds the demo's graph one
scalar at a time with :func:`~benchmarks.workload.scalar_demo_loss`; :class:`ScalarModel`
runs one training step with any of them. :class:`CompiledModel` replays this engine's graph
with ``compile_graph``, and :class:`TorchVectorModel` is the same step written with PyTorch
matrices: the practical limit for this work on a CPU.

Peers are optional: :func:`micrograd_engine` and :func:`torch_scalar_engine` return ``None``
(with the reason in :data:`SKIPPED`) when the package is not installed.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from autograd_engine import Value, compile_graph, guards, topological_order

from .workload import LEARNING_RATE, REGULARIZATION, Problem, branchy_relu, scalar_demo_loss

__all__ = [
    "SKIPPED",
    "BranchyReplays",
    "CompiledModel",
    "FitStepModel",
    "NNLoopModel",
    "ScalarEngine",
    "ScalarModel",
    "TorchVectorModel",
    "micrograd_engine",
    "ours_engine",
    "torch_scalar_engine",
    "torch_vector_model",
]

#: Peers that could not be imported: name -> reason, for the report.
SKIPPED: dict[str, str] = {}


@dataclass(frozen=True)
class ScalarEngine:
    """How to drive one scalar engine through a training step."""

    name: str
    leaf: Callable[[float], Any]  # an input or constant
    parameter: Callable[[float], Any]  # a trainable leaf
    relu: Callable[[Any], Any]
    backward: Callable[[Any], None]
    zero_grad: Callable[[Sequence[Any]], None]
    sgd: Callable[[Sequence[Any], float], None]
    value: Callable[[Any], float]
    count_nodes: Callable[[Any], int]


def _set_grads(params: Sequence[Any], value: float) -> None:
    for p in params:
        p.grad = value


def _sgd(params: Sequence[Any], learning_rate: float) -> None:
    for p in params:
        p.data -= learning_rate * p.grad


def ours_engine() -> ScalarEngine:
    """This engine, eager: build the graph, ``backward()``, update."""
    return ScalarEngine(
        name="autograd-engine",
        leaf=Value,
        parameter=Value,
        relu=lambda v: v.relu(),
        backward=lambda loss: loss.backward(),
        zero_grad=lambda params: _set_grads(params, 0.0),
        sgd=_sgd,
        value=lambda loss: loss.data,
        count_nodes=lambda loss: len(topological_order(loss)),
    )


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - imported, so installed
        return "?"


def micrograd_engine() -> ScalarEngine | None:
    """micrograd 0.1.0 (``pip install micrograd``), or None if it is not installed."""
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        SKIPPED["micrograd"] = "not installed (pip install 'autograd-engine[bench]')"
        return None

    def count_nodes(loss: Any) -> int:
        seen = {loss}
        stack = [loss]
        while stack:
            for child in stack.pop()._prev:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return len(seen)

    return ScalarEngine(
        name=f"micrograd {_version('micrograd')}",
        leaf=MicrogradValue,
        parameter=MicrogradValue,
        relu=lambda v: v.relu(),
        backward=lambda loss: loss.backward(),
        zero_grad=lambda params: _set_grads(params, 0),
        sgd=_sgd,
        value=lambda loss: float(loss.data),
        count_nodes=count_nodes,
    )


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        SKIPPED["PyTorch"] = "not installed (optional: pip install torch)"
        return None
    torch.set_num_threads(1)  # a fair peer for single-threaded Python, and less noisy
    return torch


def torch_scalar_engine() -> ScalarEngine | None:
    """PyTorch with every scalar a 0-d float64 tensor, or None if PyTorch is not installed."""
    torch = _torch()
    if torch is None:
        return None

    def sgd(params: Sequence[Any], learning_rate: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= learning_rate * p.grad

    def count_nodes(loss: Any) -> int:
        seen = {loss.grad_fn}
        stack = [loss.grad_fn]
        while stack:
            for function, _ in stack.pop().next_functions:
                if function is not None and function not in seen:
                    seen.add(function)
                    stack.append(function)
        return len(seen)

    return ScalarEngine(
        name=f"PyTorch {torch.__version__.split('+')[0]} 0-d tensors",
        leaf=lambda x: torch.tensor(x, dtype=torch.float64),
        parameter=lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True),
        relu=torch.relu,
        backward=lambda loss: loss.backward(),
        zero_grad=lambda params: _set_grads(params, None),  # type: ignore[arg-type]
        sgd=sgd,
        value=lambda loss: float(loss.item()),
        count_nodes=count_nodes,
    )


class ScalarModel:
    """micrograd's demo network in one scalar engine, starting from ``problem``'s weights."""

    def __init__(self, engine: ScalarEngine, problem: Problem) -> None:
        self.engine = engine
        self.problem = problem
        self.layers = [
            [([engine.parameter(w) for w in ws], engine.parameter(b)) for ws, b in layer]
            for layer in problem.layers
        ]
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def loss(self) -> Any:
        """The forward pass: the whole graph of the demo's loss, built from scratch."""
        inputs = [[self.engine.leaf(v) for v in x] for x in self.problem.xs]
        return scalar_demo_loss(self.layers, inputs, self.problem.ys, self.engine.relu)

    def step_update(self) -> None:
        """The SGD update alone, from the gradients the parameters hold."""
        self.engine.sgd(self.params, LEARNING_RATE)

    def step(self) -> float:
        """One training step (forward, zero grads, backward, SGD); returns the loss."""
        loss = self.loss()
        self.engine.zero_grad(self.params)
        self.engine.backward(loss)
        self.engine.sgd(self.params, LEARNING_RATE)
        return self.engine.value(loss)


class FitStepModel:
    """The demo's step as a user of ``nn`` writes it: ``MLP(2, [16, 16, 1])``,
    ``hinge_loss + l2_penalty``, ``SGD(lr=1.0)``, one :func:`nn.train.train_step` (what ``fit``
    runs per batch), from ``problem``'s weights and points.

    It makes the same numbers as :class:`ScalarModel` with this engine, with a graph of
    nearly the same size (the losses are written ``(1 - s * y).relu()`` and a chained sum).
    The difference that matters: ``train_step`` is the library's own loop, so the cycle
    collector waits while it runs (:mod:`autograd_engine.gc_pause`).
    """

    def __init__(self, problem: Problem) -> None:
        from nn import MLP
        from nn.losses import hinge_loss
        from nn.optim import SGD
        from nn.recipes import l2_penalty
        from nn.train import train_step

        self.model = MLP(2, [16, 16, 1])
        parameters = self.model.parameters()
        for parameter, number in zip(parameters, problem.parameters(), strict=True):
            parameter.data = number
        self.optimizer = SGD(parameters, lr=LEARNING_RATE)
        self.inputs = problem.xs
        self.targets = problem.ys
        self._train_step = train_step

        def loss_fn(scores: list[Any], targets: Sequence[Any]) -> Value:
            return hinge_loss(scores, targets) + l2_penalty(parameters, REGULARIZATION)

        self.loss_fn = loss_fn

    def step(self) -> float:
        result = self._train_step(
            self.model, self.loss_fn, self.optimizer, self.inputs, self.targets
        )
        return result.loss


class NNLoopModel:
    """The demo's step as most micrograd users write it: the library's own ``MLP(2, [16, 16,
    1])``, called point by point in the user's loop, ``loss.backward()`` and SGD by hand.

    ``library`` is ``"ours"`` (:class:`nn.MLP`) or ``"micrograd"`` (``micrograd.nn.MLP``);
    both start from ``problem``'s weights and run the very same loop (micrograd's demo)::

        scores = [model(x) for x in inputs]
        losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in parameters)
        model.zero_grad(); loss.backward()
        for p in parameters: p.data -= learning_rate * p.grad

    So the difference is the libraries' own: ``nn``'s modules enter a scope per call and
    check their inputs, micrograd's do neither.

    Raises:
        ImportError: for ``"micrograd"`` when micrograd is not installed.
    """

    def __init__(self, problem: Problem, library: str) -> None:
        if library == "ours":
            from nn import MLP

            self.model: Any = MLP(2, [16, 16, 1])
            value: Any = Value
        elif library == "micrograd":
            from micrograd import nn as micrograd_nn
            from micrograd.engine import Value as MicrogradValue

            self.model = micrograd_nn.MLP(2, [16, 16, 1])
            value = MicrogradValue
        else:
            raise ValueError(f"unknown library {library!r}; expected 'ours' or 'micrograd'")
        self.parameters = self.model.parameters()
        for parameter, number in zip(self.parameters, problem.parameters(), strict=True):
            parameter.data = number
        self.value = value
        self.problem = problem

    def step(self) -> float:
        """One training step, written as a user writes it; returns the loss."""
        model, parameters = self.model, self.parameters
        inputs = [[self.value(v) for v in x] for x in self.problem.xs]
        scores = [model(x) for x in inputs]
        losses = [(1 + -y * score).relu() for y, score in zip(self.problem.ys, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = REGULARIZATION * sum(p * p for p in parameters)
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        for p in parameters:
            p.data -= LEARNING_RATE * p.grad
        return float(loss.data)


class CompiledModel:
    """The demo's step with this engine's graph recorded once and replayed by ``run()``."""

    def __init__(self, problem: Problem) -> None:
        self.model = ScalarModel(ours_engine(), problem)
        self.replay = compile_graph(self.model.loss())

    def step(self) -> float:
        params = self.model.params
        _set_grads(params, 0.0)
        value = self.replay.run()
        _sgd(params, LEARNING_RATE)
        return value


class BranchyReplays:
    """The demo's loss with a Python branch per relu (:func:`~benchmarks.workload.branchy_relu`),
    built once inside ``guards.recording()`` and compiled twice from that one graph:

    * ``guarded``: ``compile_graph(loss, guards=log)``, which re-checks every logged
      ``h > 0`` on each ``run()``;
    * ``unguarded``: ``compile_graph(loss)`` outside the recording block, which checks
      nothing (frozen control flow).

    The difference between their runs is what the guards cost. A step here is
    ``zero_grad`` + ``run()`` without the SGD update: an update would flip some branches,
    so the guarded replay would (rightly) refuse the next run.
    """

    def __init__(self, problem: Problem) -> None:
        self.model = ScalarModel(replace(ours_engine(), relu=branchy_relu), problem)
        with guards.recording() as log:
            loss = self.model.loss()
        self.log = log
        self.loss = loss.data
        self.guarded = compile_graph(loss, guards=log)
        self.unguarded = compile_graph(loss)

    def guarded_step(self) -> float:
        _set_grads(self.model.params, 0.0)
        return self.guarded.run()

    def unguarded_step(self) -> float:
        _set_grads(self.model.params, 0.0)
        return self.unguarded.run()


class TorchVectorModel:
    """The same step with PyTorch matrices (float64, one thread): ``relu(X @ W + b)``."""

    def __init__(self, torch: Any, problem: Problem) -> None:
        self.torch = torch
        f64 = torch.float64
        self.x = torch.tensor(problem.xs, dtype=f64)
        self.y = torch.tensor(problem.ys, dtype=f64)
        self.weights = [
            torch.tensor([w for w, _ in layer], dtype=f64).T.contiguous().requires_grad_()
            for layer in problem.layers
        ]
        self.biases = [
            torch.tensor([b for _, b in layer], dtype=f64).requires_grad_()
            for layer in problem.layers
        ]
        self.params = [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def step(self) -> float:
        torch = self.torch
        h = self.x
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = torch.relu(h)
        scores = h[:, 0]
        data_loss = torch.relu(1 - self.y * scores).mean()
        reg_loss = REGULARIZATION * sum((p * p).sum() for p in self.params)
        loss = data_loss + reg_loss
        for p in self.params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p -= LEARNING_RATE * p.grad
        return float(loss.item())


def torch_vector_model(problem: Problem) -> TorchVectorModel | None:
    """The vectorized PyTorch step, or None if PyTorch is not installed."""
    torch = _torch()
    return None if torch is None else TorchVectorModel(torch, problem)
