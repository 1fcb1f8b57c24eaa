"""The `mcp` SDK (and uvicorn) internals wrapped in arize_mcp/server/seams.py and arize_mcp/asgi.py still exist.

Each test names the seam it guards, so an SDK upgrade that removes or moves one fails here, by name,
rather than somewhere deep inside a subscription or a signal handler.
"""

from __future__ import annotations

import ast
import inspect
import signal
import threading
from collections.abc import Mapping
from typing import Annotated, Any

import anyio
import pytest
import uvicorn
import uvicorn.server
from mcp import Client
from mcp.client.extension import ClientExtension, NotificationBinding
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPError
from mcp.shared.transport_context import TransportContext
from mcp.types import CallToolResult, EmptyResult, NotificationParams, Request, RequestParams, Result
from pydantic import ValidationError
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from arize_mcp.api.models import TaskRun
from arize_mcp.asgi import CleanExitServer
from arize_mcp.config import Settings
from arize_mcp.server import build_server, seams
from arize_mcp.server.runtime import Runtime
from arize_mcp.server.seams import close_session, gated_http_protocol, open_session_ids
from arize_mcp.service.connections import REFUSED, TOO_SLOW, ConnectionGate
from arize_mcp.service.exchange import _RequestContext

pytestmark = pytest.mark.anyio

PROBE = "x-arize-mcp-test/seam-probe"  # a method no SDK or spec will ever define


class ProbeParams(RequestParams):
    word: str = ""


class ProbeResult(Result):
    word: str
    connection_type: str
    connection_error: str | None = None


def _server() -> MCPServer[Any]:
    return build_server(Settings())


def _probe_request(word: str) -> Request[ProbeParams, str]:
    return Request[ProbeParams, str](method=PROBE, params=ProbeParams(word=word))


def _add_probe(server: MCPServer[Any], connections: list[Connection]) -> None:
    """Serve PROBE with a lowlevel handler that echoes its word and reports the request's connection."""

    async def probe(ctx: ServerRequestContext[Any, Any], params: ProbeParams) -> ProbeResult:
        try:
            connection = seams.connection_of(ctx)
        except AttributeError as error:  # reported to the test, not lost in an "internal error" response
            return ProbeResult(word=params.word, connection_type="", connection_error=repr(error))
        connections.append(connection)
        return ProbeResult(word=params.word, connection_type=type(connection).__qualname__)

    seams.add_request_handler(server, PROBE, ProbeParams, probe)


@pytest.mark.parametrize(
    ("method", "registered_by"),
    [
        ("resources/subscribe", "register_run_subscriptions via seams.add_request_handler"),
        ("resources/unsubscribe", "register_run_subscriptions via seams.add_request_handler"),
        ("completion/complete", "register_completions via seams.add_request_handler"),
        ("subscriptions/listen", "the SDK's MCPServer; register_run_subscriptions wraps it with seams.wrap_method"),
    ],
)
def test_seam_serves_sees_the_methods_the_server_relies_on(method: str, registered_by: str) -> None:
    assert seams.serves(_server(), method), (
        f"seam `serves` (MCPServer._lowlevel_server.get_request_handler): the built server has no handler for "
        f"{method!r}, which {registered_by}"
    )


