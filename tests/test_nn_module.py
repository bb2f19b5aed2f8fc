"""Module state: state_dict round trips, strict loading, and JSON files that fail safely."""

from __future__ import annotations

import doctest
import importlib
import json
import os
from pathlib import Path

import pytest

import nn.module
from autograd_engine import Value
from nn import MLP, Module, RNNCell

NN_MODULES = ["nn", "nn.functional", "nn.losses", "nn.optim", "nn.datasets"]


@pytest.mark.parametrize("name", NN_MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_state_dict_is_plain_json_data_in_parameter_order() -> None:
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert state == json.loads(json.dumps(state))
    assert all(type(value) is float for value in state.values())


def test_state_dict_round_trip_restores_outputs() -> None:
    source = MLP(2, [4, 4, 2], activation="tanh", seed=1)
    target = MLP(2, [4, 4, 2], activation="tanh", seed=2)
    assert [v.data for v in source([0.3, -0.4])] != [v.data for v in target([0.3, -0.4])]
    target.load_state_dict(source.state_dict())
    assert [v.data for v in source([0.3, -0.4])] == [v.data for v in target([0.3, -0.4])]


def test_load_state_dict_is_strict_about_keys() -> None:
    model = MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    missing = dict(state)
    del missing["layers.1.neurons.0.b"]
    with pytest.raises(KeyError, match=r"missing keys: layers\.1\.neurons\.0\.b"):
        model.load_state_dict(missing)
    extra = {**state, "layers.9.neurons.0.b": 0.0}
    with pytest.raises(KeyError, match=r"unexpected keys: layers\.9\.neurons\.0\.b"):
        model.load_state_dict(extra)


@pytest.mark.parametrize(
    "bad",
    [
        [1.0, 2.0],
        "weights",
        {"layers.0.neurons.0.w.0": "0.5"},
        {"layers.0.neurons.0.w.0": float("nan")},
        {"layers.0.neurons.0.w.0": True},
    ],
)
def test_load_state_dict_rejects_wrong_structure_and_leaves_model_untouched(bad: object) -> None:
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    state = {**before, **bad} if isinstance(bad, dict) else bad
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_failed_load_changes_no_parameter_even_if_only_the_last_is_bad() -> None:
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = dict.fromkeys(before, 0.0)
    state["layers.1.neurons.0.b"] = float("inf")
    with pytest.raises(ValueError, match="must be finite"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    source = RNNCell(2, 3, seed=4)
    path = tmp_path / "cell.json"
    source.save(path)
    target = RNNCell(2, 3, seed=5)
    target.load(str(path))
    assert target.state_dict() == source.state_dict()  # floats survive JSON exactly
    payload = json.loads(path.read_text())
    assert payload["format"] == "autograd-engine/state_dict"
    assert payload["module"] == "RNNCell"


def test_loading_a_truncated_file_raises_and_leaves_model_untouched(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    model = MLP(2, [3, 1], seed=2)
    before = model.state_dict()
    with pytest.raises(ValueError, match="malformed or truncated JSON"):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "not a state file"),
        ('{"format": "something else", "version": 1, "state_dict": {}}', "not a state file"),
        ('{"format": "autograd-engine/state_dict", "version": 99, "state_dict": {}}', "version"),
        ('{"format": "autograd-engine/state_dict", "version": 1}', "no 'state_dict'"),
        ('{"format": "autograd-engine/state_dict", "version": 1, "state_dict": {"a": NaN}}', "NaN"),
    ],
)
def test_loading_a_malformed_file_names_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("saved", "loaded", "problem"),
    [
        (MLP(2, [2, 1], seed=0), MLP(2, [3, 1], seed=0), r"missing keys: layers\.0\.neurons\.2"),
        (MLP(2, [3, 1], seed=0), MLP(2, [2, 1], seed=0), r"unexpected keys: layers\.0\.neurons\.2"),
        (
            MLP(3, [2, 1], seed=0),
            MLP(2, [2, 1], seed=0),
            r"unexpected keys: layers\.0\.neurons\.0\.w\.2",
        ),
    ],
)
def test_loading_another_models_file_is_a_value_error_naming_the_names(
    tmp_path: Path, saved: MLP, loaded: MLP, problem: str
) -> None:
    # Wrong names or shapes are a malformed file for this model, as the README says.
    path = tmp_path / "other.json"
    saved.save(path)
    before = loaded.state_dict()
    with pytest.raises(ValueError, match=f"not a state file of this model: .*{problem}"):
        loaded.load(path)
    assert loaded.state_dict() == before


def test_save_into_a_missing_folder_raises_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MLP(1, [1], seed=0).save(tmp_path / "no such folder" / "model.json")


def test_a_save_that_fails_midway_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    old = MLP(2, [2, 1], seed=0)
    old.save(path)
    old_text = path.read_text()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(nn.module.os, "fsync", crash)  # fails after the temp file has data
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [2, 1], seed=1).save(path)
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file was removed


def test_save_refuses_non_finite_parameters(tmp_path: Path) -> None:
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match="cannot save"):
        model.save(tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()


def test_a_custom_module_finds_its_parameters() -> None:
    class Affine(Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.shifts = [Value(1.0), Value(-1.0)]
            self.inner = MLP(1, [1], seed=0)
            self.note = "not a parameter"

        def forward(self, x: float) -> Value:
            return self.scale * x + self.shifts[0] + self.shifts[1]

    module = Affine()
    names = [name for name, _ in module.named_parameters()]
    assert names == [
        "scale",
        "shifts.0",
        "shifts.1",
        "inner.layers.0.neurons.0.w.0",
        "inner.layers.0.neurons.0.b",
    ]
    assert module(3.0).data == 6.0


def test_forward_must_be_defined() -> None:
    with pytest.raises(NotImplementedError, match="does not define forward"):
        Module()(1.0)
