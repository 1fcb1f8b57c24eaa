"""The emulator over real HTTP: every documented rule with its status code and problem title.

Most tests drive time with a fake clock, so run lifecycles are exact; one test lets a short run
finish in real time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx2
import pytest

from arize_mcp.api.models import Task, TaskRun
from arize_mcp.emulator import (
    BASELINE_EXPERIMENT,
    CODE_EVAL,
    DATA_SPACE,
    DATASET_EVAL,
    EXPERIMENT,
    FAILING,
    FAILING_REASON,
    HALLUCINATION,
    SEED_TASK_NAMES,
    SUPPORT_SPACE,
    Emulator,
    EmulatorConfig,
    EmulatorServer,
)

KEY = "emulator-test-key"
READ_ONLY_KEY = "emulator-read-only-key"
START = datetime(2026, 3, 7, 10, 30, tzinfo=UTC)
RUN_SECONDS = 10.0  # with the fake clock; pending for the first 1.5 s
BAD = "Invalid request parameters"
NOT_FOUND = "Resource not found"
WIRE_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def seg(value: str) -> str:
    return quote(value, safe="")


@dataclass
class Api:
    emulator: Emulator
    http: httpx2.Client
    clock: FakeClock

    def task_id(self, name: str) -> str:
        return self.emulator.task_id(name)

    def task(self, name: str) -> dict[str, Any]:
        return self.http.get(f"/v2/tasks/{seg(self.task_id(name))}").json()

    def trigger(self, name: str, body: Any = None, **kwargs: Any) -> httpx2.Response:
        payload = {} if body is None else body
        return self.http.post(f"/v2/tasks/{seg(self.task_id(name))}/trigger", json=payload, **kwargs)

    def triggered(self, name: str, body: Any = None) -> dict[str, Any]:
        response = self.trigger(name, body)
        assert response.status_code == 201, response.text
        return response.json()

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v2/task-runs/{seg(run_id)}")
        assert response.status_code == 200, response.text
        return response.json()

    def cancel(self, run_id: str) -> httpx2.Response:
        return self.http.post(f"/v2/task-runs/{seg(run_id)}/cancel")

    def finish(self, run_id: str) -> dict[str, Any]:
        self.clock.advance(self.emulator.config.run_seconds)
        return self.run(run_id)


@pytest.fixture
def make_api() -> Iterator[Any]:
    servers: list[EmulatorServer] = []
    clients: list[httpx2.Client] = []

    def make(real_time: bool = False, **config: Any) -> Api:
        clock = FakeClock()
        settings: dict[str, Any] = {
            "api_keys": frozenset({KEY}),
            "read_only_keys": frozenset({READ_ONLY_KEY}),
            "run_seconds": RUN_SECONDS,
            **config,
        }
        emulator = Emulator(EmulatorConfig(**settings), clock=None if real_time else clock)
        server = EmulatorServer(emulator).start()
        servers.append(server)
        http = httpx2.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
        clients.append(http)
        return Api(emulator, http, clock)

    yield make
    for http in clients:
        http.close()
    for server in servers:
        server.stop()


@pytest.fixture
def api(make_api: Any) -> Api:
    return make_api()


def assert_problem(response: httpx2.Response, status: int, title: str, *details: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    slug = title.lower().replace(" ", "-")
    assert body["status"] == status and body["title"] == title
    assert body["type"] == f"https://arize.com/docs/ax/rest-reference/errors#{slug}"
    assert body["instance"] == response.request.url.raw_path.decode().partition("?")[0]
    for text in details:
        assert text in body["detail"], (text, body["detail"])
    return body


# -- authentication, permissions, rate limits ---------------------------------------------------


def test_missing_or_wrong_key_is_401_before_routing(api: Api) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {KEY}"}):
        for path in ("/v2/tasks", "/v2/no-such-route"):
            response = api.http.get(path, headers=headers)
            body = assert_problem(response, 401, "Authentication required")
            assert response.headers["www-authenticate"] == "Bearer"
            assert "wrong-key" not in body["detail"]
    assert all(not r.authorized for r in api.emulator.requests)


def test_read_only_key_reads_but_gets_403_on_writes(api: Api) -> None:
    run = api.triggered(HALLUCINATION)
    read_only = {"Authorization": f"Bearer {READ_ONLY_KEY}"}
    assert api.http.get("/v2/tasks", headers=read_only).status_code == 200
    assert_problem(api.trigger(CODE_EVAL, headers=read_only), 403, "Access forbidden", "permission")
    response = api.http.post(f"/v2/task-runs/{seg(run['id'])}/cancel", headers=read_only)
    assert_problem(response, 403, "Access forbidden")
    assert len(api.emulator.runs(api.task_id(HALLUCINATION))) == 1
    assert api.run(run["id"])["status"] == "PENDING"


def test_rate_limit_is_per_key_with_retry_after(make_api: Any) -> None:
    # One request per 100 s: the second request of a key is over the limit however slow the machine.
    api = make_api(rate_limit_per_second=0.01)
    assert api.http.get("/v2/tasks").status_code == 200
    limited = api.http.get("/v2/tasks")
    assert_problem(limited, 429, "Rate limit exceeded")
    assert 1 <= int(limited.headers["retry-after"]) <= 100
    other_key = api.http.get("/v2/tasks", headers={"Authorization": f"Bearer {READ_ONLY_KEY}"})
    assert other_key.status_code == 200


# -- wire format --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lowercase", "status", "task_type"),
    [(False, "PENDING", "TEMPLATE_EVALUATION"), (True, "pending", "template_evaluation")],
)
def test_enums_are_uppercase_unless_the_robustness_mode_asks(
    make_api: Any, lowercase: bool, status: str, task_type: str
) -> None:
    api = make_api(robustness_lowercase_enums=lowercase)
    assert api.task(HALLUCINATION)["type"] == task_type
    assert api.triggered(HALLUCINATION)["status"] == status


def test_responses_match_the_wire_models_with_one_extra_field(api: Api) -> None:
    task = api.task(HALLUCINATION)
    assert task["organization_id"] and "organization_id" not in Task.model_fields
    Task.model_validate(task)
    run = api.triggered(HALLUCINATION)
    assert run["space_id"] == task["space_id"] and "space_id" not in TaskRun.model_fields
    assert set(run) - {"space_id"} == set(TaskRun.model_fields)
    TaskRun.model_validate(run)
    assert run["created_at"] == "2026-03-07T10:30:00.000Z"
    assert run["created_by_user_id"] == "VXNlcjoxOm5OYkM="
    for value in (run["data_start_time"], run["data_end_time"], task["last_run_at"], task["created_at"]):
        assert WIRE_DATETIME.match(value), value


# -- routing on the raw path --------------------------------------------------------------------


def test_ids_are_routed_per_raw_segment(api: Api) -> None:
    task_id = api.task_id(HALLUCINATION)
    assert "/" in task_id and ("+" in task_id or "=" in task_id)
    assert api.http.get(f"/v2/tasks/{seg(task_id)}").json()["id"] == task_id
    assert_problem(api.http.get(f"/v2/tasks/{task_id}"), 404, NOT_FOUND)
    run_id = api.triggered(HALLUCINATION)["id"]
    assert "/" in run_id and api.run(run_id)["id"] == run_id

    response = api.http.post("/v2/tasks/abc%2Fdef/trigger", json={})
    assert_problem(response, 404, NOT_FOUND, "'abc/def'")
    assert api.emulator.recorded()[-1].route == "trigger"
    assert api.emulator.recorded()[-1].raw_path == "/v2/tasks/abc%2Fdef/trigger"


def test_unknown_path_is_404_and_wrong_method_is_405(api: Api) -> None:
    assert_problem(api.http.get("/v2/projects"), 404, NOT_FOUND, "/v2/projects")
    assert_problem(api.http.get("/v2/tasks/"), 404, NOT_FOUND)
    wrong = api.http.delete(f"/v2/tasks/{seg(api.task_id(HALLUCINATION))}")
    assert_problem(wrong, 405, "Method Not Allowed")
    assert wrong.headers["allow"] == "GET"
    assert api.http.get("/v2/task-runs/x/cancel").headers["allow"] == "POST"
    assert [r.route for r in api.emulator.requests] == [None, None, None, None]


# -- listing tasks ------------------------------------------------------------------------------


def names(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [task["name"] for task in response.json()["tasks"]]


def test_list_tasks_filters(api: Api) -> None:
    get = api.http.get
    assert names(get("/v2/tasks")) == list(SEED_TASK_NAMES)
    assert names(get("/v2/tasks", params={"name": "HALLUCINATION"})) == [HALLUCINATION]
    assert names(get("/v2/tasks", params={"space_name": DATA_SPACE})) == [CODE_EVAL]
    support_id = api.task(HALLUCINATION)["space_id"]
    assert CODE_EVAL not in names(get("/v2/tasks", params={"space_id": support_id}))
    assert names(get("/v2/tasks", params={"type": "Run_Experiment"})) == [EXPERIMENT]
    assert names(get("/v2/tasks", params={"type": "code_evaluation", "space_name": SUPPORT_SPACE})) == []
    project_id = api.task(HALLUCINATION)["project_id"]
    assert names(get("/v2/tasks", params={"project_id": project_id})) == [HALLUCINATION, FAILING]
    dataset_id = api.task(EXPERIMENT)["dataset_id"]
    assert names(get("/v2/tasks", params={"dataset_id": dataset_id})) == [EXPERIMENT]
    assert_problem(get("/v2/tasks", params={"type": "evaluation"}), 400, BAD, "type")
    # space_name is a case-insensitive substring; matching no space is an empty page.
    assert names(get("/v2/tasks", params={"space_name": "PLATFORM"})) == [CODE_EVAL]
    assert names(get("/v2/tasks", params={"space_name": "Nope"})) == []


def test_list_tasks_paginates_with_an_opaque_cursor(api: Api) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    for _ in range(5):
        body = api.http.get("/v2/tasks", params=params).json()
        seen += [task["name"] for task in body["tasks"]]
        if not body["pagination"]["has_more"]:
            assert "next_cursor" not in body["pagination"]
            break
        params["cursor"] = body["pagination"]["next_cursor"]
    assert seen == list(SEED_TASK_NAMES)
    for limit in ("0", "101", "ten", ""):
        assert_problem(api.http.get("/v2/tasks", params={"limit": limit}), 400, BAD, "limit")
    assert_problem(api.http.get("/v2/tasks", params={"cursor": "not a cursor"}), 400, BAD, "cursor")


def test_get_task_404_names_the_id(api: Api) -> None:
    assert_problem(api.http.get("/v2/tasks/VGFzazo5OTk="), 404, NOT_FOUND, "'VGFzazo5OTk='")


# -- trigger body ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "body", "details"),
    [
        (HALLUCINATION, "not json", ["not valid JSON"]),
        (HALLUCINATION, [1, 2], ["JSON object"]),
        (HALLUCINATION, {"max_span": 5, "foo": 1}, ["foo, max_span"]),
        (HALLUCINATION, {"experiment_name": "x", "max_spans": 3}, ["experiment_name", "template_evaluation"]),
        (EXPERIMENT, {"experiment_name": "x", "max_spans": 3}, ["max_spans", "run_experiment"]),
        (HALLUCINATION, {"max_spans": 0}, ["max_spans must be an integer >= 1"]),
        (HALLUCINATION, {"max_spans": "10"}, ["max_spans"]),
        (HALLUCINATION, {"max_spans": True}, ["max_spans"]),
        (HALLUCINATION, {"data_start_time": "yesterday"}, ["data_start_time must be an ISO 8601"]),
        (HALLUCINATION, {"override_evaluations": "yes"}, ["override_evaluations must be a boolean"]),
        (DATASET_EVAL, {"experiment_ids": "abc"}, ["experiment_ids must be a list"]),
        (EXPERIMENT, {"experiment_name": "x", "tracing_metadata": {"a": 1}}, ["tracing_metadata"]),
        (EXPERIMENT, {"experiment_name": "x", "max_examples": 0}, ["max_examples"]),
        (EXPERIMENT, {"experiment_name": ""}, ["experiment_name must be 1-255 characters"]),
        (EXPERIMENT, {"experiment_name": "x" * 256}, ["experiment_name must be 1-255 characters"]),
        (EXPERIMENT, {"experiment_name": 'say "hi"'}, ["without double quotes"]),
        (EXPERIMENT, {"experiment_name": "a\\b"}, ["backslashes"]),
        (HALLUCINATION, {"query_filter": "x = 1"}, ["query_filter", "template_evaluation"]),
    ],
)
def test_malformed_trigger_bodies_are_400(api: Api, task: str, body: Any, details: list[str]) -> None:
    if isinstance(body, str):
        response = api.http.post(f"/v2/tasks/{seg(api.task_id(task))}/trigger", content=body)
    else:
        response = api.trigger(task, body)
    assert_problem(response, 400, BAD, *details)
    assert api.emulator.runs(api.task_id(task)) == []


def test_empty_body_and_nulls_mean_defaults(api: Api) -> None:
    empty = api.http.post(f"/v2/tasks/{seg(api.task_id(HALLUCINATION))}/trigger")
    assert empty.status_code == 201, empty.text
    api.clock.advance(60)
    assert api.trigger(HALLUCINATION, {"max_spans": None, "data_end_time": None}).status_code == 201


# -- project-based evaluation ---------------------------------------------------------------------


def test_first_run_needs_a_start_then_defaults_to_last_run(api: Api) -> None:
    assert api.task(CODE_EVAL)["last_run_at"] is None
    assert_problem(api.trigger(CODE_EVAL), 400, BAD, "data_start_time is required")
    first = api.triggered(CODE_EVAL, {"data_start_time": "2026-03-07T08:30:00"})  # naive = UTC
    assert first["data_start_time"] == "2026-03-07T08:30:00.000Z"
    assert first["data_end_time"] == "2026-03-07T10:30:00.000Z"  # defaults to now
    assert api.task(CODE_EVAL)["last_run_at"] == first["data_end_time"]
    api.clock.advance(3600)
    second = api.triggered(CODE_EVAL)
    assert second["data_start_time"] == first["data_end_time"]
    assert second["data_end_time"] == "2026-03-07T11:30:00.000Z"


def test_seeded_task_has_run_before_so_empty_body_works(api: Api) -> None:
    run = api.triggered(HALLUCINATION)
    assert run["data_start_time"] == "2026-03-07T08:30:00.000Z"
    assert run["data_end_time"] == "2026-03-07T10:30:00.000Z"


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"data_start_time": "2026-03-07T10:00:00Z", "data_end_time": "2026-03-07T09:00:00Z"}, ["must be before"]),
        ({"data_start_time": "2026-03-07T10:30:00Z"}, ["must be before"]),  # the default end is now
        ({"data_start_time": "2026-02-01T00:00:00Z"}, ["at most 30 days"]),
        ({"experiment_ids": ["RXhwZXJpbWVudDox"]}, ["dataset-based"]),
    ],
)
def test_project_window_rules(api: Api, body: dict[str, Any], details: list[str]) -> None:
    assert_problem(api.trigger(HALLUCINATION, body), 400, BAD, *details)


def test_project_totals_follow_the_window_and_max_spans(api: Api) -> None:
    two_hours = api.finish(api.triggered(HALLUCINATION)["id"])
    assert two_hours["status"] == "COMPLETED"
    assert (two_hours["num_successes"], two_hours["num_errors"], two_hours["num_skipped"]) == (118, 1, 1)
    window = {"data_start_time": "2026-02-10T00:00:00Z", "data_end_time": "2026-03-07T00:00:00Z"}
    capped = api.finish(api.triggered(HALLUCINATION, window)["id"])
    assert capped["num_successes"] + capped["num_errors"] + capped["num_skipped"] == 10_000
    limited = api.finish(api.triggered(HALLUCINATION, {**window, "max_spans": 7, "override_evaluations": True})["id"])
    assert limited["num_successes"] + limited["num_errors"] + limited["num_skipped"] == 7


# -- dataset-based evaluation ---------------------------------------------------------------------


def test_dataset_evaluation_rules_and_totals(api: Api) -> None:
    assert_problem(
        api.trigger(DATASET_EVAL, {"data_start_time": "2026-03-07T00:00:00Z"}),
        400,
        BAD,
        "data_start_time",
        "not applicable",
    )
    unknown = {"experiment_ids": ["RXhwZXJpbWVudDo5"]}
    assert_problem(api.trigger(DATASET_EVAL, unknown), 404, NOT_FOUND, "RXhwZXJpbWVudDo5")
    assert_problem(api.trigger(DATASET_EVAL, {"experiment_ids": []}), 400, BAD)
    run = api.finish(api.triggered(DATASET_EVAL)["id"])
    assert run["data_start_time"] is None and run["data_end_time"] is None
    assert run["num_successes"] + run["num_errors"] + run["num_skipped"] == 50  # 2 experiments x 25
    experiments = api.emulator.experiment_ids(api.task(DATASET_EVAL)["dataset_id"])
    third = experiments["gpt-4o-mini answers"]
    assert third not in api.task(DATASET_EVAL)["experiment_ids"]
    one = api.finish(api.triggered(DATASET_EVAL, {"experiment_ids": [third]})["id"])
    assert one["status"] == "COMPLETED" and one["num_successes"] + one["num_errors"] + one["num_skipped"] == 25


# -- run experiment -----------------------------------------------------------------------------


def test_experiment_trigger_rules(api: Api) -> None:
    assert_problem(api.trigger(EXPERIMENT), 400, BAD, "experiment_name is required")
    duplicate = {"experiment_name": BASELINE_EXPERIMENT}
    assert_problem(api.trigger(EXPERIMENT, duplicate), 409, "Resource conflict", "'baseline'")
    versions = api.emulator.dataset_versions(api.task(EXPERIMENT)["dataset_id"])
    old_version, latest = list(versions)
    examples = versions[latest]
    both = {"experiment_name": "x", "example_ids": list(examples[:2]), "max_examples": 2}
    assert_problem(api.trigger(EXPERIMENT, both), 400, BAD, "mutually exclusive")
    unknown_example = {"experiment_name": "x", "example_ids": [examples[0], "nope"]}
    assert_problem(api.trigger(EXPERIMENT, unknown_example), 404, NOT_FOUND, "'nope'")
    not_in_old = {"experiment_name": "x", "dataset_version_id": old_version, "example_ids": [examples[-1]]}
    assert_problem(api.trigger(EXPERIMENT, not_in_old), 404, NOT_FOUND)
    unknown_version = {"experiment_name": "x", "dataset_version_id": "v9"}
    assert_problem(api.trigger(EXPERIMENT, unknown_version), 404, NOT_FOUND, "'v9'")
    unknown_task = {"experiment_name": "x", "evaluation_task_ids": ["nope"]}
    assert_problem(api.trigger(EXPERIMENT, unknown_task), 404, NOT_FOUND, "'nope'")
    an_experiment_task = {"experiment_name": "x", "evaluation_task_ids": [api.task_id(EXPERIMENT)]}
    assert_problem(api.trigger(EXPERIMENT, an_experiment_task), 400, BAD, "evaluation tasks")
    assert api.emulator.runs(api.task_id(EXPERIMENT)) == []


def test_experiment_totals_follow_the_selected_examples(api: Api) -> None:
    versions = api.emulator.dataset_versions(api.task(EXPERIMENT)["dataset_id"])
    old_version, latest = list(versions)
    selections: list[tuple[dict[str, Any], int]] = [
        ({}, 40),
        ({"max_examples": 5}, 5),
        ({"max_examples": 500}, 40),
        ({"dataset_version_id": old_version}, 32),
        ({"example_ids": list(versions[latest][:3])}, 3),
    ]
    for number, (selection, total) in enumerate(selections):
        body = {"experiment_name": f"prompt-v2-{number}", "tracing_metadata": {"team": "qa"}, **selection}
        run = api.finish(api.triggered(EXPERIMENT, body)["id"])
        assert run["num_successes"] + run["num_errors"] + run["num_skipped"] == total, selection


def test_experiment_is_provisioned_when_running_and_its_name_taken(api: Api) -> None:
    body = {"experiment_name": "prompt-v2", "evaluation_task_ids": [api.task_id(DATASET_EVAL)]}
    run = api.triggered(EXPERIMENT, body)
    assert run["experiment_id"] is None and run["data_start_time"] is None and run["data_end_time"] is None
    assert_problem(api.trigger(EXPERIMENT, body), 409, "Resource conflict", "prompt-v2")
    api.clock.advance(RUN_SECONDS / 2)
    running = api.run(run["id"])
    assert running["status"] == "RUNNING" and running["experiment_id"]
    assert api.emulator.experiment_ids(api.task(EXPERIMENT)["dataset_id"])["prompt-v2"] == running["experiment_id"]


def test_name_of_an_experiment_cancelled_before_it_started_is_free(api: Api) -> None:
    body = {"experiment_name": "prompt-v3"}
    assert api.cancel(api.triggered(EXPERIMENT, body)["id"]).status_code == 200
    assert api.trigger(EXPERIMENT, body).status_code == 201


# -- lifecycle ---------------------------------------------------------------------------------


def test_lifecycle_pending_running_completed_with_growing_counts(api: Api) -> None:
    run = api.triggered(HALLUCINATION)
    assert (run["status"], run["run_started_at"], run["num_successes"]) == ("PENDING", None, 0)
    api.clock.advance(1.0)
    assert api.run(run["id"])["status"] == "PENDING"
    api.clock.advance(2.0)
    early = api.run(run["id"])
    api.clock.advance(4.0)
    late = api.run(run["id"])
    assert early["status"] == late["status"] == "RUNNING"
    assert early["run_started_at"] == "2026-03-07T10:30:01.500Z" and early["run_finished_at"] is None
    assert 0 < early["num_successes"] < late["num_successes"] < 118
    api.clock.advance(3.0)
    done = api.run(run["id"])
    assert done["status"] == "COMPLETED" and done["run_finished_at"] == "2026-03-07T10:30:10.000Z"
    assert done["num_successes"] == 118 and done["failure_reason"] is None
    assert [r.status for r in api.emulator.runs(api.task_id(HALLUCINATION))] == ["completed"]


def test_run_completes_in_real_time(make_api: Any) -> None:
    api = make_api(real_time=True, run_seconds=0.3)
    run = api.triggered(HALLUCINATION)
    order = ["PENDING", "RUNNING", "COMPLETED"]
    seen = [run["status"]]
    deadline = time.monotonic() + 5
    while seen[-1] != "COMPLETED":
        assert time.monotonic() < deadline, seen
        time.sleep(0.02)
        seen.append(api.run(run["id"])["status"])
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)


def test_failing_task_runs_then_fails_with_partial_counts(api: Api) -> None:
    run = api.triggered(FAILING)
    api.clock.advance(RUN_SECONDS / 2)
    assert api.run(run["id"])["status"] == "RUNNING"
    failed = api.finish(run["id"])
    assert failed["status"] == "FAILED" and failed["failure_reason"] == FAILING_REASON
    processed = failed["num_successes"] + failed["num_errors"] + failed["num_skipped"]
    assert 0 < processed < 120 and failed["num_errors"] > 0 and failed["run_finished_at"]


def test_already_labelled_window_is_cancelled_unless_overridden(api: Api) -> None:
    window = {"data_start_time": "2026-03-07T06:00:00Z", "data_end_time": "2026-03-07T09:00:00Z"}
    assert api.finish(api.triggered(HALLUCINATION, window)["id"])["status"] == "COMPLETED"
    later = {"data_start_time": "2026-03-07T09:00:00Z", "data_end_time": "2026-03-07T10:00:00Z"}
    assert api.finish(api.triggered(HALLUCINATION, later)["id"])["status"] == "COMPLETED"

    inside = {"data_start_time": "2026-03-07T07:00:00Z", "data_end_time": "2026-03-07T09:30:00Z"}
    again = api.triggered(HALLUCINATION, inside)
    assert again["status"] == "PENDING"
    cancelled = api.finish(again["id"])
    assert cancelled["status"] == "CANCELLED"
    assert (cancelled["num_successes"], cancelled["num_errors"], cancelled["num_skipped"]) == (0, 0, 0)
    assert "already have evaluation labels" in cancelled["failure_reason"]
    assert "override_evaluations=true" in cancelled["failure_reason"]

    beyond = {"data_start_time": "2026-03-07T07:00:00Z", "data_end_time": "2026-03-07T10:15:00Z"}
    assert api.finish(api.triggered(HALLUCINATION, beyond)["id"])["status"] == "COMPLETED"
    overridden = api.triggered(HALLUCINATION, {**inside, "override_evaluations": True})
    assert api.finish(overridden["id"])["status"] == "COMPLETED"


def test_a_window_that_adds_no_new_span_is_already_labelled(api: Api) -> None:
    # Spans arrive once a minute, on the minute: shifting a window by seconds adds none.
    window = {"data_start_time": "2026-03-07T06:00:00Z", "data_end_time": "2026-03-07T09:00:30Z"}
    assert api.finish(api.triggered(HALLUCINATION, window)["id"])["status"] == "COMPLETED"
    shifted = {"data_start_time": "2026-03-07T06:00:05Z", "data_end_time": "2026-03-07T09:00:50Z"}
    assert api.finish(api.triggered(HALLUCINATION, shifted)["id"])["status"] == "CANCELLED"
    next_minute = {"data_start_time": "2026-03-07T06:00:05Z", "data_end_time": "2026-03-07T09:01:00.001Z"}
    grown = api.finish(api.triggered(HALLUCINATION, next_minute)["id"])
    assert grown["status"] == "COMPLETED"


def test_windows_of_failed_or_cancelled_runs_are_not_labelled(api: Api) -> None:
    window = {"data_start_time": "2026-03-07T06:00:00Z", "data_end_time": "2026-03-07T09:00:00Z"}
    assert api.cancel(api.triggered(HALLUCINATION, window)["id"]).status_code == 200
    assert api.finish(api.triggered(HALLUCINATION, window)["id"])["status"] == "COMPLETED"
    api.finish(api.triggered(FAILING, window)["id"])
    assert api.finish(api.triggered(FAILING, window)["id"])["status"] == "FAILED"


def test_already_evaluated_experiments_are_cancelled(api: Api) -> None:
    assert api.finish(api.triggered(DATASET_EVAL)["id"])["status"] == "COMPLETED"
    repeat = api.finish(api.triggered(DATASET_EVAL)["id"])
    assert repeat["status"] == "CANCELLED" and "override_evaluations=true" in repeat["failure_reason"]
    assert api.finish(api.triggered(DATASET_EVAL, {"override_evaluations": True})["id"])["status"] == "COMPLETED"


# -- cancel and read runs ------------------------------------------------------------------------


def test_cancel_freezes_a_running_run_and_only_once(api: Api) -> None:
    run = api.triggered(HALLUCINATION)
    api.clock.advance(5.0)
    response = api.cancel(run["id"])
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "CANCELLED" and cancelled["failure_reason"] == "Cancelled by user"
    assert cancelled["run_finished_at"] == "2026-03-07T10:30:05.000Z" and cancelled["num_successes"] > 0
    api.clock.advance(60)
    assert api.run(run["id"]) == cancelled
    assert_problem(api.cancel(run["id"]), 400, BAD, "is cancelled")


def test_cancel_pending_and_rules_for_finished_or_unknown_runs(api: Api) -> None:
    pending = api.cancel(api.triggered(HALLUCINATION)["id"]).json()
    assert pending["status"] == "CANCELLED" and pending["run_started_at"] is None
    api.clock.advance(60)
    done = api.finish(api.triggered(HALLUCINATION)["id"])
    assert_problem(api.cancel(done["id"]), 400, BAD, "is completed")
    assert_problem(api.cancel("VGFza1J1bjo5OTk="), 404, NOT_FOUND, "VGFza1J1bjo5OTk=")
    assert_problem(api.http.get("/v2/task-runs/VGFza1J1bjo5OTk="), 404, NOT_FOUND, "VGFza1J1bjo5OTk=")


def test_list_runs_newest_first_with_status_filter_and_pages(api: Api) -> None:
    task_path = f"/v2/tasks/{seg(api.task_id(HALLUCINATION))}/runs"
    ids = []
    for _ in range(3):
        ids.append(api.triggered(HALLUCINATION)["id"])
        api.clock.advance(RUN_SECONDS)
    ids.append(api.triggered(HALLUCINATION)["id"])
    body = api.http.get(task_path).json()
    assert [run["id"] for run in body["task_runs"]] == ids[::-1]
    assert body["pagination"] == {"has_more": False}
    completed = api.http.get(task_path, params={"status": "Completed"}).json()["task_runs"]
    assert [run["id"] for run in completed] == ids[2::-1]
    first = api.http.get(task_path, params={"limit": 3}).json()
    assert first["pagination"]["has_more"] is True
    rest = api.http.get(task_path, params={"limit": 3, "cursor": first["pagination"]["next_cursor"]}).json()
    assert [run["id"] for run in first["task_runs"] + rest["task_runs"]] == ids[::-1]
    assert_problem(api.http.get(task_path, params={"status": "done"}), 400, BAD, "status")
    assert_problem(api.http.get(task_path, params={"limit": 0}), 400, BAD, "limit")
    assert_problem(api.http.get("/v2/tasks/nope/runs"), 404, NOT_FOUND, "'nope'")


# -- faults ----------------------------------------------------------------------------------


def test_fault_before_handling_affects_the_next_requests_only(api: Api) -> None:
    api.emulator.faults.inject(route="list_tasks", status=503, times=2)
    assert api.emulator.faults.remaining("list_tasks") == 2
    assert_problem(api.http.get("/v2/tasks"), 503, "Service Unavailable")
    assert api.http.get(f"/v2/tasks/{seg(api.task_id(HALLUCINATION))}").status_code == 200
    assert_problem(api.http.get("/v2/tasks"), 503, "Service Unavailable")
    assert api.http.get("/v2/tasks").status_code == 200
    assert [r.status for r in api.emulator.recorded(route="list_tasks")] == [503, 503, 200]
    api.emulator.faults.inject(route="trigger", status=500)
    assert_problem(api.trigger(HALLUCINATION), 500, "Internal Server Error")
    assert api.emulator.runs(api.task_id(HALLUCINATION)) == []


def test_fault_after_handling_keeps_the_work(api: Api) -> None:
    api.emulator.faults.inject(route="trigger", status=502, after_handling=True, retry_after=7)
    response = api.trigger(HALLUCINATION)
    assert_problem(response, 502, "Bad Gateway")
    assert response.headers["retry-after"] == "7"
    assert len(api.emulator.runs(api.task_id(HALLUCINATION))) == 1


def test_429_fault_carries_retry_after(make_api: Any) -> None:
    api = make_api(retry_after_seconds=4)
    api.emulator.faults.inject(route="get_run", status=429, times=2)
    api.emulator.faults.inject(route="get_run", status=429, retry_after=0)
    for expected in ("4", "4", "0"):
        response = api.http.get("/v2/task-runs/any")
        assert_problem(response, 429, "Rate limit exceeded")
        assert response.headers["retry-after"] == expected
    assert api.emulator.faults.remaining() == 0


def test_dropped_connection_is_a_protocol_error(api: Api) -> None:
    api.emulator.faults.inject(route="get_task", status=200, drop_connection=True)
    with pytest.raises(httpx2.RemoteProtocolError):
        api.http.get(f"/v2/tasks/{seg(api.task_id(HALLUCINATION))}")
    api.emulator.faults.inject(route="trigger", status=500, after_handling=True, drop_connection=True)
    with pytest.raises(httpx2.RemoteProtocolError):
        api.trigger(HALLUCINATION)
    assert len(api.emulator.runs(api.task_id(HALLUCINATION))) == 1
    assert [r.status for r in api.emulator.requests] == [200, 500]


def test_delay_without_error_makes_a_slow_server(api: Api) -> None:
    api.emulator.faults.inject(route="trigger", status=201, after_handling=True, delay=1.0)
    with pytest.raises(httpx2.ReadTimeout):
        api.trigger(HALLUCINATION, timeout=0.1)
    # The request is logged on arrival and the run exists though no response was sent yet.
    assert [r.status for r in api.emulator.recorded(route="trigger")] == [0]
    assert len(api.emulator.runs(api.task_id(HALLUCINATION))) == 1


def test_faults_validate_and_clear(api: Api) -> None:
    with pytest.raises(ValueError):
        api.emulator.faults.inject(route="delete_task", status=500)
    with pytest.raises(ValueError):
        api.emulator.faults.inject(route="get_run", status=599)
    api.emulator.faults.inject(route="get_run", status=500, times=3)
    api.emulator.faults.clear()
    assert api.emulator.faults.remaining() == 0


# -- setup -----------------------------------------------------------------------------------


def test_unseeded_emulator_with_added_task(make_api: Any) -> None:
    api = make_api(seed=False)
    assert api.http.get("/v2/tasks").json() == {"tasks": [], "pagination": {"has_more": False}}
    task_id = api.emulator.add_task("Custom", last_run_at=START - timedelta(hours=1))
    assert api.emulator.task_id("Custom") == task_id
    assert api.finish(api.triggered("Custom")["id"])["num_successes"] == 59


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        EmulatorConfig(api_keys=set())
    with pytest.raises(ValueError):
        EmulatorConfig(api_keys={"k"}, pending_fraction=1.5)


def test_server_picks_a_port_and_stops() -> None:
    emulator = Emulator(EmulatorConfig(api_keys={KEY}))
    with EmulatorServer(emulator) as server:
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert httpx2.get(f"{server.url}/v2/tasks", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{server.url}/v2/tasks", timeout=1)
