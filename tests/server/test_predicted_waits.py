"""Waiting with a prediction, end to end: the task's history read on the wire once, the expected
end in the progress notifications, and what a process learns from the runs it followed."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client
from pydantic import SecretStr

from arize_mcp.follow import PollSchedule
from arize_mcp.follow.history import HISTORY_RUNS
from arize_mcp.server import build_server
from arize_mcp.server.task_handles.extension import MIN_CLIENT_POLL_SECONDS, READ_MARGIN_SECONDS, client_poll_seconds
from tests.conftest import Upstream
from tests.helpers import ok
from tests.task_requester import CreatedTask, TasksRequester, call, get

pytestmark = pytest.mark.anyio

RUN_SECONDS = 3.0


async def trigger_and_wait(client: Client, task_id: str) -> tuple[dict, list[str]]:
    run = ok(await client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-1h"}))["run"]
    messages: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    waited = ok(
        await client.call_tool(
            "wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 30}, progress_callback=on_progress
        )
    )
    return waited, messages


async def test_a_task_with_history_is_waited_on_with_a_prediction(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.add_task("Nightly relevance", run_seconds=RUN_SECONDS)
    emulator.add_history(task_id, [RUN_SECONDS * share for share in (0.9, 1.0, 1.1)])
    with anyio.fail_after(60):
        async with Client(build_server(upper_upstream.settings())) as client:
            first, messages = await trigger_and_wait(client, task_id)
            assert first["terminal"] and first["run"]["status"] == "completed"
            assert any("; expected to end " in message for message in messages), messages
            # The second run of the task needs no new history read: the first one's end was learnt.
            second, _ = await trigger_and_wait(client, task_id)
            assert second["terminal"]
    history_reads = emulator.recorded(route="list_runs")
    assert len(history_reads) == 1
    assert history_reads[0].query == {"status": "COMPLETED", "limit": str(HISTORY_RUNS)}


async def test_a_task_without_history_is_waited_on_like_before(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.add_task("First of its kind", run_seconds=RUN_SECONDS)
    with anyio.fail_after(60):
        async with Client(build_server(upper_upstream.settings())) as client:
            waited, messages = await trigger_and_wait(client, task_id)
    assert waited["terminal"] and len(messages) == waited["polls"]
    assert not any("expected to end" in message for message in messages)
    # The empty history was read once, with the same query.
    assert [request.query for request in emulator.recorded(route="list_runs")] == [
        {"status": "COMPLETED", "limit": str(HISTORY_RUNS)}
    ]


async def test_a_task_handle_client_is_told_to_ask_again_after_the_predicted_read(upper_upstream: Upstream) -> None:
    """pollIntervalMs follows the shared poller's next read: with a history putting the end a minute
    away, that read is tens of seconds off, where the backoff alone says a fraction of a second."""
    emulator = upper_upstream.emulator
    task_id = emulator.add_task("Hourly faithfulness", run_seconds=60)
    emulator.add_history(task_id, [54.0, 60.0, 66.0])
    server = build_server(upper_upstream.settings(task_secret=SecretStr("predicted-polls")))
    backoff_max_ms = upper_upstream.settings().poll.max_seconds * 1000
    with anyio.fail_after(30):
        async with Client(server, extensions=[TasksRequester()]) as client:
            run = ok(await client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-1h"}))["run"]
            created = await call(client, "wait_for_task_run", {"run_id": run["id"]})
            assert isinstance(created, CreatedTask)
            # Until the poller has read the task's history and planned its next read, the backoff's pause.
            intervals = [created.poll_interval_ms]
            while intervals[-1] <= backoff_max_ms:
                await anyio.sleep(intervals[-1] / 1000)
                intervals.append((await get(client, created.task_id)).poll_interval_ms)
    assert created.poll_interval_ms <= backoff_max_ms
    # The next read comes halfway to the earliest predicted end, about 24 s after the trigger.
    assert 15_000 < intervals[-1] <= 30_300, intervals


def test_without_a_planned_read_a_client_polls_at_the_backoff() -> None:
    poll = PollSchedule(initial_seconds=1.0, growth=1.5, max_seconds=5.0)
    assert client_poll_seconds(poll, 30.0, None) == poll.interval_after(30.0)
    assert client_poll_seconds(poll, 30.0, 4.0) == pytest.approx(4.0 + READ_MARGIN_SECONDS)
    # A read under way (its planned time passed): ask again soon, not at once.
    assert client_poll_seconds(poll, 30.0, -2.0) == MIN_CLIENT_POLL_SECONDS
