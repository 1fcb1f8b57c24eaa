"""The run view (MCP Apps) in a real browser, hosted by the ext-apps reference host bridge.

Headless Chromium (Debian's package, driven by Playwright) loads run_view_host/host.html: an
iframe sandboxed as chat hosts do it, and the `AppBridge` of @modelcontextprotocol/ext-apps loaded
from its npm package through an import map. The bridge's tools/call requests from the view go to
a real MCP session — `arize-mcp --sandbox` over stdio, or an in-process server against the emulator
— whose client advertised MCP Apps. The tests read the view's DOM as it changes.

Screenshots go to each test's temporary folder. To regenerate the ones the README shows:

    ARIZE_MCP_UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/integrations/test_run_view.py
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from arize_mcp.emulator import FAILING as BROKEN_JUDGE
from arize_mcp.emulator import HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.run_view import RUN_VIEW_URI
from tests.conftest import Upstream, start_upstream
from tests.helpers import ok, text_of
from tests.integrations.launch import ARIZE_MCP
from tests.integrations.provision import REPO_ROOT

pytestmark = pytest.mark.anyio

HOST_DIR = Path(__file__).with_name("run_view_host")
HOST_ORIGIN = "http://127.0.0.1:9"  # never reached: the page routes every request to local files
SCREENSHOTS = REPO_ROOT / "docs" / "images"
UPDATE_SCREENSHOTS = os.environ.get("ARIZE_MCP_UPDATE_SCREENSHOTS") == "1"
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})

RUN_SECONDS = 12  # long enough to see a run go by in several polls, even on a busy machine
STEP_TIMEOUT = 30.0
WIDE = 560
NARROW = 360


def sandbox_params(*extra: str) -> StdioServerParameters:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ARIZE_")}
    # The view polls at the server's planned interval; 1 s at most keeps several running snapshots in view.
    env.update(ARIZE_MCP_POLL_INITIAL_SECONDS="1", ARIZE_MCP_POLL_MAX_SECONDS="1")
    args = ["--sandbox", "--sandbox-run-seconds", str(RUN_SECONDS), *extra]
    return StdioServerParameters(command=str(ARIZE_MCP), args=args, env=env)


def wire(model: Any) -> dict[str, Any]:
    """A result or definition exactly as it travels in JSON-RPC."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


class ViewHost:
    """The test host page and the view inside it, wired to one MCP client session."""

    def __init__(self, page: Any, client: Client) -> None:
        self.page = page
        self.client = client
        self.calls: list[str] = []  # tools the view called through the host
        self.view_requests: list[str] = []  # network requests made by the view (must stay empty)
        self.violations: list[str] = []  # CSP reports and errors in the view

    async def open(self, modules: Path) -> None:
        async def serve(route: Any) -> None:
            path = route.request.url.removeprefix(HOST_ORIGIN).split("?")[0]
            if path.startswith("/node_modules/"):
                file = modules / path.removeprefix("/node_modules/")
            else:
                file = HOST_DIR / path.lstrip("/")
            if not file.is_file():
                await route.fulfill(status=404, body="not found")
                return
            kind = "text/html" if file.suffix == ".html" else "text/javascript"
            await route.fulfill(status=200, body=file.read_bytes(), content_type=kind)

        async def call_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            self.calls.append(name)
            return wire(await self.client.call_tool(name, arguments))

        def on_request(request: Any) -> None:
            if request.frame != self.page.main_frame:
                self.view_requests.append(request.url)

        def on_console(message: Any) -> None:
            if message.type == "error" and message.location.get("url", "") in ("", "about:srcdoc"):
                self.violations.append(message.text)

        await self.page.route(f"{HOST_ORIGIN}/**", serve)
        await self.page.expose_function("hostCallTool", call_tool)
        self.page.on("request", on_request)
        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.violations.append(str(error)))
        await self.page.goto(f"{HOST_ORIGIN}/host.html")
        await self.page.wait_for_function("window.hostReady === true")

    async def show(
        self,
        tool_name: str,
        arguments: dict[str, Any],
        result: Any | None,
        *,
        theme: str = "light",
        width: int = WIDE,
        server_tools: bool = True,
    ) -> None:
        """Render the view for one tool call, as a host does; `result` None: the call is still running."""
        html = (await self.client.read_resource(RUN_VIEW_URI)).contents[0].text
        tools = {tool.name: tool for tool in (await self.client.list_tools()).tools}
        await self.page.set_viewport_size({"width": width + 64, "height": 900})
        spec = {
            "html": html,
            "tool": wire(tools[tool_name]),
            "input": arguments,
            "result": None if result is None else wire(result),
            "theme": theme,
            "width": width,
            "serverTools": server_tools,
        }
        await self.page.evaluate("(spec) => window.host.show(spec)", spec)

    @property
    def frame(self) -> Any:
        (frame,) = self.page.main_frame.child_frames
        return frame

    def at(self, selector: str) -> Any:
        return self.page.frame_locator("iframe").locator(selector)

    async def state(self) -> dict[str, Any]:
        return await self.frame.evaluate(
            """() => {
                const text = (id) => document.getElementById(id).textContent.trim();
                const shown = (id) => !document.getElementById(id).hidden;
                const bar = document.getElementById("progress");
                return {
                    status: document.getElementById("view").dataset.status,
                    statusText: text("status-text"),
                    icon: document.querySelector("#status-icon svg") !== null,
                    task: text("task-name"),
                    detail: text("task-detail"),
                    successes: text("num-successes"),
                    errors: text("num-errors"),
                    skipped: text("num-skipped"),
                    progress: bar.dataset.mode,
                    progressValue: bar.getAttribute("aria-valuenow"),
                    progressText: text("progress-text"),
                    reason: shown("reason") ? text("reason-text") : null,
                    reasonTitle: text("reason-title"),
                    window: shown("window-row") ? text("window") : null,
                    timeLabel: text("time-label"),
                    time: text("time"),
                    cancel: shown("cancel"),
                    theme: document.documentElement.dataset.theme,
                };
            }"""
        )

    async def until(self, status: str) -> dict[str, Any]:
        with anyio.fail_after(STEP_TIMEOUT):
            while (state := await self.state())["status"] != status:
                await anyio.sleep(0.1)
        return state

    async def screenshot(self, folder: Path, name: str) -> None:
        path = folder / f"run-view-{name}.png"
        await self.page.locator("iframe").screenshot(path=str(path), animations="disabled")
        if UPDATE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / path.name)

    def assert_sealed(self) -> None:
        """The view reached nothing but its host, and nothing it did was refused or failed."""
        assert self.view_requests == []
        assert self.violations == []


