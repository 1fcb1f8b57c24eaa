"""Two questions asked of the official SDK itself, in its own environment:
- for each environment below, which base URL does its configuration resolve? Ours must be the same
  (or, where it refuses, ours must report a problem);
- which fields do its task models require? Payloads holding only those (none) must read in our
  client as in the SDK: absent fields as null or their default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import RunIdUnreadableError
from arize_mcp.api.models import RunStatus, TriggerRunRequest
from arize_mcp.config import Connection
from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer
from tests.conformance.conftest import EmulatorProcess, run_sdk

ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {"ARIZE_REGION": "eu-west-1a"},
    {"ARIZE_REGION": "us-central-1a", "ARIZE_API_HOST": "ignored.example"},
    {"ARIZE_REGION": "ca-central-1a", "ARIZE_API_PORT": "8443"},
    {"ARIZE_REGION": "us-east-1b", "ARIZE_API_SCHEME": "http"},
    {"ARIZE_API_HOST": "arize.internal.example"},
    {"ARIZE_API_HOST": "arize.internal.example", "ARIZE_API_PORT": "8080", "ARIZE_API_SCHEME": "HTTP"},
    {"ARIZE_API_HOST": "arize.internal.example:9000", "ARIZE_API_PORT": "8080"},
    {"ARIZE_API_HOST": "arize.internal.example:9000"},
    {"ARIZE_API_HOST": "api.arize.com", "ARIZE_API_PORT": "443"},
    {"ARIZE_API_HOST": "10.0.0.5", "ARIZE_API_PORT": "0"},
    {"ARIZE_SINGLE_HOST": "arize.corp.example"},
    {"ARIZE_SINGLE_HOST": "arize.corp.example", "ARIZE_SINGLE_PORT": "4040"},
    {"ARIZE_SINGLE_HOST": "arize.corp.example", "ARIZE_SINGLE_PORT": "4040", "ARIZE_API_PORT": "5050"},
    {"ARIZE_SINGLE_PORT": "4040"},
    {"ARIZE_SINGLE_HOST": "arize.corp.example", "ARIZE_API_HOST": "ignored.example", "ARIZE_API_SCHEME": "http"},
    {"ARIZE_BASE_DOMAIN": "private.example.com"},
    {"ARIZE_BASE_DOMAIN": "private.example.com", "ARIZE_API_HOST": "ignored.example"},
    {"ARIZE_BASE_DOMAIN": "private.example.com", "ARIZE_API_PORT": "8443"},
    # Refused by both.
    {"ARIZE_REGION": "eu-west-1a", "ARIZE_SINGLE_HOST": "h.example"},
    {"ARIZE_REGION": "eu-west-1a", "ARIZE_BASE_DOMAIN": "private.example.com"},
    {"ARIZE_SINGLE_PORT": "4040", "ARIZE_BASE_DOMAIN": "private.example.com"},
    {"ARIZE_REGION": "mars-1"},
    {"ARIZE_REGION": "EU-WEST-1A"},
    {"ARIZE_API_SCHEME": "ftp"},
    {"ARIZE_API_PORT": "70000"},
    {"ARIZE_API_PORT": "eighty"},
    {"ARIZE_SINGLE_PORT": "-1"},
]


@pytest.fixture(scope="module")
def sdk_urls(sdk_bin: Path, emulator: EmulatorProcess) -> list[dict[str, str | None]]:
    return run_sdk(sdk_bin, "resolve", ENVIRONMENTS, emulator.env())


@pytest.mark.parametrize("index", range(len(ENVIRONMENTS)), ids=[str(env) for env in ENVIRONMENTS])
def test_base_url_is_the_sdks(sdk_urls: list[dict[str, str | None]], index: int) -> None:
    sdk = sdk_urls[index]
    ours = Connection.from_env(ENVIRONMENTS[index])
    if sdk["error"] is None:
        assert (ours.base_url, ours.problem) == (sdk["url"], None)
    else:
        assert ours.problem is not None, f"the SDK refuses this ({sdk['error']}); we resolved {ours.base_url}"


# -- the leanest payloads the SDK reads ---------------------------------------------------------


SDK_MODELS = ("Task", "TaskRun", "ListTasksResponse", "ListTaskRunsResponse", "PaginationMetadata", "TaskEvaluator")
PAYLOADS: dict[str, tuple[str, Any]] = {
    "run without fields": ("TaskRun", {}),
    "pending run without counts": ("TaskRun", {"id": "r1", "status": "PENDING", "created_at": None}),
    "run with nulls": ("TaskRun", {"id": "r1", "num_successes": None, "status": None, "extra": {"x": 1}}),
    "task without fields": ("Task", {}),
    "task list without pagination": ("ListTasksResponse", {"tasks": [{"id": "t1"}]}),
    "empty task list body": ("ListTasksResponse", {}),
    "run list without pagination": ("ListTaskRunsResponse", {"task_runs": [{"id": "r1"}]}),
    "pagination of nulls": ("ListTaskRunsResponse", {"task_runs": [], "pagination": {"has_more": None}}),
}


@pytest.fixture(scope="module")
def sdk_models(sdk_bin: Path, emulator: EmulatorProcess) -> dict[str, Any]:
    return run_sdk(sdk_bin, "parse", PAYLOADS, emulator.env())


@pytest.fixture
def canned() -> Any:
    emulator = Emulator(EmulatorConfig(api_keys={"k"}))
    with EmulatorServer(emulator) as server:
        yield emulator, server.url


def test_the_sdk_requires_no_field_and_reads_every_lean_payload(sdk_models: dict[str, Any]) -> None:
    assert sdk_models["required"] == {name: [] for name in SDK_MODELS}
    assert sdk_models["readable"] == {label: None for label in PAYLOADS}


@pytest.mark.anyio
async def test_our_client_reads_the_same_payloads(sdk_models: dict[str, Any], canned: Any) -> None:
    emulator, url = canned
    assert all(not fields for fields in sdk_models["required"].values())
    async with httpx2.AsyncClient(timeout=5) as http:
        client = ArizeClient(http, url, SecretStr("k"))

        def serve(route: str, body: Any) -> None:
            emulator.faults.inject(route, 200, body=body)

        serve("get_run", {})
        run = await client.get_task_run("asked-for")
        assert (run.id, run.task_id, run.status, run.created_at, run.num_successes) == (
            "asked-for",
            None,
            None,
            None,
            0,
        )
        assert not run.is_terminal
        serve("get_run", PAYLOADS["pending run without counts"][1])
        run = await client.get_task_run("r1")
        assert run.status is RunStatus.PENDING and (run.num_errors, run.num_skipped) == (0, 0)
        serve("cancel_run", PAYLOADS["run with nulls"][1])
        run = await client.cancel_task_run("r1")
        assert run.num_successes == 0 and "extra" not in run.model_dump()
        serve("get_task", {})
        task = await client.get_task("t-asked")
        assert (task.id, task.name, task.type, task.evaluators) == ("t-asked", None, None, [])
        serve("list_tasks", PAYLOADS["task list without pagination"][1])
        page = await client.list_tasks()
        assert [t.id for t in page.tasks] == ["t1"] and not page.pagination.has_more
        serve("list_tasks", {})
        assert (await client.list_tasks()).tasks == []
        serve("list_runs", PAYLOADS["run list without pagination"][1])
        runs = await client.list_task_runs("the-task")
        assert [(r.id, r.task_id) for r in runs.task_runs] == [("r1", "the-task")]
        serve("list_runs", {"task_runs": [{"status": "RUNNING"}, {"id": "r2"}]})
        assert [r.id for r in (await client.list_task_runs("the-task")).task_runs] == ["r2"]
        serve("list_runs", PAYLOADS["pagination of nulls"][1])
        assert not (await client.list_task_runs("the-task")).pagination.has_more

        # A trigger answer without a readable id is not a run we can report: its own error.
        for body in ({}, {"id": "", "status": "PENDING"}, {"id": 42}):
            serve("trigger", body)
            with pytest.raises(RunIdUnreadableError) as raised:
                await client.trigger_task("the-task", TriggerRunRequest())
            assert "a run was started" in str(raised.value) and raised.value.task_id == "the-task"
            assert raised.value.run_id is None and raised.value.status == 200
        serve("trigger", {"id": "r9"})
        assert (await client.trigger_task("the-task", TriggerRunRequest())).task_id == "the-task"
