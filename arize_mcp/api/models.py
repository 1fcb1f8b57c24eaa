"""Wire models of the Arize v2 Tasks API.

One definition per field: the client parses responses with these, the tools publish them as
output schemas, and the emulator serialises its responses through them.

They read exactly what the official SDK's generated models read (checked by tests/conformance):
task endpoints are beta upstream and in the SDK's models no response field is required, so an
absent field reads as null (or as the default declared here, such as 0 for a count), a null in
a field with a default reads as that default, and unknown fields are ignored and kept out of
our output. The one field we cannot do without is an object's `id`: the client fills it from
the request where it knows it, and list items without one are skipped (nothing can address them).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

log = logging.getLogger(__name__)

MAX_DATA_WINDOW = timedelta(days=30)


def _as_utc(value: datetime) -> datetime:
    # A naive timestamp is UTC by the API's convention; an aware one is normalised to UTC so
    # every datetime we emit carries an explicit offset.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def fold_enum_case(value: Any) -> Any:
    """Enum values are read in any casing: the API sends PENDING/RUNNING/…, its reference page
    shows pending/running/…, agents write either. Ours are lowercase, so agents see one spelling."""
    return value.lower() if isinstance(value, str) else value


# The one case-folding validator: `Annotated[RunStatus, AnyCase]` accepts RUNNING, Running, running.
AnyCase = BeforeValidator(fold_enum_case)

UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def wire_enum(value: StrEnum | None) -> str | None:
    """An enum value as the API spells it in query parameters: UPPERCASE."""
    return None if value is None else value.value.upper()


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED})


class TaskType(StrEnum):
    TEMPLATE_EVALUATION = "template_evaluation"
    CODE_EVALUATION = "code_evaluation"
    RUN_EXPERIMENT = "run_experiment"


class _WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_reads_as_null(cls, data: Any) -> Any:
        # Absent or null: the field's default when it has one, else null (so a field without a
        # default fails only when it cannot be null, like an object's id).
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for name, field in cls.model_fields.items():
            if filled.get(name) is None:
                if field.is_required():
                    filled[name] = None
                else:
                    filled.pop(name, None)
        return filled


class TaskRun(_WireModel):
    """One execution of a task: created by a trigger, polled until its status is terminal."""

    id: str = Field(description="Task run id (opaque base64 string).")
    task_id: str | None = Field(description="Id of the task this run belongs to.")
    status: Annotated[RunStatus, AnyCase] | None = Field(
        description="pending → running → completed | failed | cancelled. The last three are terminal; "
        "null when Arize did not report it (keep polling)."
    )
    run_started_at: UtcDatetime | None = Field(description="When the run started processing.")
    run_finished_at: UtcDatetime | None = Field(description="When the run reached a terminal status.")
    data_start_time: UtcDatetime | None = Field(
        description="Start of the evaluated data window; null for run-experiment runs."
    )
    data_end_time: UtcDatetime | None = Field(
        description="End of the evaluated data window; null for run-experiment runs."
    )
    num_successes: int = Field(default=0, ge=0, description="Items processed successfully so far.")
    num_errors: int = Field(default=0, ge=0, description="Items that errored so far.")
    num_skipped: int = Field(default=0, ge=0, description="Items skipped so far.")
    created_at: UtcDatetime | None = Field(description="When the run was created.")
    created_by_user_id: str | None = Field(description="User who triggered the run.")
    experiment_id: str | None = Field(
        default=None, description="Experiment created by a run-experiment run, once provisioned; else null."
    )
    failure_reason: str | None = Field(
        default=None,
        description="Why the run failed or was cancelled. A cancelled run with zero counts whose reason "
        "mentions existing labels can be re-triggered with override_evaluations=true.",
    )

    @property
    def is_terminal(self) -> bool:
        return self.status is not None and self.status.is_terminal

    @property
    def status_text(self) -> str:
        return self.status.value if self.status is not None else "status not reported"


class QueryMapping(_WireModel):
    """Trace/session tasks: which declared queries (and attribute) feed one evaluator variable."""

    variable_name: str | None = None
    query_ids: list[str] | None = None
    attribute_path: str | None = None


class QueryFilter(_WireModel):
    id: str | None = Field(default=None, description="Query id, one of A-E.")
    filter: str | None = None


class QueryFilters(_WireModel):
    """Trace/session tasks: named query filters and the boolean expression combining them."""

    filters: list[QueryFilter] | None = None
    expression: str | None = Field(default=None, description="Combines the filter ids, e.g. 'A AND B'.")


class Evaluator(_WireModel):
    evaluator_id: str | None = None
    evaluator_name: str | None = None
    evaluator_version_id: str | None = None
    query_filter: str | None = None
    column_mappings: dict[str, str] | None = None
    query_mappings: list[QueryMapping] | None = None


class Task(_WireModel):
    """A task definition: what to evaluate (project or dataset) and with which evaluators."""

    id: str = Field(description="Task id (opaque base64 string).")
    name: str | None = Field(description="Task name.")
    type: Annotated[TaskType, AnyCase] | None = Field(
        description="template_evaluation and code_evaluation take evaluation trigger fields; "
        "run_experiment takes experiment trigger fields."
    )
    space_id: str | None = Field(default=None, description="Space the task belongs to.")
    project_id: str | None = Field(default=None, description="Set for project-based evaluation tasks.")
    dataset_id: str | None = Field(default=None, description="Set for dataset-based tasks.")
    sampling_rate: float | None = Field(default=None, ge=0, le=1, description="Project-based tasks only.")
    is_continuous: bool | None = None
    query_filter: str | None = Field(default=None, description="Span tasks: filter applied to all data.")
    query_filters: QueryFilters | None = Field(
        default=None, description="Trace/session tasks: named filters (instead of query_filter)."
    )
    evaluators: list[Evaluator] = Field(default_factory=list)
    experiment_ids: list[str] | None = None
    run_configuration: dict[str, Any] | None = Field(
        default=None,
        description="Run-experiment tasks: what each run executes; experiment_type is LLM_GENERATION, "
        "TEMPLATE_EVALUATION or AGENT_CALL.",
    )
    last_run_at: UtcDatetime | None = Field(
        default=None, description="Time of the last run; the default start of the next window."
    )
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    created_by_user_id: str | None = None

    @property
    def type_text(self) -> str:
        return self.type.value if self.type is not None else "type not reported"


class Pagination(_WireModel):
    has_more: bool = False
    next_cursor: str | None = None


def _addressable(items: Any) -> Any:
    # An item without an id cannot be read, waited for or cancelled by any tool: leave it out.
    if not isinstance(items, list):
        return items
    kept = [item for item in items if not (isinstance(item, dict) and not item.get("id"))]
    if len(kept) < len(items):
        log.warning("skipped %d list item(s) that carried no id", len(items) - len(kept))
    return kept


class ListTasksResponse(_WireModel):
    tasks: Annotated[list[Task], BeforeValidator(_addressable)] = Field(default_factory=list)
    pagination: Pagination = Field(default_factory=Pagination)


class ListTaskRunsResponse(_WireModel):
    task_runs: Annotated[list[TaskRun], BeforeValidator(_addressable)] = Field(default_factory=list)
    pagination: Pagination = Field(default_factory=Pagination)


class ProblemDetails(BaseModel):
    """RFC 9457 error body (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None


EVALUATION_FIELDS = ("data_start_time", "data_end_time", "max_spans", "override_evaluations", "experiment_ids")
EXPERIMENT_FIELDS = (
    "experiment_name",
    "dataset_version_id",
    "max_examples",
    "example_ids",
    "query_filter",
    "tracing_metadata",
    "evaluation_task_ids",
)
# The API's rule for a new experiment's display name.
EXPERIMENT_NAME_MAX_LENGTH = 255
EXPERIMENT_NAME_PATTERN = r'^[^"\\]*$'
EXPERIMENT_NAME_RULE = 'experiment_name must be 1-255 characters without double quotes (") or backslashes (\\)'


class TriggerRunRequest(BaseModel):
    """Body of `POST /v2/tasks/{task_id}/trigger`.

    The API picks the schema from the task's type, so one body carries either evaluation fields
    or run-experiment fields, never both. Only fields that were set are sent
    (`model_dump(exclude_unset=True)`), so server-side defaults stay in force.
    """

    model_config = ConfigDict(extra="forbid")

    data_start_time: UtcDatetime | None = None
    data_end_time: UtcDatetime | None = None
    max_spans: int | None = Field(default=None, ge=1)
    override_evaluations: bool | None = None
    experiment_ids: list[Annotated[str, Field(min_length=1)]] | None = None
    experiment_name: str | None = None
    dataset_version_id: str | None = Field(default=None, min_length=1)
    max_examples: int | None = Field(default=None, ge=1)
    example_ids: list[Annotated[str, Field(min_length=1)]] | None = None
    query_filter: str | None = Field(default=None, min_length=1)
    tracing_metadata: dict[str, str] | None = None
    evaluation_task_ids: list[Annotated[str, Field(min_length=1)]] | None = None

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> TriggerRunRequest:
        sent = self.model_fields_set
        evaluation = [name for name in EVALUATION_FIELDS if name in sent]
        experiment = [name for name in EXPERIMENT_FIELDS if name in sent]
        if evaluation and experiment:
            raise ValueError(
                f"evaluation-task fields ({', '.join(evaluation)}) and run-experiment fields "
                f"({', '.join(experiment)}) cannot be combined; a task is one type or the other"
            )
        if self.experiment_name is not None and not valid_experiment_name(self.experiment_name):
            raise ValueError(
                f"{EXPERIMENT_NAME_RULE} (got {len(self.experiment_name)} characters: {self.experiment_name!r})"
            )
        if self.example_ids is not None and self.max_examples is not None:
            raise ValueError("example_ids and max_examples are mutually exclusive; set one or neither")
        # Validated with context={"now": ...}, a missing end is checked as the API will fill it in.
        now = (info.context or {}).get("now")
        start, end = self.data_start_time, self.data_end_time or now
        if start is not None and end is not None:
            if start >= end:
                raise ValueError(
                    f"data_start_time ({start.isoformat()}) must be before data_end_time ({end.isoformat()}"
                    + (")" if self.data_end_time else ", the default: now)")
                )
            if end - start > MAX_DATA_WINDOW:
                raise ValueError(f"the data window spans {_days(end - start)} days; the API allows at most 30 days")
        return self

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def valid_experiment_name(name: str) -> bool:
    return 1 <= len(name) <= EXPERIMENT_NAME_MAX_LENGTH and re.fullmatch(EXPERIMENT_NAME_PATTERN, name) is not None


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86400:.1f}".removesuffix(".0")
