"""Model files: every malformed file is the documented ValueError, saves are atomic.

``Module.load`` must never crash with something other than its documented errors, never
read without bound, and never change the model when it fails. ``Module.save`` must leave the
file either old or new (even under ``kill -9``), follow symlinks, respect the umask, and
clean up after saves that were killed.
"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nn.module
from nn import MLP

HEADER = '{"format": "autograd-engine/state_dict", "version": 1, '
ROOT = Path(__file__).resolve().parent.parent


def small_model(seed: int = 0) -> MLP:
    return MLP(1, [1], seed=seed)  # parameters: layers.0.neurons.0.w.0 and .b


def state_text(w: str, b: str = "0.5") -> str:
    names = ("layers.0.neurons.0.w.0", "layers.0.neurons.0.b")
    return HEADER + f'"state_dict": {{"{names[0]}": {w}, "{names[1]}": {b}}}}}'


def temporaries(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if ".tmp-" in name)


# --- every malformed file is a ValueError that leaves the model untouched -------------------


MALFORMED = {
    "deeply nested array": "[" * 100_000,
    "deeply nested object": '{"a": ' * 100_000,
    "deeply nested state_dict": HEADER + '"state_dict": ' + "[" * 50_000,
    "400-digit integer": state_text("1" + "0" * 399),
    "5000-digit integer": state_text("7" * 5000),
    "float beyond the range": state_text("1e400"),
    "NaN": state_text("NaN"),
    "-Infinity": state_text("-Infinity"),
    "duplicate parameter": HEADER
    + '"state_dict": {"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.0": 2.0, '
    '"layers.0.neurons.0.b": 0.5}}',
    "duplicate top-level key": HEADER + '"version": 1, "state_dict": {}}',
    "string number": state_text('"0.25"'),
    "boolean": state_text("true"),
    "null": state_text("null"),
    "nested list parameter": state_text("[1.0]"),
    "truncated": state_text("0.25")[:-7],
    "empty": "",
    "not an object": "[1, 2]",
    "wrong format": '{"format": "pickle", "version": 1, "state_dict": {}}',
    "version as a huge integer": '{"format": "autograd-engine/state_dict", "version": '
    + "9" * 400
    + ', "state_dict": {}}',
    "state_dict a list": HEADER + '"state_dict": [1.0, 0.5]}',
    "trailing garbage": state_text("0.25") + " {}",
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_every_malformed_file_is_a_value_error_naming_the_file(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    model = small_model()
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"bad\.json"):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{}", b'{"format": "\xc3"}', b"\x00" * 10],
    ids=["utf-16 mark", "broken utf-8", "zero bytes"],
)
def test_binary_garbage_is_a_value_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a valid state file"):
        small_model().load(path)


def test_duplicate_keys_are_named() -> None:
    with pytest.raises(ValueError, match=r"duplicate key 'layers\.0\.neurons\.0\.w\.0'"):
        nn.module._parse_state_file("x", MALFORMED["duplicate parameter"].encode())


def test_a_huge_integer_parameter_says_it_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(MALFORMED["400-digit integer"])
    with pytest.raises(ValueError, match="400 digits, too large for a float"):
        small_model().load(path)


def test_integers_that_fit_a_float_still_load(tmp_path: Path) -> None:
    path = tmp_path / "ints.json"
    path.write_text(state_text("3", "-2"))
    model = small_model()
    model.load(path)
    assert model.state_dict() == {"layers.0.neurons.0.w.0": 3.0, "layers.0.neurons.0.b": -2.0}


# --- the size limit ---------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.json"
    small_model(1).save(path)
    size = path.stat().st_size
    model = small_model(2)
    monkeypatch.setattr(nn.module, "MAX_STATE_FILE_BYTES", size)
    model.load(path)  # exactly at the limit: fine
    assert model.state_dict() == small_model(1).state_dict()
    monkeypatch.setattr(nn.module, "MAX_STATE_FILE_BYTES", size - 1)
    with pytest.raises(ValueError, match=f"larger than the limit of {size - 1} bytes"):
        small_model(2).load(path)


class CountingFile:
    """Wraps a binary file and counts the bytes read through it."""

    def __init__(self, file: object, counter: list[int]) -> None:
        self.file = file
        self.counter = counter

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.file.read(size)  # type: ignore[attr-defined]
        self.counter.append(len(data))
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.file, name)

    def __enter__(self) -> CountingFile:
        return self

    def __exit__(self, *args: object) -> None:
        self.file.close()  # type: ignore[attr-defined]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_read_only_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real_open = open
    monkeypatch.setattr(nn.module, "MAX_STATE_FILE_BYTES", 4096)
    monkeypatch.setattr(
        nn.module, "open", lambda *a, **k: CountingFile(real_open(*a, **k), reads), raising=False
    )
    with pytest.raises(ValueError, match="larger than the limit of 4096 bytes"):
        small_model().load("/dev/zero")
    assert sum(reads) == 4097  # limit + 1: enough to know it is too long, not a byte more


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_loading_dev_zero_with_the_real_limit_is_a_value_error() -> None:
    assert nn.module.MAX_STATE_FILE_BYTES == 64 * 1024 * 1024  # the documented limit
    with pytest.raises(ValueError, match="larger than the limit"):
        small_model().load("/dev/zero")


def test_a_folder_or_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        small_model().load(tmp_path / "missing.json")
    with pytest.raises(IsADirectoryError):
        small_model().load(tmp_path)


# --- saving: symlinks, permissions, stale temporaries, failures ----------------------------


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    small_model(1).save(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    small_model(2).save(link)
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    loaded = small_model(3)
    loaded.load(real)
    assert loaded.state_dict() == small_model(2).state_dict()
    assert temporaries(tmp_path) == []


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    small_model(1).save(link)
    assert link.is_symlink()
    assert (tmp_path / "later.json").is_file()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_respects_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        small_model().save(tmp_path / "model.json")
        with open(tmp_path / "plain.txt", "w") as file:  # what open() gives, to compare
            file.write("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "model.json").stat().st_mode)
    assert mode == 0o666 & ~umask
    assert mode == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    small_model(1).save(path)
    path.chmod(0o640)
    small_model(2).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    gone = dead_pid()
    stale = tmp_path / f".model.json.tmp-{gone}-0badc0de"
    live = tmp_path / f".model.json.tmp-{os.getpid()}-12345678"  # a save in progress here
    other = tmp_path / f".other.json.tmp-{gone}-0badc0de"  # belongs to another file
    for name in (stale, live, other):
        name.write_text("partial")
    small_model().save(path)
    assert not stale.exists()
    assert live.exists()
    assert other.exists()
    assert path.exists()


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    small_model(1).save(path)
    old = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(nn.module.os, "replace", crash)
    with pytest.raises(OSError, match="no space left"):
        small_model(2).save(path)
    assert path.read_bytes() == old
    assert temporaries(tmp_path) == []


def test_a_failed_load_after_a_good_one_leaves_the_loaded_values(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    small_model(1).save(good)
    bad.write_text(MALFORMED["duplicate parameter"])
    model = small_model(2)
    model.load(good)
    with pytest.raises(ValueError, match="duplicate"):
        model.load(bad)
    assert model.state_dict() == small_model(1).state_dict()


# --- kill -9 during save ------------------------------------------------------------------------

#: The child saves two models alternately, forever, printing the number of each completed
#: save. It writes through a "slow disk": each write is cut into 4 KiB pieces with a short
#: pause between them, so a kill lands mid-write most times (a real write of 150 KB takes
#: microseconds, and a kill would almost never hit it).
CHILD = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    import nn.module
    from nn import MLP

    real_fdopen = os.fdopen

    class SlowFile:
        def __init__(self, file):
            self.file = file
        def write(self, data):
            for start in range(0, len(data), 4096):
                self.file.write(data[start:start + 4096])
                self.file.flush()
                time.sleep(0.0005)
        def __getattr__(self, name):
            return getattr(self.file, name)
        def __enter__(self):
            return self
        def __exit__(self, *args):
            self.file.close()

    nn.module.os.fdopen = lambda *a, **k: SlowFile(real_fdopen(*a, **k))
    models = [MLP(2, [48, 48, 1], seed=1), MLP(2, [48, 48, 1], seed=2)]
    k = 1
    while True:
        models[k % 2].save(sys.argv[2])
        print(k, flush=True)  # save k is complete: the file holds models[k % 2]
        k += 1
    """
)


