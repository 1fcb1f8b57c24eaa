"""PollSchedule: the pause between reads of a run, by reads done or by time spent following it."""

from __future__ import annotations

import pytest

from arize_mcp.follow.schedule import PollSchedule


def test_interval_after_is_where_a_follower_from_the_start_would_be() -> None:
    schedule = PollSchedule(initial_seconds=1.0, growth=1.5, max_seconds=10.0)
    # Pauses 1, 1.5, 2.25, 3.375, … end at 1, 2.5, 4.75, 8.125 s.
    assert [schedule.interval_after(elapsed) for elapsed in (0, 0.9, 1.0, 2.4, 2.5, 4.8, 8.2)] == [
        1.0,
        1.0,
        1.5,
        1.5,
        2.25,
        3.375,
        pytest.approx(5.0625),
    ]
    assert schedule.interval_after(3600 * 24 * 365) == 10.0
    assert schedule.interval_after(-5) == 1.0  # a clock slightly behind the API's


def test_interval_after_without_growth_stays_at_the_initial_pause() -> None:
    assert PollSchedule(initial_seconds=2.0, growth=1.0, max_seconds=10.0).interval_after(1e9) == 2.0
