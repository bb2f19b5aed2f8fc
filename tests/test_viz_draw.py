"""draw_dot and render_svg: what each drawing must show, and that it is the same every run."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_engine import Value
from autograd_engine.viz import RendererNotFoundError, draw_dot, find_renderer, render_svg
from autograd_engine.viz.draw import LEAF_COLOUR, OUTPUT_COLOUR, escape_record
from autograd_engine.viz.render import svg_from_dot
from tests.examples import lecture_graph


def node_line(source: str, node_id: str) -> str:
    """The DOT statement that declares ``node_id``."""
    (line,) = [s for s in source.splitlines() if s.strip().startswith(f"{node_id} [")]
    return line


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.MULTILINE)


def test_lecture_graph_shows_data_and_grad_of_every_node() -> None:
    loss, _ = lecture_graph()
    loss.backward()
    source = draw_dot(loss).source
    # Topological order: a b e c d f L -> n0 .. n6; numbers by format_number (4 significant
    # digits, no trailing zeros: the one formatter of drawings, stepper and print_graph),
    # stacked name over data over grad (no braces in a left-to-right drawing).
    expected = {
        "n0": r"a|data\ 2|grad\ 6",
        "n1": r"b|data\ -3|grad\ -4",
        "n2": r"e|data\ -6|grad\ -2",
        "n3": r"c|data\ 10|grad\ -2",
        "n4": r"d|data\ 4|grad\ -2",
        "n5": r"f|data\ -2|grad\ 4",
        "n6": r"L|data\ -8|grad\ 1",
    }
    for node_id, label in expected.items():
        assert f'label="{label}"' in node_line(source, node_id)
    assert "fontname=Courier" in source


def test_edges_run_parent_op_value_in_argument_order() -> None:
    loss, _ = lecture_graph()
    assert edges(draw_dot(loss).source) == [
        ("n0", "n2_op"),
        ("n1", "n2_op"),
        ("n2_op", "n2"),
        ("n2", "n4_op"),
        ("n3", "n4_op"),
        ("n4_op", "n4"),
        ("n4", "n6_op"),
        ("n5", "n6_op"),
        ("n6_op", "n6"),
    ]
    assert 'n4_op [label="+"' in draw_dot(loss).source


def test_a_node_used_twice_sends_two_edges_into_one_op() -> None:
    x = Value(3.0, "x")
    y = x * x
    assert edges(draw_dot(y).source) == [("n0", "n1_op"), ("n0", "n1_op"), ("n1_op", "n1")]


def test_source_is_identical_for_a_rebuilt_graph() -> None:
    first, _ = lecture_graph()
    second, _ = lecture_graph()
    first.backward()
    second.backward()
    assert draw_dot(first).source == draw_dot(second).source


def test_colours_separate_leaves_intermediates_and_the_output() -> None:
    loss, _ = lecture_graph()
    source = draw_dot(loss).source
    assert 'class="value leaf"' in node_line(source, "n0")
    assert f'fillcolor="{LEAF_COLOUR}"' in node_line(source, "n0")
    assert 'class="value intermediate"' in node_line(source, "n2")
    assert 'class="value output"' in node_line(source, "n6")
    assert f'fillcolor="{OUTPUT_COLOUR}"' in node_line(source, "n6")
    colours = [re.findall(r'fillcolor="([^"]+)"', node_line(source, n)) for n in ("n0", "n2", "n6")]
    assert len({colour for (colour,) in colours}) == 3


def test_unlabelled_nodes_are_named_by_op_and_index() -> None:
    y = Value(1.5) + 2
    source = draw_dot(y).source
    assert "+#1|data" in node_line(source, "n2")  # was n2, its position
    assert "leaf#1|data" in node_line(source, "n0")
    assert 'n2_op [label="+ 2"' in source  # the constant 2 is drawn inside its op


def test_fields_are_stacked_across_the_rank_direction() -> None:
    loss, _ = lecture_graph()
    assert 'label="{a|data' in node_line(draw_dot(loss, rankdir="TB").source, "n0")
    assert 'label="a|data' in node_line(draw_dot(loss, rankdir="RL").source, "n0")


def test_show_grad_false_leaves_the_grad_out() -> None:
    loss, _ = lecture_graph()
    assert "grad" not in node_line(draw_dot(loss, show_grad=False).source, "n0")


def test_precision_sets_the_digits() -> None:
    # Significant digits now (was digits after the point), in scientific notation below 1e-3.
    a = Value(0.000438568, "a")
    assert r"data\ 4.38568e-4" in node_line(draw_dot(a, precision=6).source, "n0")
    assert r"data\ 4.4e-4" in node_line(draw_dot(a, precision=2).source, "n0")


def test_highlight_outlines_the_given_nodes() -> None:
    loss, nodes = lecture_graph()
    source = draw_dot(loss, highlight=[nodes["d"], nodes["a"]]).source
    assert "highlighted" in node_line(source, "n4")
    assert "highlighted" in node_line(source, "n0")
    assert "highlighted" not in node_line(source, "n2")


def test_grads_mapping_replaces_dot_grad() -> None:
    loss, nodes = lecture_graph()
    source = draw_dot(loss, grads={nodes["e"]: 0.5}).source
    assert r'grad\ 0.5"' in node_line(source, "n2")
    assert r'grad\ 0"' in node_line(source, "n6")  # missing from the mapping: 0


def test_edge_labels_mark_the_edge_from_a_parent_into_an_op() -> None:
    loss, nodes = lecture_graph()
    source = draw_dot(loss, edge_labels={(nodes["d"], 1): "-2 × 1 = -2"}).source
    (marked,) = [line for line in source.splitlines() if "marked" in line]
    assert marked.strip().startswith("n3 -> n4_op")
    assert 'label="-2 × 1 = -2"' in marked


def test_title_is_drawn_above_the_graph() -> None:
    loss, _ = lecture_graph()
    # Quoted, so Graphviz does not take "<frame>" for an HTML label.
    assert 'label="<frame>" labeljust=l labelloc=t' in draw_dot(loss, title="<frame>").source


def test_record_label_special_characters_are_escaped() -> None:
    assert escape_record("a|b{c}<d>") == r"a\|b\{c\}\<d\>"
    source = draw_dot(Value(1.0, "a|b{c}<d>")).source
    assert r'label="a\|b\{c\}\<d\>|data\ 1|grad\ 0"' in source
    assert escape_record('q"\\ x') == r"q\"\\\ x"


@pytest.mark.parametrize("label", ["a|b{c}<d>", 'say "hi"', "back\\slash", "<html>"])
def test_any_label_renders_as_written(label: str) -> None:
    x = Value(1.0, label)
    source = draw_dot(x).source
    svg = svg_from_dot(source)
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    # Graphviz writes an escaped space as a no-break space.
    assert label in [t.replace("\xa0", " ") for t in texts]


def test_too_many_nodes_says_how_many_and_what_to_do() -> None:
    x = Value(0.5, "x")
    for _ in range(20):
        x = x.tanh()
    with pytest.raises(ValueError, match=r"21 Value nodes, more than max_nodes=10") as error:
        draw_dot(x, max_nodes=10)
    assert "max_nodes=21" in str(error.value)
    assert "depth=" in str(error.value)
    assert draw_dot(x, max_nodes=21).source.count("shape=record") == 21


def test_depth_draws_the_neighbourhood_of_a_node() -> None:
    x = Value(0.5, "x")
    chain = [x]
    for _ in range(20):
        chain.append(chain[-1].tanh())
    source = draw_dot(chain[-1], focus=chain[10], depth=2, max_nodes=10).source
    assert [f"n{i}" in source.split() for i in (7, 8, 12, 13)] == [False, True, True, False]
    assert source.count("shape=record") == 5
    assert "cut" in node_line(source, "n8")
    assert "dashed" in node_line(source, "n8")
    assert "cut" not in node_line(source, "n10")


def test_depth_alone_centres_on_the_root() -> None:
    loss, _ = lecture_graph()
    source = draw_dot(loss, depth=1).source
    assert source.count("shape=record") == 3  # L and its inputs d and f


def test_depth_zero_is_the_focus_alone() -> None:
    loss, nodes = lecture_graph()
    assert draw_dot(loss, focus=nodes["e"], depth=0).source.count("shape=record") == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rankdir": "XY"}, ValueError, "rankdir"),
        ({"max_nodes": 0}, ValueError, "max_nodes"),
        ({"precision": -1}, ValueError, "precision"),
        ({"depth": -1}, ValueError, "depth"),
        ({"focus": "L", "depth": 1}, TypeError, "focus must be Values"),
        ({"focus": Value(1.0), "depth": 1}, ValueError, "focus .* is not in the graph"),
        ({"highlight": Value(1.0)}, ValueError, "highlight .* is not in the graph"),
        ({"edge_labels": {(Value(1.0), 0): "x"}}, ValueError, "edge_labels"),
    ],
)
def test_bad_options_are_named(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    loss, _ = lecture_graph()
    with pytest.raises(error, match=message):
        draw_dot(loss, **kwargs)  # type: ignore[arg-type]


def test_focus_without_depth_asks_for_depth() -> None:
    loss, nodes = lecture_graph()
    with pytest.raises(ValueError, match="focus= needs depth="):
        draw_dot(loss, focus=nodes["e"])


def test_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="root must be a Value, not float"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_render_svg_returns_svg_of_the_drawing() -> None:
    loss, _ = lecture_graph()
    loss.backward()
    svg = render_svg(loss, rankdir="TB")
    assert svg.lstrip().startswith("<?xml")
    assert "</svg>" in svg
    assert sorted(re.findall(r"<title>(n\d+)</title>", svg)) == [f"n{i}" for i in range(7)]
    assert "grad &#45;4" in svg


def test_a_drawing_displays_itself_as_svg_in_jupyter() -> None:
    loss, _ = lecture_graph()
    bundle = draw_dot(loss)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def _path_with(tmp_path: Path, *programs: str) -> str:
    """A PATH folder holding only links to the named renderers (skip if one is missing)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for program in programs:
        beside_python = Path(sys.executable).parent / program
        found = str(beside_python) if beside_python.is_file() else shutil.which(program)
        if found is None:
            pytest.skip(f"{program} is not installed")
        (folder / program).symlink_to(found)
    return str(folder)


