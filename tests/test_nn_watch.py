"""The watch callback without a browser: its frames, its page, its live widgets, and the
Playground panel run headless."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from nn import MLP
from nn.callbacks import Callback
from nn.datasets import make_moons, make_spirals
from nn.losses import binary_cross_entropy_with_logits
from nn.module import Module
from nn.optim import Adam
from nn.train import fit, predict
from nn.watch import _chart_top, _picture_model, loss_curve_svg, watch

pytest.importorskip("matplotlib")


def small_run(
    path: Path | bool | None, every: int = 2, epochs: int = 5, **options: object
) -> object:
    X, y = make_moons(30, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=1)
    watcher = watch(X, y, every=every, path=path, live=False, resolution=20, **options)  # type: ignore[arg-type]
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters(), 0.05), epochs,
        progress=False, callbacks=[watcher],
    )  # fmt: skip
    return watcher, history, model


def test_the_page_is_deterministic_self_contained_and_small(tmp_path: Path) -> None:
    first, _, _ = small_run(tmp_path / "a.html")  # type: ignore[misc]
    second, _, _ = small_run(tmp_path / "b.html")  # type: ignore[misc]
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert page == (tmp_path / "b.html").read_text(encoding="utf-8")
    assert re.search(r"(src|href)=\"(https?:)?//", page) is None  # nothing fetched
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert len(page) < 150_000
    assert first.frames[-1].network == second.frames[-1].network


def test_outside_jupyter_the_page_is_written_to_training_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines: list[str] = []
    watcher, _, _ = small_run(None, report=lines.append)  # type: ignore[misc]
    assert watcher.live is False
    assert (tmp_path / "training.html").is_file()
    assert len(lines) == 1
    assert re.fullmatch(r"wrote training\.html \(4 frames, \d+ kB\)", lines[0])


def test_the_boundary_picture_uses_the_models_own_function() -> None:
    X, _ = make_spirals(30, n_classes=3, seed=0)
    for activation in ("relu", "tanh", "sigmoid", "leaky_relu"):
        model = MLP(2, [5, 4, 3], activation, seed=2)
        for k, p in enumerate(model.parameters()):  # biases start at 0: give them values
            p.data += 0.1 * (k % 7) - 0.3
        copy = _picture_model(model)
        assert copy is not model
        assert predict(copy, X) == predict(model, X)  # the same sums in the same order

    class Custom(Module):
        def forward(self, x: Sequence[float]) -> float:
            return float(x[0])

    custom = Custom()
    assert _picture_model(custom) is custom  # not an MLP: drawn with the model itself


def test_the_loss_axis_has_round_ticks_and_the_chart_is_labelled() -> None:
    assert _chart_top([1.76 * 1.05]) == 2.0
    assert _chart_top([0.0163]) == pytest.approx(0.02)
    assert _chart_top([float("nan")]) == 1.0  # no finite loss: an axis 0..1
    svg = loss_curve_svg([1.0, 0.5, float("inf"), 0.25], epochs=10)
    assert ">epoch<" in svg
    assert ">loss (mean over the epoch)<" in svg
    assert ">training loss<" in svg
    assert 'id="marker"' in svg


def test_live_mode_fills_a_container_with_the_three_views() -> None:
    widgets = pytest.importorskip("ipywidgets")
    box = widgets.VBox()
    X, y = make_moons(30, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=1)
    watcher = watch(X, y, every=2, live=True, container=box, resolution=20, epochs=4, path=False)
    fit(
        model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters(), 0.05), 4,
        progress=False, callbacks=[watcher],
    )  # fmt: skip
    assert box.children == (watcher.widget,)
    status, row, network = watcher.widget.children
    assert status.value.startswith("<b>epoch 4 / 4")
    assert ">training loss<" in row.children[0].value
    assert "<polyline" in row.children[0].value
    assert row.children[1].value == watcher.frames[-1].boundary
    assert network.value == watcher.frames[-1].network
    assert [frame.epoch for frame in watcher.frames] == [0, 2, 4]


def test_a_watcher_that_is_told_to_stop_stops_and_takes_a_last_frame() -> None:
    class StopAfter(Callback):
        def __init__(self, target: object) -> None:
            self.target = target

        def on_epoch_end(
            self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
        ) -> None:
            if epoch == 2:
                self.target.stop_training = True  # type: ignore[attr-defined]

    X, y = make_moons(30, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=1)
    watcher = watch(X, y, every=10, live=False, path=False, resolution=20)
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters(), 0.05), 20,
        progress=False, callbacks=[StopAfter(watcher), watcher],
    )  # fmt: skip
    assert len(history["loss"]) == 3
    assert [frame.epoch for frame in watcher.frames] == [0, 3]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="every"):
        watch(every=0)
    with pytest.raises(ValueError, match="both X and labels"):
        watch([[0.0, 1.0]])
    with pytest.raises(ValueError, match="2 rows but labels has 1"):
        watch([[0.0], [1.0]], [1])
    with pytest.raises(ValueError, match="X has 1 column"):
        watch([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match=r"features=\(0, 3\)"):
        watch([[0.0, 1.0, 2.0]], [0], features=(0, 3))


def test_the_playground_trains_headless_and_reports() -> None:
    pytest.importorskip("ipywidgets")
    from nn.playground import Playground, parse_sizes

    assert parse_sizes("8, 8") == [8, 8]
    assert parse_sizes("") == []
    with pytest.raises(ValueError, match="commas"):
        parse_sizes("8, x")
    panel = Playground(every=2)
    panel.hidden.value = "4"
    history = panel.run(epochs=4)
    assert history is not None
    assert len(history["loss"]) == 4
    assert "trained MLP(2, [4, 1]" in panel.status.value
    assert "(compiled)" in panel.status.value
    assert panel.view.children == (panel.watcher.widget,)  # type: ignore[union-attr]
    panel.hidden.value = "4, zero"
    assert panel.run(epochs=2) is None
    assert "hidden sizes must be numbers" in panel.status.value
    assert panel.train_button.disabled is False


def test_python_m_nn_watch_writes_the_readme_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nn.watch import main

    assert main([str(tmp_path), "--steps", "4"]) == 0
    assert (tmp_path / "watch.html").is_file()
    svg = (tmp_path / "network.svg").read_text(encoding="utf-8")
    assert "moons: MLP(2, [16, 16, 1]" in svg
    out = capsys.readouterr().out
    assert "watch.html (5 frames," in out  # before training and after each of the 4 steps
    assert "wrote " + str(tmp_path / "network.svg") in out


def test_path_false_writes_no_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    watcher, _, _ = small_run(False)  # type: ignore[misc,arg-type]
    assert len(watcher.frames) == 4
    assert list(tmp_path.iterdir()) == []


def test_the_playground_trains_in_a_thread_and_stop_ends_it() -> None:
    pytest.importorskip("ipywidgets")
    import threading

    from nn.playground import Playground

    panel = Playground(every=1)
    panel.hidden.value = "4"
    panel.epochs.value = 500
    started = threading.Event()
    original = panel.run

    def run(epochs: int | None = None) -> object:
        started.set()
        return original(epochs)

    panel.run = run  # type: ignore[method-assign]
    panel.start()
    assert started.wait(10)
    deadline = time.monotonic() + 30
    while (panel.watcher is None or len(panel.watcher.frames) < 3) and time.monotonic() < deadline:
        time.sleep(0.02)
    panel.stop()
    assert panel.thread is not None
    panel.thread.join(60)
    assert not panel.thread.is_alive()
    assert panel.history is not None
    assert 2 <= len(panel.history["loss"]) < 500
    assert "(stopped)" in panel.status.value
    assert panel.train_button.disabled is False
    assert panel.stop_button.disabled is True


@pytest.mark.slow  # the demo also draws its stepper pages
def test_the_demo_writes_a_watch_page_with_watch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nn.demo import main

    assert main(["--watch", "--steps", "3", "--output", str(tmp_path), "--no-progress"]) == 0
    page = tmp_path / "watch.html"
    assert page.is_file()
    assert f"wrote {page} (4 frames, " in capsys.readouterr().out


def test_a_title_is_text_even_when_it_looks_like_a_placeholder(tmp_path: Path) -> None:
    watcher, _, _ = small_run(tmp_path / "t.html", title="<b>{{data}}</b> & {{chart}}")  # type: ignore[misc]
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<h1>&lt;b&gt;{{data}}&lt;/b&gt; &amp; {{chart}}</h1>" in page
    assert page.count('<script type="application/json" id="data">{"frames"') == 1
    assert len(watcher.frames) == 4


def _script_breaking_loss(outputs: Sequence[object], targets: Sequence[object]) -> object:
    raise ValueError("cross_entropy: the label '<!--<script>' is not a class index")


def test_an_error_that_looks_like_markup_cannot_break_the_pages_script(tmp_path: Path) -> None:
    # "<!--<script>" inside a <script> element makes the HTML parser skip the "</script>"
    # that follows, so the embedded JSON must hold no "<" at all.
    model = MLP(2, [2, 1], seed=0)
    watcher = watch(every=1, path=tmp_path / "failed.html", live=False)
    with pytest.raises(ValueError, match="<!--<script>"):
        fit(
            model, [[0.0, 1.0]], [1.0], _script_breaking_loss,  # type: ignore[arg-type]
            Adam(model.parameters(), 0.01), 2, progress=False, callbacks=[watcher],
        )  # fmt: skip
    page = (tmp_path / "failed.html").read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert data is not None
    assert "<" not in data.group(1)
    assert "\\u003c!--\\u003cscript>" in data.group(1)
