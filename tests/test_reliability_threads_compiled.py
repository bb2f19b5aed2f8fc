"""Threads and recording: each thread's guards, scopes and compiled replays stay its own.

Each test runs its threads in a child process with a time bound, so a deadlock fails the
test instead of hanging the suite, and switches threads every microsecond there, so a race
shows up at once instead of now and then.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 240  # seconds: the child takes a few on an idle machine

pytest.importorskip("numpy")


def run_in_child(source: str) -> str:
    """Run ``source`` in a fresh interpreter with fast thread switching; its stdout."""
    code = "import sys\nsys.setswitchinterval(1e-6)\n" + textwrap.dedent(source)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_two_threads_fitting_compiled_models_that_use_max_keep_their_own_guards() -> None:
    # Each forward compares two Values (max), which is a guard. With one log per process,
    # one thread's guards landed in the other's recording (a false FrozenGraphError), and
    # recording stayed on after both finished.
    out = run_in_child(
        """
        import threading
        from autograd_engine import Value, compile_graph, guards
        from nn import MLP
        from nn.losses import mse_loss
        from nn.module import Module
        from nn.optim import SGD
        from nn.train import fit

        class MaxOfTwo(Module):
            def __init__(self, seed):
                self.mlp = MLP(2, [6, 2], seed=seed)

            def forward(self, x):
                a, b = self.mlp(x)
                return max(a, b)

        X = [[i / 10, (i % 3) / 3] for i in range(12)]
        y = [0.5 * a - b for a, b in X]
        errors, histories = [], {}

        def train(seed):
            model = MaxOfTwo(seed)
            try:
                histories[seed] = fit(
                    model, X, y, mse_loss, SGD(model.parameters(), 0.05), 15,
                    batch_size=4, seed=seed, progress=False, accuracy_fn=None,
                    compiled=True,
                )
            except BaseException as error:
                errors.append(repr(error))

        for _ in range(4):
            threads = [threading.Thread(target=train, args=(seed,)) for seed in (1, 2, 3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert errors == [], errors
        assert guards.log is None, "recording stayed on"
        # Recording is off: a later graph holds its own leaves only, and its replay runs.
        a, b = Value(2.0), Value(3.0)
        replay = compile_graph(a * b)
        assert len(replay.leaves) == 2, replay
        assert replay.run() == 6.0
        # Each thread's results are the ones it gets alone (eager, for comparison).
        for seed, history in histories.items():
            model = MaxOfTwo(seed)
            alone = fit(
                model, X, y, mse_loss, SGD(model.parameters(), 0.05), 15, batch_size=4,
                seed=seed, progress=False, accuracy_fn=None, compiled=False,
            )
            pairs = list(zip(history["loss"], alone["loss"]))
            assert all(abs(p - q) <= 1e-9 * max(1.0, abs(q)) for p, q in pairs), pairs
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_recording_blocks_interleaved_across_threads_log_only_their_own_looks() -> None:
    # The same race as above, made to happen every time: A opens a block, B opens one, A
    # looks at a number, A closes, B looks, B closes.
    out = run_in_child(
        """
        import threading
        from autograd_engine import Value, guards

        a, b = Value(1.0, "a"), Value(2.0, "b")
        logs = {}
        b_open, a_looked, a_closed = threading.Event(), threading.Event(), threading.Event()

        def thread_a():
            with guards.recording() as log:
                b_open.wait(10)
                a > 0
                a_looked.set()
            logs["a"] = log
            a_closed.set()

        def thread_b():
            with guards.recording() as log:
                b_open.set()
                a_closed.wait(10)
                b.item()
            logs["b"] = log

        threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [(g.node.label, g.test) for g in logs["a"]] == [("a", ">")], logs["a"]
        assert [(g.node.label, g.test) for g in logs["b"]] == [("b", "item")], logs["b"]
        assert guards.log is None, "recording stayed on"
        a > 0  # outside every block: logged nowhere
        assert len(logs["a"]) == 1
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_a_drawing_names_its_nodes_while_another_thread_calls_a_model() -> None:
    # Scopes were one list per process: a model called in another thread meanwhile pushed
    # its scopes inside this thread's, giving paths like layers.1.neurons.3.layers.0...
    out = run_in_child(
        """
        import re
        import threading
        from autograd_engine import Value, no_grad
        from autograd_engine.viz import draw_dot
        from nn import MLP

        stop = threading.Event()

        def busy():
            other = MLP(3, [4, 4, 1], seed=5)
            while not stop.is_set():
                with no_grad():
                    other([Value(0.1), Value(0.2), Value(0.3)])

        thread = threading.Thread(target=busy)
        thread.start()
        try:
            model = MLP(2, [3, 1], seed=0)
            expected = {f"layers.0.neurons.{i}" for i in range(3)} | {"layers.1.neurons.0"}
            for _ in range(20):
                loss = model([Value(0.5), Value(-1.0)]) ** 2
                source = draw_dot(loss, group="neuron").source
                names = set(re.findall(r"layers\\.[0-9.]*neurons\\.[0-9]+[0-9.a-z]*", source))
                assert names == expected, sorted(names)
        finally:
            stop.set()
            thread.join()
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_one_compiled_graph_run_from_four_threads_adds_every_gradient() -> None:
    # run() adds into the leaves' .grad "as backward() would", and backward() is exact from
    # several threads: so must run() be, with no update lost between a read and a write.
    out = run_in_child(
        """
        import random
        import threading
        from autograd_engine import Value, compile_graph

        rng = random.Random(0)
        xs = [Value(rng.uniform(-1, 1)) for _ in range(2000)]
        y = Value(0.0)
        for _ in range(3000):
            a, b = rng.sample(xs, 2)
            y = y + (a * b).tanh() * 0.5 + a
        replay = compile_graph(y)
        THREADS, CALLS = 4, 10
        for _ in range(THREADS * CALLS):
            replay.run()
        sequential = [x.grad for x in xs]
        for x in xs:
            x.grad = 0.0

        def work():
            for _ in range(CALLS):
                replay.run()

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lost = sum(1 for x, s in zip(xs, sequential) if x.grad != s)
        assert lost == 0, f"{lost} of {len(xs)} leaves differ from the sequential sums"
        print("ok")
        """
    )
    assert out.strip() == "ok"
