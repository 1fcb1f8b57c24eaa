"""The run view's server side (MCP Apps): what Apps clients get, and that every other client sees
exactly what it saw before the view existed. The view itself is tested in a browser in
tests/integrations/test_run_view.py."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from arize_mcp.api.models import TriggerRunRequest
from arize_mcp.emulator import EXPERIMENT, HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.run_view import RESULT_META_KEY, RUN_VIEW_URI, RunBound, bound_of, run_view_html
from tests.conftest import Upstream
from tests.helpers import ok, text_of

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).parent.parent / "snapshots"
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
VIEW_TOOLS = {"trigger_task", "get_task_run", "wait_for_task_run"}
ERAS = ["legacy", "auto"]  # the initialize handshake, and the 2026-07-28 protocol


def wire(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


@pytest.fixture
async def apps_client(upper_upstream: Upstream) -> AsyncIterator[Client]:
    async with Client(build_server(upper_upstream.settings()), extensions=[APPS]) as client:
        yield client


async def finished_run(client: Client) -> dict[str, Any]:
    run = ok(await client.call_tool("trigger_task", {"task_name": HALLUCINATION, "data_start_time": "-2h"}))["run"]
    with anyio.fail_after(30):
        waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20}))
    assert waited["terminal"]
    return waited["run"]


def same_but_timing(value: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(value, str):
        return re.sub(r"^Waited \d+ s", "Waited _ s", value)
    return {key: item for key, item in value.items() if key != "waited_seconds"}


@pytest.mark.parametrize("mode", ERAS)
async def test_clients_without_apps_list_exactly_todays_tools_and_resources(
    upper_upstream: Upstream, mode: str
) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        tools = [wire(tool) for tool in (await client.list_tools()).tools]
        resources = [wire(resource) for resource in (await client.list_resources()).resources]
    for tool in tools:
        # The committed snapshots are the tools as published before the view; none had any _meta.
        assert "_meta" not in tool, tool["name"]
        assert tool == json.loads((SNAPSHOTS / f"{tool['name']}.json").read_text())
    assert resources == []  # the run view is listed only to Apps clients


@pytest.mark.parametrize("mode", ERAS)
async def test_apps_clients_see_the_view_on_three_tools_and_in_the_resources(
    upper_upstream: Upstream, mode: str
) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode, extensions=[APPS]) as client:
        tools = {tool.name: wire(tool) for tool in (await client.list_tools()).tools}
        (resource,) = (await client.list_resources()).resources
        (content,) = (await client.read_resource(RUN_VIEW_URI)).contents
        if mode == "auto":  # capability `extensions` exist on the wire from 2026-07-28 on
            assert EXTENSION_ID in (client.server_capabilities.extensions or {})
    assert {name for name, tool in tools.items() if "_meta" in tool} == VIEW_TOOLS
    for name in VIEW_TOOLS:
        assert tools[name]["_meta"] == {"ui": {"resourceUri": RUN_VIEW_URI}, "ui/resourceUri": RUN_VIEW_URI}
        # Apart from _meta, an Apps client sees the same interface as everyone else.
        without_meta = {key: value for key, value in tools[name].items() if key != "_meta"}
        assert without_meta == json.loads((SNAPSHOTS / f"{name}.json").read_text())
    assert str(resource.uri) == RUN_VIEW_URI and resource.mime_type == APP_MIME_TYPE
    assert content.mime_type == APP_MIME_TYPE and content.text == run_view_html()
    assert content.meta == {"ui": {"csp": {}, "prefersBorder": True}}


async def test_results_are_the_same_for_both_kinds_of_client_but_only_apps_get_the_view_meta(
    upper_upstream: Upstream,
) -> None:
    async with (
        Client(build_server(upper_upstream.settings()), extensions=[APPS]) as apps,
        Client(build_server(upper_upstream.settings())) as plain,
    ):
        run = await finished_run(apps)
        calls = [
            ("get_task_run", {"run_id": run["id"]}),
            ("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 5}),
        ]
        for name, arguments in calls:
            seen_by_apps = await apps.call_tool(name, arguments)
            seen_by_plain = await plain.call_tool(name, arguments)
            # Only a wait's own timing may differ between two calls.
            assert same_but_timing(text_of(seen_by_apps)) == same_but_timing(text_of(seen_by_plain))
            assert same_but_timing(ok(seen_by_apps)) == same_but_timing(ok(seen_by_plain))
            assert RESULT_META_KEY not in (seen_by_plain.meta or {})
            assert seen_by_apps.meta[RESULT_META_KEY] == {
                "pollSeconds": None,  # the run has ended: nothing more to read
                "readOnly": False,
                "task": None,
                "bound": None,
            }
        triggered = await plain.call_tool("trigger_task", {"task_name": HALLUCINATION, "max_spans": 10})
        assert ok(triggered)["run"]["status"] == "pending" and RESULT_META_KEY not in (triggered.meta or {})


async def test_a_trigger_tells_the_view_the_task_its_bound_and_when_to_look_again(apps_client: Client) -> None:
    triggered = await apps_client.call_tool(
        "trigger_task", {"task_name": EXPERIMENT, "experiment_name": "view check", "max_examples": 7}
    )
    meta = triggered.meta[RESULT_META_KEY]
    assert ok(triggered)["run"]["status"] == "pending"
    assert meta["task"]["name"] == EXPERIMENT and meta["task"]["type"] == "run_experiment"
    assert meta["bound"] == {"count": 7, "exact": False}
    # A run just created is read again at the schedule's first interval (the tests' fast schedule).
    assert meta["pollSeconds"] == pytest.approx(0.05) and meta["readOnly"] is False

    read = (await apps_client.call_tool("get_task_run", {"run_id": ok(triggered)["run"]["id"]})).meta[RESULT_META_KEY]
    assert read["task"] is None and read["bound"] is None  # a read knows neither; the view keeps the trigger's


async def test_a_read_only_server_tells_the_view_there_is_no_cancel(upper_upstream: Upstream) -> None:
    async with (
        Client(build_server(upper_upstream.settings())) as writer,
        Client(build_server(upper_upstream.settings(read_only=True)), extensions=[APPS]) as reader,
    ):
        run = ok(await writer.call_tool("trigger_task", {"task_name": HALLUCINATION, "data_start_time": "-1h"}))["run"]
        names = {tool.name for tool in (await reader.list_tools()).tools if tool.meta}
        meta = (await reader.call_tool("get_task_run", {"run_id": run["id"]})).meta[RESULT_META_KEY]
    assert names == {"get_task_run", "wait_for_task_run"}
    assert meta["readOnly"] is True


async def test_without_the_runs_toolset_there_is_no_view(upper_upstream: Upstream) -> None:
    server = build_server(upper_upstream.settings(toolsets=frozenset({"tasks"})))
    async with Client(server, extensions=[APPS]) as client:
        assert (await client.list_resources()).resources == []
        assert EXTENSION_ID not in (client.server_capabilities.extensions or {})


def test_the_bound_a_trigger_fixes() -> None:
    assert bound_of(TriggerRunRequest(example_ids=["a", "b", "c"])) == RunBound(count=3, exact=True)
    assert bound_of(TriggerRunRequest(max_examples=40)) == RunBound(count=40, exact=False)
    assert bound_of(TriggerRunRequest(max_spans=500)) == RunBound(count=500, exact=False)
    assert bound_of(TriggerRunRequest(experiment_name="x")) is None