@asynccontextmanager
async def hosted(playwright_api: ModuleType, chromium: Path, modules: Path, client: Client) -> AsyncIterator[ViewHost]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium))
        try:
            host = ViewHost(await browser.new_page(), client)
            await host.open(modules)
            yield host
        finally:
            await browser.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Client]:
    """A real `arize-mcp --sandbox` over stdio, with a client that negotiated MCP Apps."""
    with anyio.fail_after(60):
        async with Client(sandbox_params(), extensions=[APPS]) as client:
            yield client


async def task_id(client: Client, name: str) -> str:
    (task,) = ok(await client.call_tool("list_tasks", {"name": name}))["tasks"]
    return task["id"]


async def test_view_follows_a_run_from_pending_to_completed(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client, tmp_path: Path
) -> None:
    arguments = {"task_name": HALLUCINATION, "data_start_time": "-2h", "max_spans": 150}
    triggered = await sandbox.call_tool("trigger_task", arguments)
    assert ok(triggered)["run"]["status"] == "pending"
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("trigger_task", arguments, triggered)
        first = await host.until("pending")
        assert first["statusText"] == "Pending" and first["icon"]
        assert first["task"] == HALLUCINATION and first["detail"].startswith("Template evaluation · run ")
        assert first["cancel"]

        seen = [first]
        with anyio.fail_after(RUN_SECONDS + STEP_TIMEOUT):
            while seen[-1]["status"] != "completed":
                await anyio.sleep(0.1)
                state = await host.state()
                if (state["status"], state["successes"]) != (seen[-1]["status"], seen[-1]["successes"]):
                    seen.append(state)
                    running = [s for s in seen if s["status"] == "running"]
                    if len(running) == 2:
                        await host.screenshot(tmp_path, "running")

        statuses = [state["status"] for state in seen]
        assert statuses[0] == "pending" and statuses[-1] == "completed"
        assert set(statuses) == {"pending", "running", "completed"}
        running = [state for state in seen if state["status"] == "running"]
        counts = [int(state["successes"].replace(",", "")) for state in running]
        assert len(counts) >= 2 and counts == sorted(set(counts)), counts  # counts grow from poll to poll
        assert all(state["progress"] == "cap" and "up to 150" in state["progressText"] for state in running)
        assert all(state["timeLabel"] == "Elapsed" and state["cancel"] for state in running)

        done = seen[-1]
        assert done["statusText"] == "Completed" and done["progressValue"] == "100"
        assert done["timeLabel"] == "Duration" and not done["cancel"] and done["reason"] is None
        assert done["window"] and "→" in done["window"]
        upstream = ok(await sandbox.call_tool("get_task_run", {"run_id": ok(triggered)["run"]["id"]}))
        assert done["successes"] == f"{upstream['num_successes']:,}"
        assert host.calls.count("get_task_run") >= 3 and set(host.calls) == {"get_task_run"}
        await host.screenshot(tmp_path, "completed")
        host.assert_sealed()
    assert (tmp_path / "run-view-running.png").is_file() and (tmp_path / "run-view-completed.png").is_file()


