"""Pausing Python's cycle collector inside the library's own loops: :func:`collector_paused`.

Why: Python frees an object the moment its last reference goes (reference counting). The
*cycle collector* exists only for objects that reference each other in a loop, which
reference counting can never free. To find them it rescans the objects it tracks every
time 700 more have been made, and now and then every tracked object alive, the user's
whole heap included. A training step makes tens of thousands of nodes, so it triggers many
such scans, and in a notebook with a large heap alive (PyTorch imported: ~150,000 objects)
those scans cost more than the step's own arithmetic.

Why pausing is safe here: this engine's graphs have no cycles. A node refers to its parents
only, never to its consumers, and a local-gradient rule never captures its node; so every
node the library makes is freed by reference counting as soon as it is unreachable, and
the collector has nothing to find in it.

What it costs the user: nothing is lost, collection is only *deferred*. While paused, the
collector counts new objects as usual but does not run; when the outermost pause ends, the
previous state comes back exactly (a user who had disabled the collector keeps it
disabled), and the next allocation starts the collection that would have run, now over
whatever is still alive. If user code runs inside a pause (a ``loss_fn`` or a model's
``forward`` inside ``fit``'s step) and makes reference cycles, they are not leaked: they are
collected right after the step, instead of during it. Only memory held by such cycles
lives a little longer, for one step at most.

The pause is re-entrant and shared by threads: a count of the pauses open in the process,
the collector's state saved by the first and put back by the last.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_lock = threading.Lock()
_open = 0  # pauses entered and not yet left, in every thread
_was_enabled = False  # the collector's state when the first of them was entered


@contextmanager
def collector_paused() -> Iterator[None]:
    """Defer Python's cycle collector for the block; put its previous state back after.

    Used by ``backward()``, ``nn.train.train_step``, ``nn.train.evaluate`` and
    ``nn.train.predict``: loops that make many acyclic nodes and run no user code, or user
    code whose cycles (if any) are simply collected after the block (see the module's
    docstring).

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    global _open, _was_enabled
    with _lock:
        if _open == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                (gc.enable if _was_enabled else gc.disable)()
