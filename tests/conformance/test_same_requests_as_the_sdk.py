"""For the same operations, our client sends what the official SDK's generated client sends: the
same method, path (ids percent-encoded alike), query parameter names, enum spelling and body
field names. The SDK's requests are recorded in its own environment; ours with an httpx event hook."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError
from arize_mcp.api.models import RunStatus, TaskType, TriggerRunRequest
from arize_mcp.emulator import EXPERIMENT, HALLUCINATION
from tests.conformance.conftest import EMULATOR_KEY, EmulatorProcess, run_sdk

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(days=2)
RUN_ID = "VGFza1J1bjoxMDE6d3IvQ3YrS0FwZz09"  # any id: only the request is compared


def operations(
    task_id: str, experiment_id: str
) -> list[tuple[dict[str, Any], Callable[[ArizeClient], Awaitable[Any]]]]:
    """Each operation twice: as arguments of the SDK's TasksApi, and as a call of our client."""
    evaluation = {"data_start_time": START.isoformat(), "data_end_time": END.isoformat(), "max_spans": 7,
                  "override_evaluations": True, "experiment_ids": ["e1"]}  # fmt: skip
    experiment = {"experiment_name": "conformance", "dataset_version_id": "v1", "max_examples": 3,
                  "query_filter": "x = 1", "tracing_metadata": {"k": "v"}, "evaluation_task_ids": ["t1"]}  # fmt: skip
    both_ids = {"example_ids": ["a", "b"], "experiment_name": "ids"}
    return [
        (
            {"name": "list_tasks", "call": "list_tasks", "args": {
                "name": "check", "space_id": "s1", "space_name": "sup", "project_id": "p1", "dataset_id": "d1",
                "type": "CODE_EVALUATION", "limit": 10, "cursor": "c1"}},
            lambda c: c.list_tasks(name="check", space_id="s1", space_name="sup", project_id="p1", dataset_id="d1",
                                   task_type=TaskType.CODE_EVALUATION, limit=10, cursor="c1"),
        ),
        ({"name": "get_task", "call": "get_task", "args": {"task_id": task_id}}, lambda c: c.get_task(task_id)),
        (
            {"name": "list_task_runs", "call": "list_task_runs",
             "args": {"task_id": task_id, "status": "CANCELLED", "limit": 5, "cursor": "c2"}},
            lambda c: c.list_task_runs(task_id, status=RunStatus.CANCELLED, limit=5, cursor="c2"),
        ),
        (
            {"name": "trigger evaluation", "call": "trigger_task_run",
             "args": {"task_id": task_id, "experiment": False, "trigger": evaluation}},
            lambda c: c.trigger_task(task_id, TriggerRunRequest.model_validate(evaluation)),
        ),
        (
            {"name": "trigger run-experiment", "call": "trigger_task_run",
             "args": {"task_id": experiment_id, "experiment": True, "trigger": experiment}},
            lambda c: c.trigger_task(experiment_id, TriggerRunRequest.model_validate(experiment)),
        ),
        (
            {"name": "trigger example_ids", "call": "trigger_task_run",
             "args": {"task_id": experiment_id, "experiment": True, "trigger": both_ids}},
            lambda c: c.trigger_task(experiment_id, TriggerRunRequest.model_validate(both_ids)),
        ),
        (
            {"name": "get_task_run", "call": "get_task_run", "args": {"run_id": RUN_ID}},
            lambda c: c.get_task_run(RUN_ID),
        ),
        (
            {"name": "cancel_task_run", "call": "cancel_task_run", "args": {"run_id": RUN_ID}},
            lambda c: c.cancel_task_run(RUN_ID),
        ),
    ]  # fmt: skip


def shape(method: str, raw_path: str, query: list[tuple[str, str]], body: Any) -> dict[str, Any]:
    """What must agree: method, raw path, query names, enum values, body field names."""
    fields = sorted(json.loads(body) if isinstance(body, str | bytes) and body else body or {})
    enums = sorted((name, value) for name, value in query if name in ("type", "status"))
    return {"method": method, "path": raw_path, "query": sorted(name for name, _ in query), "enums": enums,
            "body_fields": fields}  # fmt: skip


async def test_our_requests_match_the_sdks(sdk_bin: Path, emulator: EmulatorProcess) -> None:
    headers = {"Authorization": f"Bearer {EMULATOR_KEY}"}
    tasks = httpx2.get(f"{emulator.url}/v2/tasks", headers=headers, timeout=5).json()["tasks"]
    ids = {task["name"]: task["id"] for task in tasks}
    plan = operations(ids[HALLUCINATION], ids[EXPERIMENT])
    assert any(c in ids[HALLUCINATION] for c in "/+="), "the comparison must cover an id that needs encoding"

    recorded = run_sdk(sdk_bin, "record", [sdk for sdk, _ in plan], emulator.env())
    theirs = {entry["operation"]: entry["requests"] for entry in recorded}

    sent: list[httpx2.Request] = []

    async def remember(request: httpx2.Request) -> None:
        sent.append(request)

    ours: dict[str, list[dict[str, Any]]] = {}
    async with httpx2.AsyncClient(event_hooks={"request": [remember]}, timeout=5) as http:
        client = ArizeClient(http, emulator.url, SecretStr(EMULATOR_KEY))
        for sdk, call in plan:
            sent.clear()
            try:
                await call(client)
            except ArizeError:
                pass  # refused upstream (an unknown run id, a used experiment name): the request is what counts
            ours[sdk["name"]] = [
                shape(r.method, r.url.raw_path.decode().partition("?")[0], parse_qsl(r.url.query.decode()),
                      r.content)
                for r in sent
            ]  # fmt: skip

    for name, requests in theirs.items():
        expected = [shape(r["method"], r["raw_path"], r["query"], r["body"]) for r in requests]
        assert expected, f"the SDK sent nothing for {name}"
        assert ours[name][:1] == expected, name
    assert set(ours) == set(theirs)
    # The comparison covered what matters: an encoded id, enum values, both trigger bodies.
    assert "%2F" in theirs["get_task"][0]["raw_path"] and "%2B" in theirs["get_task"][0]["raw_path"]
    assert ("type", "CODE_EVALUATION") in ours["list_tasks"][0]["enums"]
    assert "query_filter" in ours["trigger run-experiment"][0]["body_fields"]
