"""Optimizers: how parameters move once ``backward()`` has filled their gradients.

Each optimizer follows the update rule ``torch.optim`` documents, in float64, so the same
gradients give PyTorch's numbers. With g = d(loss)/dp, lr the learning rate, t the step:

* **SGD**: p <- p - lr * g. With ``momentum`` mu, a velocity b <- mu * b + (1 - dampening) * g
  (b = g on the first step) replaces g, and ``nesterov`` uses g + mu * b instead: a look
  ahead along the velocity. ``weight_decay`` lambda adds lambda * p to g first (the gradient
  of an L2 penalty lambda/2 * p²).
* **Adam**: running means of the gradient and of its square, m <- b1 m + (1 - b1) g and
  v <- b2 v + (1 - b2) g², both corrected for starting at 0 (m / (1 - b1^t), v / (1 - b2^t)),
  then p <- p - lr * m_hat / (sqrt(v_hat) + eps): each parameter gets its own step size.
* **AdamW**: Adam with *decoupled* weight decay: p <- p - lr * lambda * p, applied to the
  parameter directly instead of being added to the gradient.

Updates change only ``p.data`` (plain floats) and run under ``no_grad``: stepping records
no graph. ``lr`` is a plain attribute, so a schedule may set it between steps.

>>> from autograd_engine import Value
>>> w = Value(1.0)
>>> optimizer = SGD([w], lr=0.1)
>>> (w * w).backward()                     # d(w²)/dw = 2w = 2
>>> optimizer.step()                       # w <- 1 - 0.1 * 2
>>> w.data
0.8
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable

from autograd_engine import Value, no_grad

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


def _check(name: str, value: object, low: float = 0.0, high: float | None = None) -> float:
    """``value`` as a float if low <= value (< high), else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < low or (high is not None and number >= high):
        bounds = f"in [{low:g}, {high:g})" if high is not None else f">= {low:g}"
        raise ValueError(f"invalid {name}: {value!r} (must be {bounds})")
    return number


class Optimizer:
    """Holds the parameters to update; subclasses define the update rule in ``_update``.

    Args:
        params: the parameters (e.g. ``model.parameters()``), a non-empty list of Values.
        lr: the learning rate; a plain attribute a schedule may change between steps.

    Attributes:
        params: the parameters, in the order given.
        state: one dict per parameter holding the rule's running quantities (a new list
            after each step, which computes on copies: read it here, do not keep it).
        steps: how many times ``step()`` has run.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for index, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"parameter {index} is a {type(p).__name__}, not a Value")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears more than once (it would be stepped twice)")
        self.lr = _check("learning rate", lr)
        self.state: list[dict[str, float]] = [{} for _ in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients of leaves accumulate otherwise).

        A ``.grad`` of ``None`` (PyTorch's way to say zero) becomes 0.0 too."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current ``.grad``, all or nothing.

        Every new value (and every new running quantity, such as Adam's moments) is
        computed first, on copies; only when all of them are finite are they written. A
        finite gradient can still overflow the update (``p - lr * g`` with lr = 1e300), and
        the model must not be half-updated, or updated to inf, when it does.

        A parameter whose ``.grad`` is ``None`` is skipped, as in PyTorch: its value and its
        running state (momentum, Adam's moments and step count) stay as they are.

        Raises:
            ValueError: the learning rate is not a finite number >= 0.
            FloatingPointError: an update (or a running quantity) would be NaN or infinite;
                nothing was changed, not even ``steps``.
        """
        lr = _check("learning rate", self.lr)
        new_states = [dict(state) for state in self.state]  # copies: the old must survive
        with no_grad():
            new_values = [
                p.data if p.grad is None else self._update(p.data, p.grad, state, lr)
                for p, state in zip(self.params, new_states, strict=True)
            ]
        # One sum is NaN/inf when any term is (or, rarely, when finite terms overflow it, and
        # then the exact search below finds nothing): a cheap test of every number at once.
        numbers = itertools.chain(new_values, *(state.values() for state in new_states))
        if not math.isfinite(sum(numbers)):
            self._refuse_non_finite(new_values, new_states, lr)
        self.steps += 1
        self.state = new_states
        for p, new_value in zip(self.params, new_values, strict=True):
            p.data = new_value

    def _refuse_non_finite(
        self, new_values: list[float], new_states: list[dict[str, float]], lr: float
    ) -> None:
        """Raise for the first parameter whose new value or running state is NaN or inf."""
        for index, (p, new_value, new_state) in enumerate(
            zip(self.params, new_values, new_states, strict=True)
        ):
            for key, value in (("value", new_value), *new_state.items()):
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"{type(self).__name__}.step: the new {key} of parameter {index} "
                        f"would be {value!r} (value {p.data!r}, gradient {p.grad!r}, "
                        f"lr {lr!r}); try a smaller learning rate; no parameter was changed"
                    )

    def _update(self, p: float, g: float, state: dict[str, float], lr: float) -> float:
        """The new value of one parameter ``p`` with gradient ``g``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, as ``torch.optim.SGD``.

    Args:
        params, lr: see :class:`Optimizer`.
        momentum: mu, the fraction of the previous velocity kept (0: plain SGD).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        weight_decay: lambda, adds lambda * p to each gradient.
        dampening: scales the new gradient's share of the velocity by (1 - dampening).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check("momentum", momentum)
        self.weight_decay = _check("weight_decay", weight_decay)
        self.dampening = _check("dampening", dampening)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, p: float, g: float, state: dict[str, float], lr: float) -> float:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            if "momentum_buffer" in state:
                velocity = self.momentum * state["momentum_buffer"] + (1.0 - self.dampening) * g
            else:
                velocity = g  # the first step starts the velocity at the gradient itself
            state["momentum_buffer"] = velocity
            g = g + self.momentum * velocity if self.nesterov else velocity
        return p - lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    Args:
        params, lr: see :class:`Optimizer` (lr defaults to 1e-3).
        betas: (b1, b2), the decay rates of the running means of g and g².
        eps: added to the denominator so a zero second moment cannot divide by zero.
        weight_decay: lambda, adds lambda * p to each gradient (L2 regularisation).
        amsgrad: divide by the largest v_hat seen so far instead of the current one.
    """

    #: AdamW sets this: weight decay shrinks p directly instead of being added to g.
    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check("beta1", betas[0], 0.0, 1.0), _check("beta2", betas[1], 0.0, 1.0))
        self.eps = _check("eps", eps)
        self.weight_decay = _check("weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)

    def _update(self, p: float, g: float, state: dict[str, float], lr: float) -> float:
        beta1, beta2 = self.betas
        t = state["step"] = state.get("step", 0.0) + 1.0
        if self.weight_decay:
            if self.decoupled_weight_decay:
                p = p * (1.0 - lr * self.weight_decay)
            else:
                g = g + self.weight_decay * p
        m = state["exp_avg"] = beta1 * state.get("exp_avg", 0.0) + (1.0 - beta1) * g
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * g * g
        if self.amsgrad:
            v = state["max_exp_avg_sq"] = max(state.get("max_exp_avg_sq", 0.0), v)
        m_hat = m / (1.0 - math.pow(beta1, t))
        v_hat = v / (1.0 - math.pow(beta2, t))
        return p - lr * m_hat / (math.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Each step first shrinks every parameter, p <- p * (1 - lr * weight_decay), then takes
    the Adam step with the plain gradient. ``weight_decay`` defaults to 1e-2, as in PyTorch.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