def test_seam_add_request_handler_registers_a_new_method() -> None:
    server = _server()
    assert not seams.serves(server, PROBE)
    _add_probe(server, [])
    assert seams.serves(server, PROBE), (
        "seam `add_request_handler` (MCPServer._lowlevel_server.add_request_handler) did not register the method"
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_seam_connection_of_reaches_the_connection(mode: str) -> None:
    """A lowlevel handler's ServerSession still keeps the Connection as `_connection`, on the handshake-era
    loop (legacy) and on the 2026-07-28 per-request path (auto, in-process)."""
    server = _server()
    connections: list[Connection] = []
    _add_probe(server, connections)
    async with Client(server, mode=mode) as client:
        result = await client.session.send_request(_probe_request("hello"), ProbeResult)
    assert result.connection_error is None, (
        f"seam `connection_of` (ServerRequestContext.session._connection): {result.connection_error}"
    )
    assert result.word == "hello"  # the handler got its validated params
    assert len(connections) == 1
    assert isinstance(connections[0], Connection), (
        f"seam `connection_of`: ServerSession._connection is a {type(connections[0]).__qualname__}, not a "
        "mcp.server.connection.Connection"
    )


async def test_seam_connection_of_outlives_one_request_on_a_handshake_session() -> None:
    """Subscriptions (resources/subscribe) hang their watches on the Connection because it lives as long as
    the client stays, while a new ServerSession is made for every request."""
    server = _server()
    connections: list[Connection] = []
    _add_probe(server, connections)
    async with Client(server, mode="legacy") as client:
        results = [await client.session.send_request(_probe_request(word), ProbeResult) for word in ("one", "two")]
    async with Client(server, mode="legacy") as other:
        results.append(await other.session.send_request(_probe_request("three"), ProbeResult))
    errors = [result.connection_error for result in results if result.connection_error]
    assert not errors, f"seam `connection_of` (ServerRequestContext.session._connection): {errors[0]}"
    first, second, third = connections
    assert first is second, "seam `connection_of`: one client's requests no longer share one Connection"
    assert first is not third, "seam `connection_of`: two clients share one Connection"


def test_seam_middleware_is_the_list_wrap_method_appends_to() -> None:
    server = _server()
    assert isinstance(server.middleware, list), (
        f"seam `wrap_method`: MCPServer.middleware is a {type(server.middleware).__qualname__}, not a list"
    )
    before = list(server.middleware)

    async def wrapper(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        return await call_next(ctx)

    seams.wrap_method(server, PROBE, wrapper)
    assert server.middleware[: len(before)] == before
    assert len(server.middleware) == len(before) + 1, "seam `wrap_method` did not append to MCPServer.middleware"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_seam_wrap_method_wraps_only_its_method(mode: str) -> None:
    server = _server()
    _add_probe(server, [])
    calls: list[tuple[str, str, object]] = []

    def recording(name: str) -> seams.MethodWrapper:
        async def wrapper(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
            calls.append((name, ctx.method, ctx.params))
            return await call_next(ctx)

        return wrapper

    seams.wrap_method(server, "subscriptions/listen", recording("listen"))
    seams.wrap_method(server, PROBE, recording("probe"))
    async with Client(server, mode=mode) as client:
        tools = await client.list_tools()
        result = await client.session.send_request(_probe_request("wrapped"), ProbeResult)
    assert tools.tools, "tools/list went through, answered by the SDK"
    assert result.word == "wrapped", "the wrapper passed the request on to the handler"
    assert [(name, method) for name, method, _ in calls] == [("probe", PROBE)], (
        f"seam `wrap_method` (MCPServer.middleware): wrappers ran for {calls}; expected only the probe's, "
        "and the subscriptions/listen wrapper never for tools/list"
    )
    params = calls[0][2]
    # Middleware sees the raw params, before validation (the listen wrapper validates them itself).
    assert isinstance(params, Mapping) and params.get("word") == "wrapped"


async def test_seam_listen_with_amended_ack_adds_to_the_sdk_acknowledgement() -> None:
    server = _server()
    acknowledged = anyio.Event()

    async def amend(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        return await seams.listen_with_amended_ack(ctx, call_next, {"x-test-kind": ["a"]}, acknowledged)

    seams.wrap_method(server, "subscriptions/listen", amend)
    async with Client(server, mode="auto") as client:
        with anyio.fail_after(10):
            async with client.listen(tools_list_changed=True) as subscription:
                honored = subscription.honored
    assert acknowledged.is_set(), (
        "seam `listen_with_amended_ack`: the SDK's listen handler no longer sends its acknowledgement through "
        "ctx.session.send_notification as a SubscriptionsAcknowledgedNotification"
    )
    assert honored.tools_list_changed is True, "the SDK's own acknowledged kinds are kept"
    assert (honored.model_extra or {}).get("x-test-kind") == ["a"], f"the acknowledgement was not amended: {honored}"


class _NullableNotice(NotificationParams):
    word: str
    maybe: int | None


async def test_seam_notify_on_request_stream_sends_params_exactly_as_given() -> None:
    server = _server()
    received: list[_NullableNotice] = []

    async def record(notice: _NullableNotice) -> None:
        received.append(notice)

    class Observer(ClientExtension):
        identifier = "x-arize-mcp-test/seam-observer"

        def notifications(self) -> list[NotificationBinding[Any]]:
            return [NotificationBinding(method="x-arize-mcp-test/notice", params_type=_NullableNotice, handler=record)]

    async def probe(ctx: ServerRequestContext[Any, Any], params: ProbeParams) -> ProbeResult:
        await seams.notify_on_request_stream(ctx, "x-arize-mcp-test/notice", {"word": params.word, "maybe": None})
        return ProbeResult(word=params.word, connection_type="")

    seams.add_request_handler(server, PROBE, ProbeParams, probe)
    async with Client(server, mode="auto", extensions=[Observer()]) as client:
        await client.session.send_request(_probe_request("sent"), ProbeResult)
        with anyio.fail_after(10):
            while not received:
                await anyio.sleep(0.01)
    # `maybe` is required: a notice without its explicit null fails validation and never arrives.
    assert received[0].word == "sent" and received[0].maybe is None, (
        "seam `notify_on_request_stream` (ServerSession._request_outbound.notify)"
    )


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")  # handshake-era method
async def test_seams_serve_resources_unsubscribe_to_a_real_client() -> None:
    """resources/unsubscribe, served through add_request_handler and connection_of, answers a real client."""
    async with Client(_server(), mode="legacy") as client:
        result = await client.unsubscribe_resource("arize://task-runs/not-subscribed")
    assert isinstance(result, EmptyResult)


def test_uvicorn_server_still_defines_the_handle_exit_clean_exit_server_overrides() -> None:
    """Read from uvicorn's source: sse_starlette (imported by mcp) replaces `uvicorn.Server.handle_exit` on the
    class at import time with a `(*args, **kwargs)` wrapper around the original, so the attribute no longer
    shows uvicorn's own signature."""
    assert callable(getattr(uvicorn.Server, "handle_exit", None)), (
        "uvicorn.Server.handle_exit is gone: arize_mcp.asgi.CleanExitServer overrides it to exit 0 after a signal"
    )
    tree = ast.parse(inspect.getsource(uvicorn.server))
    server_class = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Server")
    defined = [node for node in server_class.body if isinstance(node, ast.FunctionDef) and node.name == "handle_exit"]
    assert defined, "uvicorn.server.Server no longer defines handle_exit, which CleanExitServer overrides"
    theirs = [arg.arg for arg in defined[0].args.args]
    ours = list(inspect.signature(CleanExitServer.handle_exit).parameters)
    assert ours == theirs, f"uvicorn.Server.handle_exit now takes {theirs}; CleanExitServer.handle_exit takes {ours}"
    assert "handle_exit" in vars(CleanExitServer)


def test_uvicorn_capture_signals_installs_handle_exit() -> None:
    """CleanExitServer's override only matters if uvicorn routes signals to `self.handle_exit`."""
    source = inspect.getsource(uvicorn.Server.capture_signals)
    assert "self.handle_exit" in source, (
        "uvicorn.Server.capture_signals no longer installs self.handle_exit, which CleanExitServer overrides"
    )
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be installed from the main thread")

    async def app(scope: object, receive: object, send: object) -> None:  # never called
        raise AssertionError

    server = CleanExitServer(uvicorn.Config(app))
    before = {sig: signal.getsignal(sig) for sig in uvicorn.server.HANDLED_SIGNALS}
    with server.capture_signals():
        installed = {sig: signal.getsignal(sig) for sig in uvicorn.server.HANDLED_SIGNALS}
    assert {signal.SIGINT, signal.SIGTERM} <= set(installed)
    assert all(handler == server.handle_exit for handler in installed.values()), (
        f"uvicorn.Server.capture_signals installed {installed}, not CleanExitServer.handle_exit"
    )
    assert {sig: signal.getsignal(sig) for sig in uvicorn.server.HANDLED_SIGNALS} == before


def test_lowlevel_server_and_middleware() -> None:
    server = build_server(Settings())
    lowlevel = server._lowlevel_server  # noqa: SLF001
    assert callable(lowlevel.run) and callable(lowlevel.create_initialization_options)
    assert callable(lowlevel.add_request_handler) and callable(lowlevel.get_request_handler)
    assert isinstance(server.middleware, list) and len(server.middleware) >= 2  # the SDK's tracing and ours


async def test_session_table() -> None:
    server = build_server(Settings())
    server.streamable_http_app()
    manager = server.session_manager
    assert isinstance(manager._server_instances, dict)  # noqa: SLF001
    assert list(inspect.signature(manager._discard_session).parameters) == ["session_id", "transport"]  # noqa: SLF001
    assert open_session_ids(server) == set()
    await close_session(server, "no-such-session")  # closing an unknown session is a no-op


def test_uvicorn_protocol_arguments() -> None:
    # uvicorn's server builds protocols as cls(config=..., server_state=..., app_state=..., _loop=...).
    parameters = inspect.signature(AutoHTTPProtocol.__init__).parameters
    assert {"config", "server_state", "app_state", "_loop"} <= set(parameters)
    gated = gated_http_protocol(ConnectionGate(10, 1.0), REFUSED, TOO_SLOW)
    assert {"connection_made", "data_received", "connection_lost", "eof_received"} <= set(vars(gated))


def test_seam_without_result_revalidation_keeps_the_schema_and_drops_the_sdk_check() -> None:
    async def read(run_id: str) -> Annotated[CallToolResult, TaskRun]:
        raise AssertionError("not called")

    checked = Tool.from_function(read)
    unchecked = seams.without_result_revalidation(checked)
    assert unchecked.output_schema == checked.output_schema and unchecked.output_schema is not None
    off_schema = CallToolResult(content=[], structured_content={"not": "a run"})
    with pytest.raises(ValidationError):
        checked.fn_metadata.convert_result(off_schema)  # the SDK's own check, which the seam relies on
    assert unchecked.fn_metadata.convert_result(off_schema) is off_schema


async def test_seam_single_requests_serve_with_the_entered_lifespan_state() -> None:
    server = build_server(Settings())
    server.streamable_http_app(stateless_http=True)
    requests = seams.SingleRequests(server)
    context = _RequestContext(
        transport=TransportContext(kind="streamable-http", can_send_request=False),
        request_id=1,
        message_metadata=None,
        progress_token=None,
        stream=None,
    )
    async with server.session_manager.run():
        assert isinstance(server.session_manager._lifespan_state, Runtime)  # noqa: SLF001
        connection = Connection.from_envelope("2025-11-25", None, None)
        listed = await requests.serve(context, "tools/list", None, connection)
        with pytest.raises(MCPError, match="Method not found"):
            await requests.serve(context, "no/such/method", None, Connection.from_envelope("2025-11-25", None, None))
    assert "get_task_run" in {tool["name"] for tool in listed["tools"]}
    schema = requests.tool_input_schema("get_task_run")
    assert schema is not None and "run_id" in schema["properties"]
    assert requests.tool_input_schema("no_such_tool") is None