async def test_failed_run_shows_its_reason_and_the_task_it_looked_up(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client, tmp_path: Path
) -> None:
    run = ok(await sandbox.call_tool("trigger_task", {"task_name": BROKEN_JUDGE, "data_start_time": "-1h"}))["run"]
    with anyio.fail_after(RUN_SECONDS + STEP_TIMEOUT):
        waited = await sandbox.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": STEP_TIMEOUT})
    failed = ok(waited)["run"]
    assert ok(waited)["terminal"] and failed["status"] == "failed" and failed["failure_reason"]
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("wait_for_task_run", {"run_id": run["id"]}, waited)
        state = await host.until("failed")
        assert state["statusText"] == "Failed" and state["icon"]
        assert state["reasonTitle"] == "Why it failed" and state["reason"] == failed["failure_reason"]
        assert not state["cancel"] and state["timeLabel"] == "Duration"
        # A wait's result names no task; the view asked for it once, through the host.
        with anyio.fail_after(STEP_TIMEOUT):
            while (await host.state())["task"] != BROKEN_JUDGE:
                await anyio.sleep(0.1)
        await host.at("#reason").wait_for(state="visible")
        assert await host.at("#reason").get_attribute("role") == "alert"
        await host.screenshot(tmp_path, "failed")
        assert host.calls == ["get_task"]  # an ended run is not polled
        host.assert_sealed()


async def test_while_a_wait_is_in_flight_the_view_follows_the_run_itself(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client
) -> None:
    run = ok(await sandbox.call_tool("trigger_task", {"task_name": HALLUCINATION, "data_start_time": "-2h"}))["run"]
    arguments = {"run_id": run["id"], "timeout_seconds": STEP_TIMEOUT}
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        # The host shows the view with the call's arguments; its result comes only when the run has ended.
        await host.show("wait_for_task_run", arguments, None)
        state = await host.until("running")
        assert state["successes"] != "–" and host.calls[0] == "get_task_run"
        with anyio.fail_after(RUN_SECONDS + STEP_TIMEOUT):
            waited = await sandbox.call_tool("wait_for_task_run", arguments)
        await host.page.evaluate("(result) => window.host.sendToolResult(result)", wire(waited))
        state = await host.until("completed")
        assert state["successes"] == f"{ok(waited)['run']['num_successes']:,}"
        host.assert_sealed()


async def test_an_error_result_is_shown_as_such(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client
) -> None:
    arguments = {"run_id": "no-such-run"}
    result = await sandbox.call_tool("get_task_run", arguments)
    assert result.is_error
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("get_task_run", arguments, result)
        state = await host.until("error")
        notice = await host.at("#notice").text_content()
        assert state["statusText"] == "Error" and notice == text_of(result)
        assert not state["cancel"]
        host.assert_sealed()


async def test_a_host_that_proxies_no_tool_calls_gets_the_result_only(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client
) -> None:
    arguments = {"task_name": HALLUCINATION, "data_start_time": "-2h"}
    triggered = await sandbox.call_tool("trigger_task", arguments)
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("trigger_task", arguments, triggered, server_tools=False)
        state = await host.until("pending")
        await host.at("#notice").wait_for(state="visible")
        assert "does not let the view call the server" in (await host.at("#notice").text_content())
        assert not state["cancel"]
        await anyio.sleep(2.5)  # well past the 1 s the server planned for the next read
        assert host.calls == [] and (await host.state())["status"] == "pending"
        host.assert_sealed()


async def test_cancel_from_the_keyboard_cancels_the_run_upstream(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client
) -> None:
    arguments = {"task_id": await task_id(sandbox, HALLUCINATION), "data_start_time": "-3h"}
    triggered = await sandbox.call_tool("trigger_task", arguments)
    run_id = ok(triggered)["run"]["id"]
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("trigger_task", arguments, triggered)
        assert (await host.until("running"))["cancel"]
        keyboard = host.page.keyboard
        await host.at("#cancel").focus()
        await keyboard.press("Enter")
        await host.at("#confirm-yes").wait_for(state="visible")
        assert await host.frame.evaluate("document.activeElement.id") == "confirm-yes"
        await keyboard.press("Escape")  # changed my mind: nothing is sent
        await host.at("#cancel").wait_for(state="visible")
        assert await host.frame.evaluate("document.activeElement.id") == "cancel"
        assert "cancel_task_run" not in host.calls
        await keyboard.press("Enter")
        await host.at("#confirm-yes").wait_for(state="visible")
        await keyboard.press("Enter")

        state = await host.until("cancelled")
        assert state["reasonTitle"] == "Why it was cancelled" and state["reason"] == "Cancelled by user"
        assert not state["cancel"]
        assert host.calls.count("cancel_task_run") == 1
        host.assert_sealed()
    upstream = ok(await sandbox.call_tool("get_task_run", {"run_id": run_id}))
    assert upstream["status"] == "cancelled" and upstream["failure_reason"] == "Cancelled by user"


