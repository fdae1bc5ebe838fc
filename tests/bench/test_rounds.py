"""Counts compared over rounds: the order of the runs and the run that stands for each count."""

from __future__ import annotations

from lims.bench.rounds import counts_parse, in_turn, median_present, median_run, ratio


def test_the_counts_are_measured_in_turn_each_round() -> None:
    calls: list[tuple[int, int]] = []

    def measure(count: int, round_: int) -> dict:
        calls.append((count, round_))
        return {"count": count, "round": round_}

    runs = in_turn(counts_parse("1, 2"), 3, measure)
    assert calls == [(1, 0), (2, 0), (1, 1), (2, 1), (1, 2), (2, 2)]
    assert [run["round"] for run in runs[2]] == [0, 1, 2]
    assert in_turn([4], 0, measure) == {4: [{"count": 4, "round": 0}]}  # at least once


def test_the_median_run_stands_for_its_count_with_the_medians() -> None:
    runs = [
        {"files_per_s": 9.0, "warm": 11.0, "round": 0},
        {"files_per_s": 15.0, "warm": None, "round": 1},
        {"files_per_s": 12.0, "warm": 13.0, "round": 2},
        {"files_per_s": 10.0, "warm": 12.0, "round": 3},
    ]
    figure = median_run(runs, "files_per_s", also=["warm"])
    assert figure["round"] == 2  # the median by speed, not the middle round
    assert figure["files_per_s"] == 11.0  # the median of an even count: between 10 and 12
    assert figure["warm"] == 12.0  # of the runs that have it
    assert figure["rounds"] == [9.0, 15.0, 12.0, 10.0]


def test_missing_values_give_no_median_and_no_ratio() -> None:
    assert median_present([None, None]) is None
    assert ratio(None, 2.0) is None and ratio(3.0, None) is None and ratio(3.0, 0.0) is None
    assert ratio(0.0, 2.0) == 0.0
    assert ratio(27.0, 14.68) == 1.84
