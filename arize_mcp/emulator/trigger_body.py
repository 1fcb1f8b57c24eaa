"""Validation of raw trigger bodies.

Deliberately independent of the client's request model: the emulator is the referee the client is
tested against, so it reads the JSON itself and applies the documented rules on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from arize_mcp.api.models import (
    EVALUATION_FIELDS,
    EXPERIMENT_FIELDS,
    EXPERIMENT_NAME_RULE,
    TaskType,
    valid_experiment_name,
)
from arize_mcp.emulator.wire import to_millis

_ALL_FIELDS = frozenset(EVALUATION_FIELDS) | frozenset(EXPERIMENT_FIELDS)


class InvalidBody(ValueError):
    """The body breaks a rule that needs no knowledge of stored data (always a 400)."""


@dataclass(frozen=True)
class TriggerFields:
    """The typed fields of a trigger body; `sent` names those present and not null."""

    sent: frozenset[str] = frozenset()
    data_start_time: datetime | None = None
    data_end_time: datetime | None = None
    max_spans: int | None = None
    override_evaluations: bool = False
    experiment_ids: tuple[str, ...] | None = None
    experiment_name: str | None = None
    dataset_version_id: str | None = None
    max_examples: int | None = None
    example_ids: tuple[str, ...] | None = None
    tracing_metadata: dict[str, str] = field(default_factory=dict)
    evaluation_task_ids: tuple[str, ...] = ()
    query_filter: str | None = None


def parse_trigger_body(raw: bytes, task_type: TaskType) -> TriggerFields:
    body = _json_object(raw)
    unknown = sorted(name for name in body if name not in _ALL_FIELDS)
    if unknown:
        raise InvalidBody(
            f"Unknown field(s) in trigger body: {', '.join(unknown)}. "
            f"Accepted fields for a {task_type.value} task: {', '.join(_accepted(task_type))}."
        )
    # An explicit null means "use the default", as if the field were absent.
    present = {name: value for name, value in body.items() if value is not None}
    accepted = _accepted(task_type)
    wrong_family = [name for name in present if name not in accepted]
    if wrong_family:
        raise InvalidBody(
            f"Field(s) {', '.join(wrong_family)} are not valid for this task: it is a "
            f"{task_type.value} task, which accepts {', '.join(accepted)}."
        )
    errors: list[str] = []
    values = {name: _convert(name, value, errors) for name, value in present.items()}
    if errors:
        raise InvalidBody("; ".join(errors) + ".")
    return TriggerFields(sent=frozenset(values), **values)


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidBody(f"The request body is not valid JSON: {error}.") from error
    if not isinstance(body, dict):
        raise InvalidBody(f"The request body must be a JSON object, not {type(body).__name__}.")
    return body


def _accepted(task_type: TaskType) -> tuple[str, ...]:
    return EXPERIMENT_FIELDS if task_type is TaskType.RUN_EXPERIMENT else EVALUATION_FIELDS


def _convert(name: str, value: Any, errors: list[str]) -> Any:
    # Appends a message to `errors` and returns None when the value has the wrong shape, so one
    # response can report every bad field at once.
    if name in ("data_start_time", "data_end_time"):
        converted = _datetime(value)
        expected = "an ISO 8601 date-time string"
    elif name in ("max_spans", "max_examples"):
        converted = value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None
        expected = "an integer >= 1"
    elif name == "override_evaluations":
        converted = value if isinstance(value, bool) else None
        expected = "a boolean"
    elif name in ("experiment_ids", "example_ids", "evaluation_task_ids"):
        is_list = isinstance(value, list) and all(isinstance(item, str) and item for item in value)
        converted = tuple(dict.fromkeys(value)) if is_list else None
        expected = "a list of non-empty strings"
    elif name == "tracing_metadata":
        is_map = isinstance(value, dict) and all(isinstance(item, str) for item in value.values())
        converted = dict(value) if is_map else None
        expected = "an object whose values are strings"
    elif name == "experiment_name":
        converted = value if isinstance(value, str) and value.strip() and valid_experiment_name(value) else None
        expected = EXPERIMENT_NAME_RULE.removeprefix("experiment_name must be ")
    else:  # dataset_version_id, query_filter
        converted = value if isinstance(value, str) and value.strip() else None
        expected = "a non-empty string"
    if converted is None:
        errors.append(f"{name} must be {expected}, got {json.dumps(value)}")
    return converted


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Naive means UTC by the API's convention.
    return to_millis(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC))
