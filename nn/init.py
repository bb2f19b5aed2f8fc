"""Where initial weights come from: the random source and the initialisation schemes.

Randomness follows one rule everywhere in ``nn``:

* ``seed=None`` and ``rng=None`` use Python's global :mod:`random` module, so
  ``random.seed(1337)`` before building a model reproduces it (this is what micrograd does);
* ``seed=<int>`` uses a private ``random.Random(seed)``, leaving the global state alone;
* ``rng=<random.Random>`` draws from that generator (share one to build several pieces).

Schemes (``init=``), each drawing every weight from a uniform distribution U(-a, a):

* ``"uniform"``: a = 1, micrograd's choice. Simple, and fine for small networks.
* ``"xavier"``: a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010), which keeps the
  variance of activations roughly constant through tanh/sigmoid layers.
* ``"he"``: a = sqrt(6 / fan_in) (He et al., 2015), the same idea for relu layers, which
  zero half their inputs and so need twice the variance.

Biases start at zero in every scheme.
"""

from __future__ import annotations

import math
import random

__all__ = ["INITS", "resolve_rng", "sample_weights"]

#: The initialisation schemes by name.
INITS = ("uniform", "xavier", "he")


def resolve_rng(rng: random.Random | None = None, seed: int | None = None) -> random.Random | None:
    """The generator to draw from: ``rng``, a new ``random.Random(seed)``, or ``None``
    (meaning the global :mod:`random` module; see the module docstring).

    Raises:
        ValueError: when both ``rng`` and ``seed`` are given.
        TypeError: when ``rng`` is not a ``random.Random`` or ``seed`` not an int.
    """
    if rng is not None and seed is not None:
        raise ValueError("give either rng or seed, not both")
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, not {type(rng).__name__}")
        return rng
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        return random.Random(seed)
    return None


def _bound(init: str, fan_in: int, fan_out: int) -> float:
    if init == "uniform":
        return 1.0
    if init == "xavier":
        return math.sqrt(6.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(6.0 / fan_in)
    raise ValueError(f"unknown init {init!r}; choose one of: {', '.join(INITS)}")


def sample_weights(
    count: int, init: str, fan_in: int, fan_out: int, rng: random.Random | None
) -> list[float]:
    """``count`` weights drawn from U(-a, a), with a set by the scheme ``init``.

    Args:
        count: how many weights to draw.
        init: ``"uniform"``, ``"xavier"`` or ``"he"``.
        fan_in: inputs per neuron; fan_out: neurons in the layer (both used by the bound).
        rng: the generator, from :func:`resolve_rng` (``None``: the global ``random``).
    """
    bound = _bound(init, fan_in, fan_out)
    uniform = random.uniform if rng is None else rng.uniform
    return [uniform(-bound, bound) for _ in range(count)]
