"""Task handles (the MCP Tasks extension) through the `mcp` SDK client, in process: what a
declaring client gets on 2026-07-28, and that every other client sees exactly what it did before."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    CallToolResult,
    Request,
    Result,
    SubscriptionFilter,
    SubscriptionsListenRequestParams,
)
from pydantic import SecretStr

from arize_mcp.emulator import EXPERIMENT, HALLUCINATION
from arize_mcp.follow import PollSchedule
from arize_mcp.server import build_server
from arize_mcp.server.task_handles.negotiation import TASKS_EXTENSION
from tests.conftest import FAST_POLL, READ_ONLY_KEY, Upstream, start_upstream
from tests.helpers import ok
from tests.server.test_resources import wait_for_polls
from tests.task_requester import CreatedTask, TaskNotice, TasksRequester, call, cancel, follow, get, update

pytestmark = pytest.mark.anyio

SECRET = SecretStr("shared-task-secret-for-tests")


@pytest.fixture
def slow_upstream() -> Iterator[Upstream]:
    """Runs that take long enough to be cancelled, or polled many times, while still running."""
    up = start_upstream(run_seconds=30.0)
    try:
        yield up
    finally:
        up.server.stop()


def requester(upstream: Upstream, **settings: object) -> Client:
    server = build_server(upstream.settings(task_secret=SECRET, **settings))
    return Client(server, extensions=[TasksRequester()])


async def trigger(client: Client, name: str = HALLUCINATION) -> str:
    return ok(await client.call_tool("trigger_task", {"task_name": name}))["run"]["id"]


async def test_the_extension_is_advertised_on_2026(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        assert TASKS_EXTENSION in (client.server_capabilities.extensions or {})


async def test_wait_for_task_run_answers_with_a_task_that_completes_with_the_tool_result(
    upper_upstream: Upstream,
) -> None:
    async with requester(upper_upstream) as client:
        run_id = await trigger(client)
        created = await call(client, "wait_for_task_run", {"run_id": run_id, "timeout_seconds": 1})
        assert isinstance(created, CreatedTask)
        assert created.status == "working"
        assert created.ttl_ms is None
        assert created.poll_interval_ms and created.poll_interval_ms > 0
        assert created.status_message and "s" in created.status_message
        done = await follow(client, created.task_id)
        assert done.status == "completed"
        assert done.result is not None
        result = CallToolResult.model_validate(done.result)
        structured = ok(result)
        assert structured["run"]["id"] == run_id
        assert structured["run"]["status"] == "completed"
        assert structured["terminal"] is True
        assert set(structured) == {"run", "terminal", "waited_seconds", "polls", "last_error"}
        assert "The run ended." in result.content[0].text


@pytest.mark.parametrize("wait", [True, "true"])  # read as the tool reads it
async def test_trigger_with_wait_answers_with_a_task_whose_result_is_the_trigger_result(
    upper_upstream: Upstream, wait: object
) -> None:
    async with requester(upper_upstream) as client:
        before = upper_upstream.count("trigger")
        created = await call(client, "trigger_task", {"task_name": HALLUCINATION, "wait": wait, "timeout_seconds": 1})
        assert isinstance(created, CreatedTask)
        assert upper_upstream.count("trigger") == before + 1  # one run, triggered before the handle came back
        done = await follow(client, created.task_id)
        structured = ok(CallToolResult.model_validate(done.result))
        assert structured["terminal"] is True
        assert structured["run"]["status"] == "completed"
        assert set(structured) == {"run", "terminal", "waited_seconds", "polls", "last_error"}


async def test_a_plain_trigger_stays_synchronous(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        result = await call(client, "trigger_task", {"task_name": HALLUCINATION})
        assert isinstance(result, CallToolResult)
        assert ok(result)["polls"] == 0


async def test_a_failed_run_is_a_completed_task_whose_result_says_so(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        created = await call(client, "trigger_task", {"task_name": EXPERIMENT, "wait": True, "experiment_name": "x"})
        assert isinstance(created, CreatedTask)
        done = await follow(client, created.task_id)
        assert done.status == "completed"
        assert ok(CallToolResult.model_validate(done.result))["run"]["status"] in {"completed", "failed"}


async def test_tasks_cancel_cancels_the_run_and_the_task_completes_with_it(slow_upstream: Upstream) -> None:
    async with requester(slow_upstream) as client:
        created = await call(client, "trigger_task", {"task_name": HALLUCINATION, "wait": True})
        assert isinstance(created, CreatedTask)
        assert (await cancel(client, created.task_id)).result_type == "complete"
        assert slow_upstream.count("cancel_run") == 1
        done = await follow(client, created.task_id)
        assert done.status == "completed"  # the documented choice: a cancelled run is a completed tool call
        assert ok(CallToolResult.model_validate(done.result))["run"]["status"] == "cancelled"
        # Cancelling again, once the run has ended, is calm.
        await cancel(client, created.task_id)


async def test_read_only_acknowledges_tasks_cancel_and_cancels_nothing(slow_upstream: Upstream) -> None:
    async with requester(slow_upstream, read_only=True) as client, requester(slow_upstream) as writer:
        created = await call(client, "wait_for_task_run", {"run_id": await trigger(writer)})
        assert isinstance(created, CreatedTask)
        assert (await cancel(client, created.task_id)).result_type == "complete"
        assert slow_upstream.count("cancel_run") == 0
        assert (await get(client, created.task_id)).status == "working"


async def test_tasks_update_acknowledges(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        created = await call(client, "wait_for_task_run", {"run_id": await trigger(client)})
        assert isinstance(created, CreatedTask)
        assert (await update(client, created.task_id)).result_type == "complete"


@pytest.mark.parametrize("method", ["get", "cancel", "update"])
async def test_unknown_forged_and_malformed_ids_are_unknown_tasks_with_nothing_sent_upstream(
    upper_upstream: Upstream, method: str
) -> None:
    send = {"get": get, "cancel": cancel, "update": update}[method]
    async with requester(upper_upstream) as client:
        created = await call(client, "wait_for_task_run", {"run_id": await trigger(client)})
        assert isinstance(created, CreatedTask)
        payload, signature = created.task_id.split(".")
        forged = f"{payload[:-2]}AA.{signature}"
        upstream_before = len(upper_upstream.emulator.requests)
        for bad in ("", "nonsense", "a.b", "a.b.c", forged, created.task_id + "x", "é.é", "x" * 10_000):
            with pytest.raises(MCPError) as raised:
                await send(client, bad)
            assert raised.value.error.code == INVALID_PARAMS
            assert raised.value.error.message == "Failed to retrieve task: Task not found"
        assert len(upper_upstream.emulator.requests) == upstream_before


async def test_a_task_is_unknown_to_another_key(upper_upstream: Upstream) -> None:
    """Two servers with the same task secret, one per key: the id is bound to the key it was made with."""
    async with requester(upper_upstream) as owner:
        created = await call(owner, "wait_for_task_run", {"run_id": await trigger(owner)})
        assert isinstance(created, CreatedTask)
    async with requester(upper_upstream, api_key=SecretStr(READ_ONLY_KEY)) as other:
        before = len(upper_upstream.emulator.requests)
        for send in (get, cancel, update):
            with pytest.raises(MCPError) as raised:
                await send(other, created.task_id)
            assert raised.value.error.code == INVALID_PARAMS
        assert len(upper_upstream.emulator.requests) == before


async def test_a_task_survives_a_new_server_with_the_same_secret_and_no_other(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as first:
        created = await call(first, "wait_for_task_run", {"run_id": await trigger(first)})
        assert isinstance(created, CreatedTask)
    async with requester(upper_upstream) as replica:
        assert (await follow(replica, created.task_id)).status == "completed"
    other_secret = build_server(upper_upstream.settings(task_secret=SecretStr("another-secret")))
    async with Client(other_secret, extensions=[TasksRequester()]) as stranger:
        with pytest.raises(MCPError) as raised:
            await get(stranger, created.task_id)
        assert raised.value.error.code == INVALID_PARAMS


async def test_many_polls_of_one_task_share_one_upstream_read_per_interval(slow_upstream: Upstream) -> None:
    # The first pause between reads is 30 s, far longer than this test, so every tasks/get after the
    # handle was made is answered from the one read made for it.
    slow = PollSchedule(initial_seconds=30.0, max_seconds=30.0)
    async with requester(slow_upstream, poll=slow) as one, requester(slow_upstream, poll=slow) as two:
        run_id = await trigger(one)
        reads_before = slow_upstream.count("get_run")
        created = await call(one, "wait_for_task_run", {"run_id": run_id})
        assert isinstance(created, CreatedTask)
        for _ in range(10):
            assert (await get(one, created.task_id)).status == "working"
        assert slow_upstream.count("get_run") == reads_before + 1
        # Another server process would read for itself: it shares no memory (but answers all the same).
        assert (await get(two, created.task_id)).status == "working"


async def test_wait_for_an_unknown_run_is_the_tools_error_not_a_task(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        result = await call(client, "wait_for_task_run", {"run_id": "no-such-run"})
        assert isinstance(result, CallToolResult)
        assert result.is_error


async def test_task_methods_need_the_extension_declared_on_the_request(upper_upstream: Upstream) -> None:
    async with requester(upper_upstream) as client:
        created = await call(client, "wait_for_task_run", {"run_id": await trigger(client)})
        assert isinstance(created, CreatedTask)
    async with Client(build_server(upper_upstream.settings(task_secret=SECRET))) as plain:
        for send in (get, cancel, update):
            with pytest.raises(MCPError) as raised:
                await send(plain, created.task_id)
            assert raised.value.error.code == MISSING_REQUIRED_CLIENT_CAPABILITY
            assert raised.value.error.data == {"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.parametrize("declares", [True, False])
async def test_only_a_declaring_2026_client_ever_sees_a_task(
    upper_upstream: Upstream, mode: str, declares: bool
) -> None:
    # On the handshake a declaration is the capability in initialize; on 2026-07-28, the requester's.
    declared = advertise(TASKS_EXTENSION) if mode == "legacy" else TasksRequester()
    extensions = [declared] if declares else []
    server = build_server(upper_upstream.settings(task_secret=SECRET))
    async with Client(server, mode=mode, extensions=extensions) as client:
        run_id = await trigger(client)
        for tool, arguments in (
            ("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 5}),
            ("trigger_task", {"task_name": HALLUCINATION, "wait": True, "timeout_seconds": 5}),
        ):
            result = await client.session.call_tool(tool, arguments, allow_claimed=True)
            task_mode = mode == "auto" and declares
            assert isinstance(result, CallToolResult) != task_mode, (tool, mode, declares, result)
            if not task_mode:
                assert ok(result)["terminal"] is True
        if mode == "legacy":  # the methods do not exist before 2026-07-28
            with pytest.raises(MCPError) as raised:
                await get(client, "anything")
            assert raised.value.error.code == METHOD_NOT_FOUND


async def listen_for_tasks(client: Client, task_ids: list[str]) -> None:
    """A subscriptions/listen stream for `task_ids` (the SDK's `listen` has no taskIds), open until cancelled."""
    params = SubscriptionsListenRequestParams(notifications=SubscriptionFilter.model_validate({"taskIds": task_ids}))
    await client.session.send_request(
        Request[SubscriptionsListenRequestParams, str](method="subscriptions/listen", params=params), Result
    )


async def test_listen_with_task_ids_sends_the_task_until_it_completes(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.2
    send, notices = anyio.create_memory_object_stream[TaskNotice](100)
    server = build_server(upper_upstream.settings(task_secret=SECRET))
    async with Client(server, extensions=[TasksRequester(on_notice=send.send)]) as client:
        created = await call(client, "trigger_task", {"task_name": HALLUCINATION, "wait": True})
        assert isinstance(created, CreatedTask)
        seen: list[TaskNotice] = []
        async with anyio.create_task_group() as group:
            group.start_soon(listen_for_tasks, client, [created.task_id, "not-a-task"])
            with anyio.fail_after(10):
                async for notice in notices:
                    seen.append(notice)
                    if notice.status != "working":
                        break
            group.cancel_scope.cancel()
    assert {notice.task_id for notice in seen} == {created.task_id}
    assert seen[0].status == "working" and seen[-1].status == "completed"
    final = ok(CallToolResult.model_validate(seen[-1].result))
    assert final["run"]["status"] == "completed"
    assert seen[-1].ttl_ms is None  # present, and null: the task lives as long as the run


async def test_listen_for_tasks_needs_the_extension_declared(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings(task_secret=SECRET))) as plain:
        with pytest.raises(MCPError) as raised:
            await listen_for_tasks(plain, ["anything"])
        assert raised.value.error.code == MISSING_REQUIRED_CLIENT_CAPABILITY


async def test_polling_for_a_task_stops_once_nobody_asks(slow_upstream: Upstream) -> None:
    """A task poll keeps the run followed for a while (so the next poll is answered from it), then lets go."""
    async with requester(slow_upstream) as client:
        created = await call(client, "wait_for_task_run", {"run_id": await trigger(client)})
        assert isinstance(created, CreatedTask)
        await get(client, created.task_id)
        # Followed: the poller reads the run on its own schedule between tasks/get.
        await wait_for_polls(slow_upstream, slow_upstream.count("get_run") + 1)
        # The linger is twice the longest pause; then no reads at all while nobody asks.
        await anyio.sleep(2 * FAST_POLL.max_seconds + 0.5)
        settled = slow_upstream.count("get_run")
        await anyio.sleep(3 * FAST_POLL.max_seconds)
        assert slow_upstream.count("get_run") == settled
        assert (await get(client, created.task_id)).status == "working"  # and the next poll starts afresh
