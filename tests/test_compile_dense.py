"""A dense layer's forward pass in the compiled replay, and the replay's array relu."""

from __future__ import annotations

import math

from autograd_engine import Value, compile_graph


def test_relu_of_nan_is_nan_in_the_replay_as_in_eager() -> None:
    """The array relu took ``x > 0``, so NaN came out 0.0 (eager gives NaN): a finite
    wrong number. A small graph of 40 relus, one array step."""
    xs = [Value(0.5) for _ in range(40)]
    loss = xs[0].relu()
    for x in xs[1:]:
        loss = loss + x.relu()
    replay = compile_graph(loss)
    xs[3].data = math.nan
    assert math.isnan(xs[3].relu().data)
    assert math.isnan(replay.run())
