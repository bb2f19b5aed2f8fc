"""Training never destroys a model: the checks a training step makes before it updates.

A step is forward, backward, update. Only the update changes the model, so everything that
can go wrong is checked *before* it, and a failed check leaves the parameters and the
optimizer's state exactly as they were::

    loss.backward()
    check_before_step(model, optimizer, loss.data)   # a NaN/inf loss or gradient: raise
    optimizer.step()                                 # (which checks its new values too)

When the learning rate is too big the numbers grow each step until one overflows. The engine
then raises in the forward or backward pass (``OverflowError: pow: 1e+200 ** 2.0 ...``, or a
``ValueError`` for an invalid operation such as ``inf - inf``); :func:`divergence_error`
turns that into the same ``FloatingPointError`` the checks raise, so a diverging run always
ends the same way, whichever loss it uses. Both eager (:func:`nn.train.train_step`) and
compiled (:class:`nn.compiled.CompiledStep`) training call these functions.
"""

from __future__ import annotations

import math
import os
from types import TracebackType

import autograd_engine

from .module import Module
from .optim import Optimizer

__all__ = ["check_before_step", "divergence_error", "raised_by_engine"]

#: The advice every divergence error ends with.
ADVICE = "try a smaller learning rate; the model is unchanged (the update was not made)"


def _parameter_names(model: Module, optimizer: Optimizer) -> list[str]:
    """A name for each of the optimizer's parameters: its dotted name in ``model``, or
    ``optimizer.params[i]`` for one the model does not own."""
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    return [
        names.get(id(parameter), f"optimizer.params[{index}]")
        for index, parameter in enumerate(optimizer.params)
    ]


def check_before_step(model: Module, optimizer: Optimizer, loss: float) -> None:
    """Raise ``FloatingPointError`` unless the loss and every gradient are finite numbers.

    Called between ``backward()`` and ``optimizer.step()``: a NaN or infinite gradient would
    make the update write NaN/inf into the parameter (and into Adam's running moments), so
    the step is refused instead. The message names the first offending parameter (in the
    optimizer's order) and its gradient.
    """
    if not math.isfinite(loss):
        raise FloatingPointError(f"the loss is {loss!r}; {ADVICE}")
    if all(math.isfinite(parameter.grad) for parameter in optimizer.params):
        return  # the usual case, kept cheap: names are only looked up for the message
    for name, parameter in zip(_parameter_names(model, optimizer), optimizer.params, strict=True):
        if not math.isfinite(parameter.grad):
            raise FloatingPointError(
                f"the gradient of parameter {name!r} is {parameter.grad!r} "
                f"(its value is {parameter.data!r}); {ADVICE}"
            )


#: Where the engine's code lives: frames from files under it are the engine's own.
_ENGINE_FOLDER = os.path.dirname(os.path.abspath(str(autograd_engine.__file__)))


def raised_by_engine(traceback: TracebackType | None) -> bool:
    """True when the innermost frame of ``traceback`` is code of ``autograd_engine``.

    A ``ValueError`` from an op (``inf - inf``, ``log(-1)``) is a numerical failure; one
    from the loss checking its arguments (a hinge target of 0.5) is the caller's mistake and
    must stay a ``ValueError``. Where it was raised tells them apart.
    """
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    filename = os.path.abspath(traceback.tb_frame.f_code.co_filename)
    return filename.startswith(_ENGINE_FOLDER + os.sep)


def divergence_error(error: BaseException, where: str) -> FloatingPointError | None:
    """The ``FloatingPointError`` to raise (``from error``) for an engine error in a step.

    ``OverflowError`` always means divergence (an op's result left the float range); a
    ``ValueError`` does when the engine raised it (see :func:`raised_by_engine`). Anything
    else returns None: not a numerical failure, let it propagate unchanged.
    """
    numerical = isinstance(error, OverflowError) or (
        isinstance(error, ValueError) and raised_by_engine(error.__traceback__)
    )
    if not numerical:
        return None
    return FloatingPointError(
        f"{where}the engine raised {type(error).__name__}: {error}; the numbers diverged: {ADVICE}"
    )
