"""The bundled 8x8 digits: the data as scikit-learn ships it, and a small network that learns it."""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from importlib import resources

import pytest

from nn import MLP
from nn.datasets import load_digits, train_test_split
from nn.losses import cross_entropy
from nn.optim import Adam
from nn.train import accuracy, fit, predict

#: nn/data/DIGITS.md gives the same digest: the file is scikit-learn's, byte for byte.
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_the_file_is_scikit_learns_copy_with_its_note() -> None:
    data = resources.files("nn").joinpath("data")
    packed = data.joinpath("digits.csv.gz").read_bytes()
    assert hashlib.sha256(packed).hexdigest() == SHA256
    note = data.joinpath("DIGITS.md").read_text(encoding="utf-8")
    assert SHA256 in note
    assert "CC BY 4.0" in note
    assert "BSD-3-Clause" in note
    assert len(gzip.decompress(packed).splitlines()) == 1797


def test_load_digits_gives_1797_images_of_64_pixel_counts() -> None:
    X, y = load_digits()
    assert len(X) == len(y) == 1797
    assert {len(row) for row in X} == {64}
    assert all(isinstance(p, float) and 0.0 <= p <= 16.0 for row in X for p in row)
    assert max(p for row in X for p in row) == 16.0
    counts = Counter(y)
    assert sorted(counts) == list(range(10))
    assert min(counts.values()) == 174
    assert max(counts.values()) == 183
    # The first image is a 0 (scikit-learn's digits.images[0]): its top row, read by hand.
    assert y[:10] == list(range(10))
    assert X[0][:8] == [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]


def test_load_digits_returns_fresh_lists() -> None:
    X, y = load_digits()
    X[0][0] = 99.0
    y[0] = 7
    again_X, again_y = load_digits()
    assert again_X[0][0] == 0.0
    assert again_y[0] == 0


def test_a_small_network_learns_the_digits_compiled() -> None:
    """A quarter of the data, a hidden layer of 16, 5 epochs: well above chance (10%)."""
    X, y = load_digits()
    X = [[p / 16 for p in row] for row in X]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    X_train, y_train = X_train[:480], y_train[:480]
    model = MLP(64, [16, 10], seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    history = fit(
        model, X_train, y_train, cross_entropy, optimizer, 5, batch_size=32, seed=0, progress=False
    )
    assert history.mode == "compiled"
    assert history["loss"][-1] < history["loss"][0]
    held_out = accuracy(predict(model, X_test), y_test)
    assert held_out >= 0.8, held_out  # 0.87 here; chance is 0.1


@pytest.mark.parametrize("bad", ["0,1,2\n", "17," * 64 + "3\n", "0," * 64 + "10\n"])
def test_a_malformed_file_is_refused_naming_the_line(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_line = "0," * 64 + "4\n"
    packed = gzip.compress((good_line + bad).encode("ascii"))

    class FakeFile:
        def read_bytes(self) -> bytes:
            return packed

    class FakeRoot:
        def joinpath(self, _: str) -> FakeFile:
            return FakeFile()

    monkeypatch.setattr(resources, "files", lambda _: FakeRoot())
    with pytest.raises(ValueError, match=r"digits\.csv\.gz line 2 is malformed"):
        load_digits()


def test_the_micrograd_side_of_the_digits_benchmark_computes_the_same_loss() -> None:
    """benchmarks/digits.py adds exp and log to micrograd: its cross-entropy and gradients
    must be ours, or the comparison would not be of the same work."""
    micrograd = pytest.importorskip("micrograd.engine")
    from autograd_engine import Value
    from benchmarks.digits import _micrograd_cross_entropy

    rows = [[0.5, -1.25, 3.0], [2.0, 2.0, -0.5]]
    labels = [2, 0]
    theirs = [[micrograd.Value(z) for z in row] for row in rows]
    mine = [[Value(z) for z in row] for row in rows]
    their_loss = _micrograd_cross_entropy(theirs, labels)
    their_loss.backward()
    my_loss = cross_entropy(mine, labels)
    my_loss.backward()
    assert their_loss.data == pytest.approx(my_loss.data, rel=1e-12)
    for their_row, my_row in zip(theirs, mine, strict=True):
        assert [z.grad for z in their_row] == pytest.approx([z.grad for z in my_row], rel=1e-12)
