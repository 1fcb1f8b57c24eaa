"""Seeded task histories: completed past runs that predictions of a task's next run can read."""

from __future__ import annotations

import pytest

from arize_mcp.api.models import RunStatus
from tests.conftest import Upstream

pytestmark = pytest.mark.anyio

RUN_SECONDS = 3.0


async def test_the_emulator_lists_seeded_past_runs_newest_first(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.add_task("Seeded", run_seconds=RUN_SECONDS)
    emulator.add_history(task_id, [10.0, 20.0, 30.0])
    runs = emulator.runs(task_id)  # oldest first
    assert [run.status for run in runs] == [RunStatus.COMPLETED] * 3
    assert [(run.run_finished_at - run.created_at).total_seconds() for run in runs] == [30.0, 20.0, 10.0]
    assert all((run.data_end_time - run.data_start_time).total_seconds() == 3600 for run in runs)
    assert all(run.num_successes == 60 for run in runs)
    with pytest.raises(ValueError):
        emulator.add_history(task_id, [0.0])