def test_dot_is_preferred_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path, "dot", "graphviz-pure"))
    assert Path(find_renderer()).name == "dot"


def test_graphviz_pure_is_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path, "graphviz-pure"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert Path(find_renderer()).name == "graphviz-pure"
    loss, _ = lecture_graph()
    assert "graphviz-pure" in render_svg(loss)  # its SVG names it in a comment


def test_graphviz_pure_beside_python_is_found_off_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (Path(sys.executable).parent / "graphviz-pure").is_file():
        pytest.skip("graphviz-pure is not installed beside this Python")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_renderer() == str(Path(sys.executable).parent / "graphviz-pure")


def test_no_renderer_says_how_to_install_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    loss, _ = lecture_graph()
    with pytest.raises(RendererNotFoundError, match=r"autograd-engine\[viz\]") as error:
        render_svg(loss)
    assert "apt-get install graphviz" in str(error.value)


def test_a_renderer_error_is_reported() -> None:
    with pytest.raises(RuntimeError, match="could not render"):
        svg_from_dot("digraph { a -> }")


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_the_engine_does_not_import_graphviz() -> None:
    result = _run_python(
        "import sys, autograd_engine\n"
        "from autograd_engine import Value\n"
        "(Value(1.0) * 2).backward()\n"
        "assert 'graphviz' not in sys.modules, 'graphviz imported'\n"
        "assert 'autograd_engine.viz' not in sys.modules, 'viz imported'\n"
    )
    assert result.returncode == 0, result.stderr


def test_viz_without_graphviz_names_the_viz_extra() -> None:
    result = _run_python(
        "import sys\n"
        "sys.modules['graphviz'] = None  # as if it were not installed\n"
        "import autograd_engine.viz\n"
    )
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "pip install 'autograd-engine[viz]'" in result.stderr
