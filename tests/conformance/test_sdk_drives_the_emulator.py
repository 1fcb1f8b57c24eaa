"""The official SDK (8.61.0) runs every task operation against `arize-mcp emulator`: the generated
TasksApi and the high-level `client.tasks`, with no validation error, and each server-side rule it
can reach answers with the SDK's typed exception."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from arize_mcp.emulator import (
    BASELINE_EXPERIMENT,
    CODE_EVAL,
    DATA_SPACE,
    DATASET_EVAL,
    EXPERIMENT,
    HALLUCINATION,
    SEED_TASK_NAMES,
)
from tests.conformance.conftest import EMULATOR_KEY, EmulatorProcess, run_sdk


@pytest.fixture(scope="module")
def drive(sdk_bin: Path, emulator: EmulatorProcess) -> dict[str, dict[str, Any]]:
    tasks = httpx2.get(
        f"{emulator.url}/v2/tasks", headers={"Authorization": f"Bearer {EMULATOR_KEY}"}, timeout=5
    ).json()["tasks"]
    space_of = {task["name"]: task["space_id"] for task in tasks}
    given = {
        "names": {
            "hallucination": HALLUCINATION,
            "experiment": EXPERIMENT,
            "dataset_eval": DATASET_EVAL,
            "baseline": BASELINE_EXPERIMENT,
        },
        "space_id": space_of[CODE_EVAL],
        "hallucination_space_id": space_of[HALLUCINATION],
        "space_name_part": DATA_SPACE.split()[1].upper(),  # "PLATFORM": a case-insensitive substring
        "stamp": str(time.time_ns()),
    }
    result = run_sdk(sdk_bin, "drive", given, emulator.env())
    return {step["step"]: step for step in result["steps"]}


def test_every_sdk_step_is_accepted_and_parsed(drive: dict[str, dict[str, Any]]) -> None:
    failed = {name: step.get("error") for name, step in drive.items() if not step["ok"]}
    assert not failed, "\n\n".join(f"{name}: {error}" for name, error in failed.items())
    assert len(drive) >= 50


def test_filters_and_paging_answer_as_documented(drive: dict[str, dict[str, Any]]) -> None:
    assert drive["api.list_tasks name"]["value"] == [HALLUCINATION, CODE_EVAL]
    assert drive["tasks.list name"]["value"] == [HALLUCINATION, CODE_EVAL]
    assert drive["api.list_tasks space_id"]["value"] == [CODE_EVAL]
    assert drive["api.list_tasks space_name"]["value"] == [CODE_EVAL]
    assert drive["tasks.list space name"]["value"] == [CODE_EVAL]
    assert drive["api.list_tasks type=RUN_EXPERIMENT"]["value"] == [EXPERIMENT]
    assert drive["api.list_tasks pages"]["value"] == {"pages": 3, "items": 5, "distinct": 5}
    assert drive["tasks.list pages"]["value"]["distinct"] == len(SEED_TASK_NAMES)


def test_tasks_carry_what_the_sdk_models_hold(drive: dict[str, dict[str, Any]]) -> None:
    experiment = drive[f"api.get_task {EXPERIMENT}"]["value"]
    assert experiment["type"] == "RUN_EXPERIMENT"
    assert experiment["run_configuration"]["experiment_type"] == "LLM_GENERATION"
    trace_task = next(step["value"] for name, step in drive.items() if name == "api.get_task Broken judge")
    assert trace_task["query_filters"]["expression"] == "A AND B"
    assert trace_task["evaluators"][0]["query_mappings"][0]["query_ids"] == ["A"]


def test_runs_go_through_their_lifecycle(drive: dict[str, dict[str, Any]]) -> None:
    assert drive["api.trigger_task_run evaluation"]["value"]["status"] == "PENDING"
    assert drive["tasks.wait_for_run"]["value"]["status"] == "COMPLETED"
    assert drive["api.cancel_task_run"]["value"]["status"] == "CANCELLED"
    assert drive["tasks.cancel_run"]["value"]["status"] == "CANCELLED"
    completed = drive["api.list_task_runs status=PENDING"]["value"]["task_runs"]
    assert all(run["status"] == "PENDING" for run in completed)
    assert drive["api.list_task_runs pages"]["value"]["distinct"] >= 1
