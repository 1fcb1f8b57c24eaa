"""Runs inside the official Arize SDK's own virtual environment (never imported by our tests).

    python sdk_session.py COMMAND   (input: JSON on stdin; output: one JSON document on stdout)

Commands:
  drive     every task operation through the SDK against the endpoint in the environment
            (ARIZE_API_KEY, ARIZE_API_HOST, ARIZE_API_SCHEME, ARIZE_API_PORT): the generated
            TasksApi and the high-level `client.tasks`; each step's outcome is reported
  record    the requests the generated TasksApi sends for the operations given on stdin
  resolve   the base URL the SDK's configuration resolves from each environment given on stdin
  parse     the SDK's required fields of its task models, and whether it reads given payloads
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

STATUSES = ("PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")


def main() -> None:
    command = sys.argv[1]
    given = json.loads(sys.stdin.read() or "null")
    # The SDK logs to stdout; that stream is for the answer alone.
    answer, sys.stdout = sys.stdout, sys.stderr
    result = {"drive": drive, "record": record, "resolve": resolve, "parse": parse}[command](given)
    json.dump(result, answer, default=str)


# -- recording ---------------------------------------------------------------------------------

RECORDED: list[dict[str, Any]] = []


def start_recording() -> None:
    """Wrap the generated client's one HTTP entry point: every request the SDK sends passes it."""
    from arize._generated.api_client import rest

    original = rest.RESTClientObject.request

    def request(self: Any, method: str, url: str, headers: Any = None, body: Any = None, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        RECORDED.append(
            {
                "method": method,
                "raw_path": parts.path,
                "query": parse_qsl(parts.query, keep_blank_values=True),
                "body": body,
            }
        )
        return original(self, method, url, headers=headers, body=body, **kwargs)

    rest.RESTClientObject.request = request


# -- drive ---------------------------------------------------------------------------------------


class Steps:
    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    def ok(self, name: str, call: Callable[[], Any]) -> Any:
        """A step that must succeed and parse."""
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001 - reported, the test asserts on it
            self.results.append({"step": name, "ok": False, "error": _error(exc)})
            return None
        self.results.append({"step": name, "ok": True, "value": _summary(value)})
        return value

    def fails(self, name: str, expected: str, call: Callable[[], Any]) -> None:
        """A step that must fail with the SDK's exception class `expected`."""
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001
            got = type(exc).__name__
            self.results.append({"step": name, "ok": got == expected, "error": _error(exc), "expected": expected})
            return
        self.results.append({"step": name, "ok": False, "error": f"succeeded: {_summary(value)}", "expected": expected})


def drive(given: dict[str, Any]) -> dict[str, Any]:
    from arize import ArizeClient
    from arize._generated import api_client as gen
    from arize.tasks.types import RunStatus, TaskType

    client = ArizeClient()  # configured from the environment, as a user's would be
    tasks = client.tasks
    api = gen.TasksApi(client._gen_client_factory.get_client())  # the generated low-level client the SDK wraps
    steps = Steps()
    names = given["names"]
    stamp = given["stamp"]

    # Low-level: list with each filter and paging, get each task.
    everything = steps.ok("api.list_tasks", lambda: api.list_tasks(limit=100))
    by_name = {task.name: task for task in (everything.tasks if everything else [])}
    hallucination = by_name[names["hallucination"]]
    experiment = by_name[names["experiment"]]
    dataset_eval = by_name[names["dataset_eval"]]
    steps.ok("api.list_tasks name", lambda: _names(api.list_tasks(name="check")))
    steps.ok("api.list_tasks space_id", lambda: _names(api.list_tasks(space_id=given["space_id"])))
    steps.ok("api.list_tasks space_name", lambda: _names(api.list_tasks(space_name=given["space_name_part"])))
    steps.ok("api.list_tasks project_id", lambda: _names(api.list_tasks(project_id=hallucination.project_id)))
    steps.ok("api.list_tasks dataset_id", lambda: _names(api.list_tasks(dataset_id=experiment.dataset_id)))
    for task_type in TaskType:
        steps.ok(f"api.list_tasks type={task_type.value}", lambda t=task_type: _names(api.list_tasks(type=t)))
    steps.ok("api.list_tasks pages", lambda: _all_pages(lambda cursor: api.list_tasks(limit=2, cursor=cursor)))
    for task in by_name.values():
        steps.ok(f"api.get_task {task.name}", lambda t=task: api.get_task(task_id=t.id))

    # Low-level: trigger both kinds (query_filter only exists on the generated request model).
    evaluation = gen.TriggerTaskRunRequest(gen.TriggerEvaluationTaskRunRequest(max_spans=50))
    run = steps.ok(
        "api.trigger_task_run evaluation",
        lambda: api.trigger_task_run(task_id=hallucination.id, trigger_task_run_request=evaluation),
    )
    experiment_body = gen.TriggerTaskRunRequest(
        gen.TriggerRunExperimentTaskRunRequest(
            experiment_name=f"sdk low-level {stamp}",
            max_examples=5,
            query_filter="metadata.topic = 'billing'",
            tracing_metadata={"source": "conformance"},
            evaluation_task_ids=[dataset_eval.id],
        )
    )
    experiment_run = steps.ok(
        "api.trigger_task_run run-experiment",
        lambda: api.trigger_task_run(task_id=experiment.id, trigger_task_run_request=experiment_body),
    )
    if run is not None:
        steps.ok("api.get_task_run", lambda: api.get_task_run(run_id=run.id))
    for status in STATUSES:
        steps.ok(
            f"api.list_task_runs status={status}",
            lambda s=status: api.list_task_runs(task_id=hallucination.id, status=gen.TaskRunStatus(s), limit=100),
        )
    steps.ok("api.list_task_runs pages", lambda: _all_pages(
        lambda cursor: api.list_task_runs(task_id=hallucination.id, limit=1, cursor=cursor), "task_runs"
    ))  # fmt: skip
    if experiment_run is not None:
        steps.ok("api.cancel_task_run", lambda: api.cancel_task_run(run_id=experiment_run.id))

    # Server-side rules reachable through the SDK: each its typed exception.
    missing = "VGFzazo5OTk5OnFSd1g="  # base64 of "Task:9999:qRwX", an id no task has
    steps.fails("api.get_task unknown", "NotFoundException", lambda: api.get_task(task_id=missing))
    steps.fails("api.get_task_run unknown", "NotFoundException", lambda: api.get_task_run(run_id=missing))
    wrong_family = gen.TriggerTaskRunRequest(gen.TriggerEvaluationTaskRunRequest(max_spans=5))
    steps.fails(
        "api.trigger evaluation fields on an experiment task",
        "BadRequestException",
        lambda: api.trigger_task_run(task_id=experiment.id, trigger_task_run_request=wrong_family),
    )
    duplicate = gen.TriggerTaskRunRequest(gen.TriggerRunExperimentTaskRunRequest(experiment_name=names["baseline"]))
    steps.fails(
        "api.trigger duplicate experiment_name",
        "ConflictException",
        lambda: api.trigger_task_run(task_id=experiment.id, trigger_task_run_request=duplicate),
    )
    both = gen.TriggerTaskRunRequest(
        gen.TriggerRunExperimentTaskRunRequest(experiment_name=f"both {stamp}", max_examples=2, example_ids=["x"])
    )
    steps.fails(
        "api.trigger example_ids with max_examples",
        "BadRequestException",
        lambda: api.trigger_task_run(task_id=experiment.id, trigger_task_run_request=both),
    )
    now = datetime.now(UTC)
    too_long = gen.TriggerTaskRunRequest(
        gen.TriggerEvaluationTaskRunRequest(data_start_time=now - timedelta(days=40), data_end_time=now)
    )
    steps.fails(
        "api.trigger a window over 30 days",
        "BadRequestException",
        lambda: api.trigger_task_run(task_id=hallucination.id, trigger_task_run_request=too_long),
    )
    backwards = gen.TriggerTaskRunRequest(
        gen.TriggerEvaluationTaskRunRequest(data_start_time=now, data_end_time=now - timedelta(hours=1))
    )
    steps.fails(
        "api.trigger start after end",
        "BadRequestException",
        lambda: api.trigger_task_run(task_id=hallucination.id, trigger_task_run_request=backwards),
    )
    if experiment_run is not None:
        steps.fails(
            "api.cancel an ended run", "BadRequestException", lambda: api.cancel_task_run(run_id=experiment_run.id)
        )
    bad_key = gen.TasksApi(gen.ApiClient(gen.Configuration(host=client.sdk_config.api_url, access_token="wrong")))
    steps.fails("api.list_tasks with a wrong key", "UnauthorizedException", lambda: bad_key.list_tasks())

    # High-level client.tasks: list with each filter and paging, get, trigger, runs, cancel, wait.
    steps.ok("tasks.list", lambda: _names(tasks.list()))
    steps.ok("tasks.list name", lambda: _names(tasks.list(name="CHECK")))
    steps.ok("tasks.list space id", lambda: _names(tasks.list(space=given["space_id"])))
    steps.ok("tasks.list space name", lambda: _names(tasks.list(space=given["space_name_part"])))
    steps.ok("tasks.list project id", lambda: _names(tasks.list(project=hallucination.project_id)))
    steps.ok("tasks.list dataset id", lambda: _names(tasks.list(dataset=experiment.dataset_id)))
    steps.ok("tasks.list task_type", lambda: _names(tasks.list(task_type=TaskType.RUN_EXPERIMENT)))
    steps.ok("tasks.list pages", lambda: _all_pages(lambda cursor: tasks.list(limit=2, cursor=cursor)))
    steps.ok("tasks.get by id", lambda: tasks.get(task=experiment.id))
    steps.ok("tasks.get by name", lambda: tasks.get(task=names["hallucination"], space=given["hallucination_space_id"]))
    high_run = steps.ok("tasks.trigger_run evaluation", lambda: tasks.trigger_run(task=hallucination.id, max_spans=20))
    high_experiment = steps.ok(
        "tasks.trigger_run run-experiment",
        lambda: tasks.trigger_run(task=experiment.id, experiment_name=f"sdk high-level {stamp}", max_examples=3),
    )
    if high_experiment is not None:
        steps.ok("tasks.cancel_run", lambda: tasks.cancel_run(run_id=high_experiment.id))
    if high_run is not None:
        steps.ok("tasks.get_run", lambda: tasks.get_run(run_id=high_run.id))
        steps.ok("tasks.wait_for_run", lambda: tasks.wait_for_run(run_id=high_run.id, poll_interval=0.2, timeout=60))
    for status in RunStatus:
        steps.ok(
            f"tasks.list_runs status={status.value}", lambda s=status: tasks.list_runs(task=hallucination.id, status=s)
        )
    return {"steps": steps.results}


def _names(page: Any) -> list[str]:
    return [task.name for task in page.tasks]


def _all_pages(fetch: Callable[[str | None], Any], items: str = "tasks") -> dict[str, Any]:
    cursor, seen, pages = None, [], 0
    while pages < 50:
        page = fetch(cursor)
        pages += 1
        seen.extend(item.id for item in getattr(page, items))
        if not (page.pagination and page.pagination.has_more):
            break
        cursor = page.pagination.next_cursor
    return {"pages": pages, "items": len(seen), "distinct": len(set(seen))}


def _summary(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000] + "\n" + "".join(traceback.format_exception(exc))[-3000:]


# -- record ----------------------------------------------------------------------------------------


def record(operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each operation through the generated TasksApi, and the request it sent."""
    from arize import ArizeClient
    from arize._generated import api_client as gen

    start_recording()
    api = gen.TasksApi(ArizeClient()._gen_client_factory.get_client())
    sent = []
    for operation in operations:
        RECORDED.clear()
        call, args = operation["call"], dict(operation["args"])
        if "status" in args:
            args["status"] = gen.TaskRunStatus(args["status"])
        if "type" in args:
            args["type"] = gen.TaskType(args["type"])
        if "trigger" in args:
            model = (
                gen.TriggerRunExperimentTaskRunRequest
                if args.pop("experiment")
                else gen.TriggerEvaluationTaskRunRequest
            )
            args["trigger_task_run_request"] = gen.TriggerTaskRunRequest(model.from_dict(args.pop("trigger")))
        try:
            getattr(api, call)(**args)
            error = None
        except Exception as exc:  # noqa: BLE001 - a refused request was still sent and recorded
            error = _error(exc)
        sent.append({"operation": operation["name"], "requests": list(RECORDED), "error": error})
    return sent


# -- resolve --------------------------------------------------------------------------------------


def resolve(environments: list[dict[str, str]]) -> list[dict[str, str | None]]:
    from arize.config import SDKConfiguration

    answers = []
    for env in environments:
        for name in [name for name in os.environ if name.startswith("ARIZE_")]:
            del os.environ[name]
        os.environ.update({"ARIZE_API_KEY": "resolve-only", **env})
        try:
            answers.append({"url": SDKConfiguration().api_url, "error": None})
        except Exception as exc:  # noqa: BLE001
            answers.append({"url": None, "error": type(exc).__name__})
    return answers


# -- parse -----------------------------------------------------------------------------------------


def parse(payloads: dict[str, Any]) -> dict[str, Any]:
    from arize._generated.api_client import models

    names = ("Task", "TaskRun", "ListTasksResponse", "ListTaskRunsResponse", "PaginationMetadata", "TaskEvaluator")
    required = {
        name: sorted(field for field, info in getattr(models, name).model_fields.items() if info.is_required())
        for name in names
    }
    readable = {}
    for label, (model, payload) in payloads.items():
        try:
            getattr(models, model).from_dict(payload)
            readable[label] = None
        except Exception as exc:  # noqa: BLE001
            readable[label] = _error(exc)
    return {"required": required, "readable": readable}


if __name__ == "__main__":
    main()