@pytest.mark.slow
def test_kill_9_during_save_never_leaves_a_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    states = [MLP(2, [48, 48, 1], seed=seed).state_dict() for seed in (1, 2)]
    MLP(2, [48, 48, 1], seed=1).save(path)
    assert path.stat().st_size > 50_000  # big enough to take many slow pieces
    rng = random.Random(0)
    seen = set()
    mid_write = 0
    for _ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ROOT), str(path)], stdout=subprocess.PIPE
        )
        assert child.stdout is not None
        # Let a random number of saves complete (either model may be on disk), then kill at
        # a random moment of the next one: timing scaled by the child's own progress, so a
        # slow machine changes nothing.
        for expected in range(1, rng.randint(1, 4) + 1):
            assert child.stdout.readline() == f"{expected}\n".encode()
        time.sleep(rng.uniform(0.0, 0.03))
        child.kill()  # SIGKILL: no finally, no atexit, no flush
        child.wait()
        child.stdout.close()
        mid_write += any(f".tmp-{child.pid}-" in name for name in temporaries(tmp_path))
        model = MLP(2, [48, 48, 1], seed=3)
        model.load(path)  # never partial: always loads
        state = model.state_dict()
        assert state in states  # and is one of the two complete models
        seen.add(states.index(state))
    assert seen == {0, 1}  # the kills landed at different points of the loop
    # Most kills landed mid-write (they left their temporary behind): proof the test
    # exercised what it claims. The next save clears every temporary of a dead process.
    assert mid_write >= 5  # typically 15 of 20
    MLP(2, [48, 48, 1], seed=1).save(path)
    assert temporaries(tmp_path) == []
    assert json.loads(path.read_text())["module"] == "MLP"
