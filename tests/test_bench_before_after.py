"""The before/after benchmark: the engine at an old commit measured beside this one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import before_after

ROOT = Path(__file__).resolve().parent.parent


def _has_history() -> bool:
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{before_after.BEFORE}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
    )
    return found.returncode == 0


def _result(before: dict[str, float], now: dict[str, float]) -> dict[str, object]:
    return {
        "before": "abc1234",
        "rounds": 3,
        "chain_nodes": 1_000_001,
        "before_engine": before,
        "this_engine": now,
    }


MEASURED = {
    "chain_backward_seconds": 2.0,
    "bytes_per_node": 134.0,
    "demo_step_seconds": 0.08,
    "demo_step_seconds_collector_off": 0.06,
}


def test_goals_are_met_when_no_worse_and_missed_when_worse() -> None:
    same = before_after.goals(_result(MEASURED, MEASURED))
    assert [goal["met"] for goal in same] == [True, True]
    worse = before_after.goals(
        _result(MEASURED, {**MEASURED, "chain_backward_seconds": 2.2, "bytes_per_node": 142.0})
    )
    assert [goal["met"] for goal in worse] == [False, False]
    assert worse[0]["ratio"] == pytest.approx(1.1)
    assert "142 now" in worse[1]["goal"]
    assert before_after.goals({"skipped": "no git"}) == []


def test_the_table_shows_both_engines_and_the_ratio() -> None:
    text = before_after.format_report(_result(MEASURED, {**MEASURED, "demo_step_seconds": 0.04}))
    assert "commit abc1234" in text
    row = next(line for line in text.splitlines() if line.startswith("demo step, collector on"))
    assert "80.00 ms" in row
    assert "40.00 ms" in row
    assert row.endswith("0.500x")
    assert "skipped (no git)" in before_after.format_report({"skipped": "no git"})


def test_an_unknown_commit_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(before_after, "BEFORE", "0" * 40)
    result = before_after.compare(1, lambda _: None, chain_length=10, steps=1)
    assert "cannot take autograd_engine/ at commit 0000000000" in result["skipped"]


@pytest.mark.skipif(not _has_history(), reason="this checkout has not the git history")
def test_both_engines_are_measured_each_from_its_own_files() -> None:
    result = before_after.compare(1, lambda _: None, chain_length=1_000, steps=1)
    assert set(result) >= {"before_engine", "this_engine"}
    for name in ("before_engine", "this_engine"):
        assert result[name]["chain_backward_seconds"] > 0
        assert 60 < result[name]["bytes_per_node"] < 400


@pytest.mark.skipif(not _has_history(), reason="this checkout has not the git history")
def test_a_measurement_that_fails_is_skipped_with_its_error() -> None:
    # A chain of -5 sines: the worker's argument check fails, as a broken engine would.
    result = before_after.compare(1, lambda _: None, chain_length=-6, steps=1)
    assert "measuring the engine in" in result["skipped"]
    assert "must be at least 1" in result["skipped"]