async def test_dark_theme_and_a_narrow_column(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path, sandbox: Client, tmp_path: Path
) -> None:
    arguments = {"task_name": HALLUCINATION, "data_start_time": "-2h"}
    triggered = await sandbox.call_tool("trigger_task", arguments)
    async with hosted(playwright_api, chromium, ext_apps_modules, sandbox) as host:
        await host.show("trigger_task", arguments, triggered, theme="dark", width=NARROW)
        state = await host.until("running")
        assert state["theme"] == "dark" and state["progress"] == "indeterminate"  # no bound was sent
        assert await background_luminance(host) < 0.2
        # Everything fits 360 px: nothing scrolls sideways, and the Cancel button is on screen.
        assert await host.frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = await host.at("#cancel").bounding_box()
        frame_box = await host.page.locator("iframe").bounding_box()
        assert box and frame_box and box["x"] + box["width"] <= frame_box["x"] + frame_box["width"]
        await host.screenshot(tmp_path, "running-dark")

        await host.page.evaluate("window.host.setTheme('light')")
        with anyio.fail_after(STEP_TIMEOUT):
            while (await host.state())["theme"] != "light":
                await anyio.sleep(0.1)
        assert await background_luminance(host) > 0.8
        host.assert_sealed()


async def background_luminance(host: ViewHost) -> float:
    red, green, blue = await host.frame.evaluate(
        "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"
    )
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


async def test_read_only_server_gets_a_view_without_cancel(
    playwright_api: ModuleType, chromium: Path, ext_apps_modules: Path
) -> None:
    upstream: Upstream = start_upstream(run_seconds=60)
    try:
        async with (
            Client(build_server(upstream.settings())) as writer,
            Client(build_server(upstream.settings(read_only=True)), extensions=[APPS]) as reader,
        ):
            run = ok(await writer.call_tool("trigger_task", {"task_name": HALLUCINATION, "data_start_time": "-2h"}))[
                "run"
            ]
            shown = await reader.call_tool("get_task_run", {"run_id": run["id"]})
            async with hosted(playwright_api, chromium, ext_apps_modules, reader) as host:
                await host.show("get_task_run", {"run_id": run["id"]}, shown)
                state = await host.until("running")
                assert not state["cancel"]
                assert await host.at("#cancel").is_hidden()
                host.assert_sealed()
    finally:
        upstream.server.stop()


async def test_tool_and_resource_meta_match_the_ext_apps_schema(ext_apps_modules: Path) -> None:
    schema_path = ext_apps_modules / "@modelcontextprotocol/ext-apps/dist/src/generated/schema.json"
    definitions = json.loads(schema_path.read_text())["$defs"]

    def check(instance: Any, definition: str) -> None:
        jsonschema.validate(instance, definitions[definition], cls=jsonschema.Draft202012Validator)

    async with Client(sandbox_params(), extensions=[APPS]) as client:
        tools = {tool.name: wire(tool) for tool in (await client.list_tools()).tools}
        listed = [wire(resource) for resource in (await client.list_resources()).resources]
        read = wire((await client.read_resource(RUN_VIEW_URI)).contents[0])
        capabilities = wire(client.server_capabilities)

    for name in ("trigger_task", "get_task_run", "wait_for_task_run"):
        meta = tools[name]["_meta"]
        check(meta["ui"], "McpUiToolMeta")
        assert meta["ui"]["resourceUri"] == RUN_VIEW_URI and meta["ui/resourceUri"] == RUN_VIEW_URI
    assert all(
        "_meta" not in tool
        for name, tool in tools.items()
        if name not in ("trigger_task", "get_task_run", "wait_for_task_run")
    )
    (view,) = [resource for resource in listed if resource["uri"].startswith("ui://")]
    assert view["uri"] == RUN_VIEW_URI and view["mimeType"] == APP_MIME_TYPE
    for entry in (view, read):
        check(entry["_meta"]["ui"], "McpUiResourceMeta")
        assert entry["_meta"]["ui"]["csp"] == {}  # no domain of any kind
    assert read["mimeType"] == APP_MIME_TYPE and read["text"].startswith("<!doctype html>")
    assert EXTENSION_ID in capabilities["extensions"]
    check({"mimeTypes": [APP_MIME_TYPE]}, "McpUiClientCapabilities")
