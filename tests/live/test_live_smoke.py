"""Opt-in smoke test against the real Arize API, for anyone holding a key:

    ARIZE_MCP_LIVE_TESTS=1 ARIZE_API_KEY=... [ARIZE_REGION=...] .venv/bin/python -m pytest -q tests/live
    (add ARIZE_MCP_LIVE_TASK_ID=<task id> to also trigger one run of that task and wait for it)

It reads the same variables as the server (config.py), so it checks exactly what a user's
server would reach. Skipped, saying why, unless asked for: the suite never leaves loopback.
"""

from __future__ import annotations

import os

import anyio
import pytest

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.http import new_http_client
from arize_mcp.api.models import TaskType, TriggerRunRequest
from arize_mcp.config import Settings
from arize_mcp.grammar import parse_flag

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        not parse_flag(os.environ.get("ARIZE_MCP_LIVE_TESTS", "")),
        reason="live Arize tests are opt-in: set ARIZE_MCP_LIVE_TESTS=1 and ARIZE_API_KEY (see tests/live)",
    ),
]

LIVE_WAIT_SECONDS = 900


@pytest.fixture
async def client():  # noqa: ANN201
    settings = Settings.from_env()
    connection = settings.connection
    assert connection.problem is None, connection.problem
    assert settings.api_key is not None, "ARIZE_API_KEY must be set for the live tests"
    http = new_http_client(
        timeout_seconds=60,
        proxy_url=connection.proxy_url,
        ca_bundle=connection.ca_bundle,
        verify_tls=connection.verify_tls,
    )
    async with http:
        yield ArizeClient(http, connection.base_url, settings.api_key, config_problem=connection.problem)


async def test_list_and_get_tasks(client: ArizeClient) -> None:
    page = await client.list_tasks(limit=5)
    for task in page.tasks:
        again = await client.get_task(task.id)
        assert again.id == task.id and again.name == task.name


async def test_trigger_one_run_and_wait(client: ArizeClient) -> None:
    task_id = os.environ.get("ARIZE_MCP_LIVE_TASK_ID", "").strip()
    if not task_id:
        pytest.skip("set ARIZE_MCP_LIVE_TASK_ID to a task that may be run, to trigger one run and wait for it")
    task = await client.get_task(task_id)
    request = (
        TriggerRunRequest(experiment_name=f"arize-mcp live smoke {os.getpid()}", max_examples=1)
        if task.type is TaskType.RUN_EXPERIMENT
        else TriggerRunRequest(max_spans=10)
    )
    run = await client.trigger_task(task_id, request)
    with anyio.fail_after(LIVE_WAIT_SECONDS):
        while not run.is_terminal:
            await anyio.sleep(5)
            run = await client.get_task_run(run.id)
    assert run.task_id in (task_id, None)
