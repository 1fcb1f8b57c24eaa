"""The tools through a real MCP client (in-process) against the emulator over loopback HTTP."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from mcp import Client
from pydantic import SecretStr

from arize_mcp.emulator import CODE_EVAL, EXPERIMENT, FAILING, HALLUCINATION
from arize_mcp.server import build_server
from tests.conftest import ALL_TOOLS, API_KEY, FAST_RETRY, READ_ONLY_KEY, Upstream
from tests.helpers import assert_run_shape, error, ok, text_of

pytestmark = pytest.mark.anyio


async def test_list_tasks_returns_tasks_and_cursor(mcp_client: Client, upstream: Upstream) -> None:
    first = ok(await mcp_client.call_tool("list_tasks", {"limit": 2}))
    assert len(first["tasks"]) == 2 and first["next_cursor"]
    second = ok(await mcp_client.call_tool("list_tasks", {"limit": 2, "cursor": first["next_cursor"]}))
    seen = {t["id"] for t in first["tasks"]} | {t["id"] for t in second["tasks"]}
    assert len(seen) == 4
    found = ok(await mcp_client.call_tool("list_tasks", {"name": "hallucination"}))
    assert [t["name"] for t in found["tasks"]] == [HALLUCINATION]
    assert found["next_cursor"] is None
    experiments = ok(await mcp_client.call_tool("list_tasks", {"task_type": "run_experiment"}))
    assert {t["type"] for t in experiments["tasks"]} == {"run_experiment"}
    none = await mcp_client.call_tool("list_tasks", {"name": "no such task at all"})
    assert ok(none)["tasks"] == [] and "No tasks match" in text_of(none)


async def test_trigger_then_wait_to_completion(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    triggered = await mcp_client.call_tool(
        "trigger_task", {"task_id": task_id, "data_start_time": "-6h", "data_end_time": "now"}
    )
    run = ok(triggered)["run"]
    assert_run_shape(run)
    assert run["task_id"] == task_id and run["status"] == "pending"
    assert "wait_for_task_run" in text_of(triggered)
    assert "Window sent: data_start_time=" in text_of(triggered)

    waited = ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20}))
    assert waited["terminal"] is True and waited["polls"] >= 1
    assert_run_shape(waited["run"])
    assert waited["run"]["status"] == "completed"
    assert waited["run"]["num_successes"] > 0

    read = ok(await mcp_client.call_tool("get_task_run", {"run_id": run["id"]}))
    assert read == waited["run"]


async def test_relative_window_is_resolved_and_stated(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    before = datetime.now(UTC)
    result = await mcp_client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "now-24h"})
    after = datetime.now(UTC)
    run = ok(result)["run"]
    sent = upstream.emulator.recorded(route="trigger")[-1]
    assert sent.status == 201
    start = datetime.fromisoformat(run["data_start_time"])
    assert before - timedelta(hours=24, seconds=1) <= start <= after - timedelta(hours=24) + timedelta(seconds=1)
    text = text_of(result)
    assert f"data_start_time={start.strftime('%Y-%m-%dT%H:%M')}" in text
    assert "data_end_time=now (server default)" in text


@pytest.mark.parametrize("metadata", [[{"key": "a", "value": "b"}], {"a": "b"}], ids=["pairs", "legacy-map"])
async def test_experiment_trigger_sends_only_set_fields(
    mcp_client: Client, upstream: Upstream, metadata: object
) -> None:
    task_id = upstream.emulator.task_id(EXPERIMENT)
    run = ok(
        await mcp_client.call_tool(
            "trigger_task",
            {
                "task_id": task_id,
                "experiment_name": "prompt-v2-trial",
                "max_examples": 5,
                "tracing_metadata": metadata,
            },
        )
    )["run"]
    assert run["data_start_time"] is None and run["data_end_time"] is None
    waited = ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20}))
    assert waited["run"]["status"] == "completed"
    assert waited["run"]["experiment_id"]
    assert waited["run"]["num_successes"] + waited["run"]["num_errors"] + waited["run"]["num_skipped"] == 5


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"data_start_time": "-2d", "data_end_time": "-3d"}, "must be before"),
        ({"data_start_time": "-40d", "data_end_time": "now"}, "at most 30 days"),
        ({"data_start_time": "-31d"}, "at most 30 days"),  # the default end is now
        ({"data_start_time": "+1h"}, "must be before"),
        ({"data_start_time": "yesterday"}, "not a datetime"),
        ({"max_spans": 0}, "max_spans"),
        ({"max_examples": 0}, "max_examples"),
        ({"example_ids": ["a"], "max_examples": 3}, "mutually exclusive"),
        ({"data_start_time": "-1d", "experiment_name": "x"}, "cannot be combined"),
        ({"override_evaluations": True, "example_ids": ["a"]}, "cannot be combined"),
        ({"experiment_ids": [""]}, "experiment_ids"),
        ({"task_id": ""}, "task_id"),
        ({"task_id": "   "}, "empty"),
    ],
)
async def test_local_validation_sends_nothing(
    mcp_client: Client, upstream: Upstream, arguments: dict, expected: str
) -> None:
    arguments = {"task_id": upstream.emulator.task_id(HALLUCINATION), **arguments}
    before = upstream.count()
    result = await mcp_client.call_tool("trigger_task", arguments)
    assert expected in error(result)
    assert upstream.count() == before


async def test_get_task_run_rejects_empty_id_locally(mcp_client: Client, upstream: Upstream) -> None:
    before = upstream.count()
    assert "run_id" in error(await mcp_client.call_tool("get_task_run", {"run_id": ""}))
    assert "timeout_seconds" in error(
        await mcp_client.call_tool("wait_for_task_run", {"run_id": "x", "timeout_seconds": 4000})
    )
    assert upstream.count() == before


async def test_upstream_problem_details_become_tool_errors(mcp_client: Client, upstream: Upstream) -> None:
    missing = error(await mcp_client.call_tool("get_task_run", {"run_id": "VGFza1J1bjo5OTk5OTk="}))
    assert "404" in missing and "Resource not found" in missing and "VGFza1J1bjo5OTk5OTk=" in missing

    first_run = error(await mcp_client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(CODE_EVAL)}))
    assert "400" in first_run and "Invalid request parameters" in first_run and "data_start_time" in first_run

    experiment = upstream.emulator.task_id(EXPERIMENT)
    duplicate = error(
        await mcp_client.call_tool("trigger_task", {"task_id": experiment, "experiment_name": "baseline"})
    )
    assert "409" in duplicate and "baseline" in duplicate

    wrong_family = error(await mcp_client.call_tool("trigger_task", {"task_id": experiment, "max_spans": 10}))
    assert "400" in wrong_family and "max_spans" in wrong_family


async def test_wrong_key_says_what_to_check(upstream: Upstream) -> None:
    async with Client(build_server(upstream.settings(api_key=SecretStr("wrong-key")))) as client:
        text = error(await client.call_tool("list_tasks", {}))
    assert "401" in text and "Authentication required" in text and "ARIZE_API_KEY" in text
    assert "wrong-key" not in text


async def test_forbidden_key_says_what_to_check(upstream: Upstream) -> None:
    async with Client(build_server(upstream.settings(api_key=SecretStr(READ_ONLY_KEY)))) as client:
        listed = ok(await client.call_tool("list_tasks", {}))
        text = error(await client.call_tool("trigger_task", {"task_id": listed["tasks"][0]["id"]}))
    assert "403" in text and "Access forbidden" in text and "permission" in text
    assert READ_ONLY_KEY not in text


async def test_no_key_server_lists_tools_and_explains(upstream: Upstream) -> None:
    async with Client(build_server(upstream.settings(api_key=None))) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == ALL_TOOLS
        for name, arguments in [
            ("list_tasks", {}),
            ("trigger_task", {"task_id": "abc"}),
            ("get_task_run", {"run_id": "abc"}),
            ("wait_for_task_run", {"run_id": "abc"}),
            ("get_task", {"task_name": "abc"}),
            ("list_task_runs", {"task_id": "abc"}),
            ("cancel_task_run", {"run_id": "abc"}),
        ]:
            text = error(await client.call_tool(name, arguments))
            assert "ARIZE_API_KEY" in text and "--sandbox" in text
    assert upstream.count() == 0


async def test_network_failure_says_what_failed(upstream: Upstream) -> None:
    upstream.server.stop()
    async with Client(build_server(upstream.settings())) as client:
        text = error(await client.call_tool("get_task_run", {"run_id": "abc"}))
    assert "Network failure" in text and "could not connect" in text and upstream.url in text


async def test_failed_and_cancelled_runs_explain_themselves(mcp_client: Client, upstream: Upstream) -> None:
    failing = ok(await mcp_client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(FAILING)}))["run"]
    failed = ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": failing["id"], "timeout_seconds": 20}))
    assert failed["run"]["status"] == "failed" and failed["run"]["failure_reason"]

    task_id = upstream.emulator.task_id(HALLUCINATION)
    # Fixed instants, so the re-trigger names exactly the same window.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    window = {
        "task_id": task_id,
        "data_start_time": (hour - timedelta(hours=3)).isoformat(),
        "data_end_time": (hour - timedelta(hours=1)).isoformat(),
    }
    first = ok(await mcp_client.call_tool("trigger_task", window))["run"]
    assert ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": first["id"]}))["run"]["status"] == "completed"
    again = ok(await mcp_client.call_tool("trigger_task", window))["run"]
    result = await mcp_client.call_tool("wait_for_task_run", {"run_id": again["id"]})
    run = ok(result)["run"]
    assert run["status"] == "cancelled" and run["num_successes"] == 0
    assert "override_evaluations" in run["failure_reason"]
    assert "override_evaluations=true" in text_of(result)
    override = ok(await mcp_client.call_tool("trigger_task", {**window, "override_evaluations": True}))["run"]
    redone = ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": override["id"]}))
    assert redone["run"]["status"] == "completed"


async def test_wait_streams_progress_notifications(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    run = ok(await mcp_client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-12h"}))["run"]
    seen: list[tuple[float, str]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message or ""))

    waited = ok(
        await mcp_client.call_tool(
            "wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20}, progress_callback=on_progress
        )
    )
    assert waited["terminal"]
    assert len(seen) == waited["polls"] >= 3
    progress = [p for p, _ in seen]
    assert progress == sorted(set(progress)), "progress must increase strictly"
    assert any(m.startswith("running — ") for _, m in seen)
    last = seen[-1][1]
    r = waited["run"]
    errors = "1 error" if r["num_errors"] == 1 else f"{r['num_errors']:,} errors"
    assert last.startswith(f"completed — {r['num_successes']:,} evaluated, {errors}, {r['num_skipped']:,} skipped, ")
    assert last.endswith(" s")


async def test_wait_timeout_is_not_an_error(upstream: Upstream) -> None:
    upstream.emulator.config.run_seconds = 30.0
    async with Client(build_server(upstream.settings())) as client:
        task_id = upstream.emulator.task_id(HALLUCINATION)
        run = ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]
        result = await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 0.5})
    waited = ok(result)
    assert waited["terminal"] is False
    assert waited["run"]["status"] in {"pending", "running"}
    assert 0.5 <= waited["waited_seconds"] < 3
    assert "call wait_for_task_run again" in text_of(result)


async def test_wait_with_zero_timeout_polls_once(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    run = ok(await mcp_client.call_tool("trigger_task", {"task_id": task_id}))["run"]
    before = upstream.count(route="get_run")
    waited = ok(await mcp_client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 0}))
    assert waited["polls"] == 1 and upstream.count(route="get_run") == before + 1


async def test_cancelled_wait_stops_polling_at_once(upstream: Upstream) -> None:
    upstream.emulator.config.run_seconds = 60.0
    async with Client(build_server(upstream.settings())) as client:
        run = ok(await client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(HALLUCINATION)}))["run"]
        polled = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            if progress >= 3:
                polled.set()

        async def wait() -> None:
            await client.call_tool("wait_for_task_run", {"run_id": run["id"]}, progress_callback=on_progress)

        async with anyio.create_task_group() as group:
            group.start_soon(wait)
            with anyio.fail_after(10):
                await polled.wait()
            group.cancel_scope.cancel()
        cancelled_at = upstream.count(route="get_run")
        await anyio.sleep(1.0)  # several poll intervals (at most 0.2 s each)
        assert upstream.count(route="get_run") == cancelled_at
        # The session is still healthy after the cancellation.
        assert ok(await client.call_tool("get_task_run", {"run_id": run["id"]}))["id"] == run["id"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_protocol_eras(upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upstream.settings()), mode=mode) as client:
        assert {t.name for t in (await client.list_tools()).tools} >= {"trigger_task", "wait_for_task_run"}
        task_id = upstream.emulator.task_id(HALLUCINATION)
        run = ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]
        notes: list[str] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            notes.append(message or "")

        waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run["id"]}, progress_callback=on_progress))
        assert waited["terminal"] and notes


async def test_ids_with_reserved_characters_stay_one_segment(mcp_client: Client, upstream: Upstream) -> None:
    slashed = [t for t in ok(await mcp_client.call_tool("list_tasks", {}))["tasks"] if "/" in t["id"]]
    assert slashed, "the seed data must include an id with '/'"
    run = ok(await mcp_client.call_tool("trigger_task", {"task_id": slashed[0]["id"], "data_start_time": "-1h"}))["run"]
    assert run["task_id"] == slashed[0]["id"]
    for hostile in ["../tasks", "a/../../tasks", "x?limit=1", "x#frag", "%2e%2e", "a%2Fb"]:
        before = upstream.count()
        text = error(await mcp_client.call_tool("get_task_run", {"run_id": hostile}))
        assert "404" in text
        recorded = upstream.emulator.recorded()[before:]
        assert [r.route for r in recorded] == ["get_run"], (hostile, recorded)
    # Dot-segments are refused locally: a proxy normalising %2E%2E back to `..` would climb a level.
    for dots in ["..", "."]:
        before = upstream.count()
        for tool in ("get_task_run", "cancel_task_run", "wait_for_task_run"):
            text = error(await mcp_client.call_tool(tool, {"run_id": dots}))
            assert "is not an Arize id" in text and "nothing was sent" in text
        assert "is not an Arize id" in error(await mcp_client.call_tool("list_task_runs", {"task_id": dots}))
        assert upstream.count() == before


async def test_key_never_appears_in_results(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    results = [
        await mcp_client.call_tool("list_tasks", {}),
        await mcp_client.call_tool("trigger_task", {"task_id": task_id}),
        await mcp_client.call_tool("get_task_run", {"run_id": "nope"}),
        await mcp_client.call_tool("trigger_task", {"task_id": task_id, "max_spans": -1}),
    ]
    for result in results:
        assert API_KEY not in result.model_dump_json()


async def test_trigger_after_an_injected_500_makes_exactly_one_run(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    upstream.emulator.faults.inject(route="trigger", status=500, after_handling=True)
    text = error(await mcp_client.call_tool("trigger_task", {"task_id": task_id}))
    assert "500" in text and "not retried" in text and "may already have started a run" in text
    assert upstream.count(route="trigger") == 1
    assert len(upstream.emulator.runs(task_id)) == 1


async def test_reads_ride_out_transient_upstream_failures(mcp_client: Client, upstream: Upstream) -> None:
    run = ok(await mcp_client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(HALLUCINATION)}))["run"]
    upstream.emulator.faults.inject(route="get_run", status=503, times=2)
    upstream.emulator.faults.inject(route="get_run", status=500, drop_connection=True)
    assert ok(await mcp_client.call_tool("get_task_run", {"run_id": run["id"]}))["id"] == run["id"]
    assert [r.status for r in upstream.emulator.recorded(route="get_run")][:2] == [503, 503]


async def test_retry_after_stretches_the_poll_interval(upstream: Upstream) -> None:
    upstream.emulator.config.run_seconds = 2.0
    # The poller honours Retry-After up to the cap reads have (here 5 s; the fast test policy's is 0.2 s).
    settings = upstream.settings(retry=dataclasses.replace(FAST_RETRY, max_retry_after_seconds=5))
    async with Client(build_server(settings)) as client:
        run = ok(await client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(HALLUCINATION)}))["run"]
        upstream.emulator.faults.inject(route="get_run", status=429, retry_after=1)
        waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20}))
    assert waited["terminal"]
    polls = upstream.emulator.recorded(route="get_run")
    limited = next(i for i, r in enumerate(polls) if r.status == 429)
    # The poll after the 429 waited for Retry-After (1 s), not the usual <= 0.2 s interval.
    assert polls[limited + 1].at - polls[limited].at >= 0.95
    gaps = [b.at - a.at for a, b in zip(polls[limited + 1 :], polls[limited + 2 :], strict=False)]
    assert gaps and max(gaps) < 0.9


@pytest.mark.parametrize("spelling", ["run_experiment", "RUN_EXPERIMENT", "Run_Experiment"])
async def test_enum_filters_take_any_casing_and_reach_the_wire_in_capitals(
    upper_upstream: Upstream, spelling: str
) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        found = ok(await client.call_tool("list_tasks", {"task_type": spelling}))
        assert {task["type"] for task in found["tasks"]} == {"run_experiment"}
        runs = ok(await client.call_tool("list_task_runs", {"task_name": EXPERIMENT, "status": "Failed"}))
        assert runs["task_runs"] == []
    assert [r.query.get("type") for r in upper_upstream.emulator.recorded(route="list_tasks")][0] == "RUN_EXPERIMENT"
    assert [r.query.get("status") for r in upper_upstream.emulator.recorded(route="list_runs")] == ["FAILED"]


async def test_a_cancelled_call_stops_its_trigger_retries(upper_upstream: Upstream) -> None:
    # After a 429 the trigger would be resent in 1 s; the client gives up before that.
    settings = upper_upstream.settings(retry=dataclasses.replace(FAST_RETRY, max_retry_after_seconds=5))
    task_id = upper_upstream.emulator.task_id(HALLUCINATION)
    upper_upstream.emulator.faults.inject(route="trigger", status=429, retry_after=1, times=10)
    async with Client(build_server(settings)) as client:
        with anyio.move_on_after(0.3) as gave_up:
            await client.call_tool("trigger_task", {"task_id": task_id})
        assert gave_up.cancelled_caught
        await anyio.sleep(1.5)  # past the moment the retry was due
    assert upper_upstream.count(route="trigger") == 1
    assert upper_upstream.emulator.runs(task_id) == []


async def test_a_rate_limit_beyond_the_retry_budget_answers_at_once(upper_upstream: Upstream) -> None:
    # Retry-After: 99999 on every read: one capped sleep fits the budget, the next would not.
    budget = dataclasses.replace(FAST_RETRY, max_retry_after_seconds=0.4, sleep_budget_seconds=0.5)
    upper_upstream.emulator.faults.inject(route="get_run", status=429, retry_after=99999, times=100)
    async with Client(build_server(upper_upstream.settings(retry=budget))) as client:
        with anyio.fail_after(5):
            result = await client.call_tool("get_task_run", {"run_id": "abc"})
    assert result.is_error and "Arize rate limited, retry after 99999 s" in text_of(result)
    assert result.structured_content is not None
    assert result.structured_content["error"] == "rate_limited"
    assert result.structured_content["retry_after_seconds"] == 99999
    assert upper_upstream.count(route="get_run") == 2
