"""Resources through a real MCP client against the emulator: the task and task-run templates,
reading them (ids with '/', '+', '='), and subscriptions to runs in both protocol eras."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream
from mcp import Client
from mcp.client.session import IncomingMessage, MessageHandlerFnT
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, METHOD_NOT_FOUND, ResourceUpdatedNotification, TextResourceContents

from arize_mcp.emulator import HALLUCINATION
from arize_mcp.server import build_server, subscriptions
from arize_mcp.server.runtime import Runtime
from arize_mcp.server.uris import RUN_TEMPLATE, TASK_TEMPLATE, run_id_of, run_uri, task_uri
from tests.conftest import Upstream
from tests.helpers import assert_run_shape, ok
from tests.loopback import serving

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])
# resources/subscribe is the handshake era's mechanism; the SDK client flags it as deprecated.
HANDSHAKE_SUBSCRIBE = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
POLL_MAX_SECONDS = 0.2  # conftest FAST_POLL: no poller waits longer than this between reads
MISSING_RUN = "VGFza1J1bjo5OTk5OTk="


async def read_json(client: Client, uri: str) -> dict:
    result = await client.read_resource(uri)
    [content] = result.contents
    assert isinstance(content, TextResourceContents)
    assert content.uri == uri and content.mime_type == "application/json"
    return json.loads(content.text)


async def trigger(client: Client, upstream: Upstream) -> dict:
    """A new run over the last 6 hours (hundreds of spans, so its counts keep changing)."""
    arguments = {"task_id": upstream.emulator.task_id(HALLUCINATION), "data_start_time": "-6h"}
    return ok(await client.call_tool("trigger_task", {**arguments, "override_evaluations": True}))["run"]


@contextmanager
def captured_messages() -> Iterator[tuple[MessageHandlerFnT, MemoryObjectReceiveStream[IncomingMessage]]]:
    """A client message handler and the stream it fills with what the server sends."""
    # Unbounded, so a test that reads later never holds up the client's message dispatch.
    send, received = anyio.create_memory_object_stream[IncomingMessage](math.inf)

    async def handle(message: IncomingMessage) -> None:
        await send.send(message)

    with send, received:
        yield handle, received


async def wait_for_polls(upstream: Upstream, more_than: int) -> None:
    with anyio.fail_after(10):
        while upstream.count(route="get_run") <= more_than:
            await anyio.sleep(0.01)


async def assert_polling_stopped(upstream: Upstream) -> None:
    # Let a watch that was just told to stop unwind, then give a live poller several intervals.
    await anyio.sleep(2 * POLL_MAX_SECONDS)
    stopped_at = upstream.count(route="get_run")
    await anyio.sleep(3 * POLL_MAX_SECONDS)
    assert upstream.count(route="get_run") == stopped_at


def updates_of(received: MemoryObjectReceiveStream[IncomingMessage]) -> list[str]:
    uris: list[str] = []
    while True:
        try:
            message = received.receive_nowait()
        except anyio.WouldBlock:
            return uris
        if isinstance(message, ResourceUpdatedNotification):
            uris.append(message.params.uri)


def test_uris_keep_each_id_one_segment() -> None:
    for run_id in ("VGFza1J1bjoxMDE6+++//w==", "/starts-with-slash", "a/../b", "plain"):
        uri = run_uri(run_id)
        assert uri.count("/") == 3  # arize://task-runs/<id>
        assert run_id_of(uri) == run_id
    assert task_uri("T25saW5lVGFzazoxMDA6+++//w==") == "arize://tasks/T25saW5lVGFzazoxMDA6%2B%2B%2B%2F%2Fw%3D%3D"
    assert run_id_of(task_uri("abc")) is None
    assert run_id_of("arize://task-runs/") is None
    assert run_id_of("arize://task-runs/a/b") is None  # an unencoded '/' is not part of the id


@MODES
async def test_templates_are_listed(upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upstream.settings()), mode=mode) as client:
        templates = {t.uri_template: t for t in (await client.list_resource_templates()).resource_templates}
        assert set(templates) == {TASK_TEMPLATE, RUN_TEMPLATE}
        for template in templates.values():
            assert template.mime_type == "application/json"
            assert template.title and "%2F" in (template.description or "")
        assert "Subscribe" in (templates[RUN_TEMPLATE].description or "")
        resources = client.server_capabilities.resources
        assert resources is not None and resources.subscribe


@MODES
async def test_read_task_with_reserved_characters_in_its_id(upstream: Upstream, mode: str) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    assert {"/", "+", "="} <= set(task_id)
    async with Client(build_server(upstream.settings()), mode=mode) as client:
        task = await read_json(client, task_uri(task_id))
    assert task["id"] == task_id and task["name"] == HALLUCINATION
    assert task["type"] == "template_evaluation"


@MODES
async def test_read_run(upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upstream.settings()), mode=mode) as client:
        triggered = await trigger(client, upstream)
        assert "/" in triggered["id"]
        run = await read_json(client, run_uri(triggered["id"]))
    assert_run_shape(run)
    assert run["id"] == triggered["id"] and run["task_id"] == triggered["task_id"]


@MODES
async def test_read_errors_are_resource_errors(upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upstream.settings()), mode=mode) as client:
        with pytest.raises(MCPError) as missing_run:
            await client.read_resource(run_uri(MISSING_RUN))
        with pytest.raises(MCPError) as missing_task:
            await client.read_resource(task_uri("no-such-task"))
        # The session is unharmed.
        assert (await read_json(client, task_uri(upstream.emulator.task_id(HALLUCINATION))))["name"] == HALLUCINATION
    assert missing_run.value.error.code == INVALID_PARAMS
    assert "404" in missing_run.value.error.message and MISSING_RUN in missing_run.value.error.message
    assert missing_task.value.error.code == INVALID_PARAMS and "404" in missing_task.value.error.message

    before = upstream.count()
    async with Client(build_server(upstream.settings(api_key=None)), mode=mode) as client:
        with pytest.raises(MCPError) as no_key:
            await client.read_resource(run_uri(MISSING_RUN))
    assert "ARIZE_API_KEY" in no_key.value.error.message and "--sandbox" in no_key.value.error.message
    assert upstream.count() == before


@HANDSHAKE_SUBSCRIBE
async def test_subscription_sends_updates_until_the_run_ends(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.2
    with captured_messages() as (handle, received):
        server = build_server(upper_upstream.settings())
        async with Client(server, mode="legacy", message_handler=handle) as client:
            run = await trigger(client, upper_upstream)
            uri = run_uri(run["id"])
            await client.subscribe_resource(uri)
            seen = [run["status"]]
            with anyio.fail_after(10):
                while seen[-1] not in ("completed", "failed", "cancelled"):
                    message = await received.receive()
                    if isinstance(message, ResourceUpdatedNotification):
                        assert message.params.uri == uri
                        seen.append((await read_json(client, uri))["status"])
            assert seen[-1] == "completed" and seen.count("running") >= 2
            await assert_polling_stopped(upper_upstream)
            assert updates_of(received) == []


@HANDSHAKE_SUBSCRIBE
async def test_unsubscribe_stops_polling(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 60.0
    upper_upstream.emulator.config.pending_fraction = 0.0  # running at once, its counts growing
    with captured_messages() as (handle, received):
        server = build_server(upper_upstream.settings())
        async with Client(server, mode="legacy", message_handler=handle) as client:
            uri = run_uri((await trigger(client, upper_upstream))["id"])
            await client.subscribe_resource(uri)
            await client.subscribe_resource(uri)  # subscribing twice watches once
            with anyio.fail_after(10):
                while not isinstance(await received.receive(), ResourceUpdatedNotification):
                    pass
            await client.unsubscribe_resource(uri)
            await assert_polling_stopped(upper_upstream)
            updates_of(received)  # those sent before the unsubscribe
            await anyio.sleep(3 * POLL_MAX_SECONDS)
            assert updates_of(received) == []


@HANDSHAKE_SUBSCRIBE
async def test_disconnect_stops_polling(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 60.0
    async with serve_http(build_server(upper_upstream.settings())) as url:
        async with Client(url, mode="legacy") as client:
            uri = run_uri((await trigger(client, upper_upstream))["id"])
            await client.subscribe_resource(uri)
            await wait_for_polls(upper_upstream, upper_upstream.count(route="get_run") + 2)
        await assert_polling_stopped(upper_upstream)
        # The server itself lives on: only the departed client's watch ended.
        async with Client(url, mode="legacy") as client:
            assert (await read_json(client, uri))["status"] == "pending"


@HANDSHAKE_SUBSCRIBE
async def test_stateless_http_serves_listen_and_offers_no_subscribe(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.2
    server = build_server(upper_upstream.settings(), standalone_channel=False)
    async with serve_http(server, stateless=True) as url:
        async with Client(url, mode="legacy") as client:
            # What a stateless connection cannot carry is neither advertised nor served.
            resources = client.server_capabilities.resources
            assert resources is not None and not resources.subscribe
            uri = run_uri((await trigger(client, upper_upstream))["id"])
            with pytest.raises(MCPError) as refused:
                await client.subscribe_resource(uri)
            assert refused.value.error.code == METHOD_NOT_FOUND
        async with Client(url, mode="auto") as client:
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                with anyio.fail_after(10):
                    async for _ in subscription:
                        if (await read_json(client, uri))["status"] == "completed":
                            break


@HANDSHAKE_SUBSCRIBE
async def test_subscribe_refuses_what_it_cannot_watch(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings()), mode="legacy") as client:
        with pytest.raises(MCPError) as task:
            await client.subscribe_resource(task_uri(upper_upstream.emulator.task_id(HALLUCINATION)))
        with pytest.raises(MCPError) as missing:
            await client.subscribe_resource(run_uri(MISSING_RUN))
        with pytest.raises(MCPError) as raw_slash:
            await client.subscribe_resource("arize://task-runs/VGFza1J1bjoxMDE6+++//w==")
    assert task.value.error.code == INVALID_PARAMS and RUN_TEMPLATE in task.value.error.message
    assert missing.value.error.code == INVALID_PARAMS and "404" in missing.value.error.message
    assert "%2F" in raw_slash.value.error.message


@HANDSHAKE_SUBSCRIBE
async def test_subscriptions_per_connection_are_bounded(
    upper_upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriptions, "MAX_WATCHED_RUNS", 2)
    upper_upstream.emulator.config.run_seconds = 60.0
    async with Client(build_server(upper_upstream.settings()), mode="legacy") as client:
        uris = [run_uri((await trigger(client, upper_upstream))["id"]) for _ in range(3)]
        for uri in uris[:2]:
            await client.subscribe_resource(uri)
        with pytest.raises(MCPError) as refused:
            await client.subscribe_resource(uris[2])
        assert "At most 2 task runs" in refused.value.error.message
        await client.unsubscribe_resource(uris[0])
        await client.subscribe_resource(uris[2])


async def test_listen_sends_updates_until_the_run_ends(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.2
    async with Client(build_server(upper_upstream.settings()), mode="auto") as client:
        assert client.protocol_version == "2026-07-28"
        run = await trigger(client, upper_upstream)
        uri = run_uri(run["id"])
        seen = [run["status"]]
        async with client.listen(resource_subscriptions=[uri]) as subscription:
            assert subscription.honored.resource_subscriptions == [uri]
            with anyio.fail_after(10):
                async for event in subscription:
                    assert event.uri == uri  # type: ignore[union-attr]
                    seen.append((await read_json(client, uri))["status"])
                    if seen[-1] in ("completed", "failed", "cancelled"):
                        break
            assert seen[-1] == "completed" and seen.count("running") >= 2
            await assert_polling_stopped(upper_upstream)


async def test_listen_end_stops_polling(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 60.0
    async with Client(build_server(upper_upstream.settings()), mode="auto") as client:
        uri = run_uri((await trigger(client, upper_upstream))["id"])
        async with client.listen(resource_subscriptions=[uri, "arize://elsewhere"]):
            async with client.listen(resource_subscriptions=[uri]):
                await wait_for_polls(upper_upstream, upper_upstream.count(route="get_run") + 2)
            # The other stream still names the run, so it is still watched.
            await wait_for_polls(upper_upstream, upper_upstream.count(route="get_run") + 2)
        await assert_polling_stopped(upper_upstream)


@asynccontextmanager
async def serve_http(server: MCPServer[Runtime], *, stateless: bool = False) -> AsyncIterator[str]:
    """Serve over Streamable HTTP on a loopback port in this event loop."""
    async with serving(server.streamable_http_app(stateless_http=stateless)) as url:
        yield url
