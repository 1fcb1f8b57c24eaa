"""What the emulator stores: spaces, projects, datasets, tasks and runs, with opaque ids."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from arize_mcp.api.models import Task
from arize_mcp.emulator.lifecycle import RunPlan

# Text whose base64 is "wr/Cv+KApg==" when it starts on a 3-byte boundary: ids ending in it
# contain "/", "+" and "=", so a client that forgets to percent-encode an id in a path is
# caught on its first call, while the id still decodes to UTF-8 text with ":" like the API's
# (the official SDK tells an id from a name by exactly that).
_ENCODING_PROBE = "¿¿…"


def opaque_id(kind: str, number: int, suffix: str = "qRwX") -> str:
    """An id shaped like the API's: base64 of the UTF-8 text "<Kind>:<n>:<suffix>"."""
    return base64.b64encode(f"{kind}:{number}:{suffix}".encode()).decode("ascii")


def probing_id(kind: str, number: int) -> str:
    """An id whose base64 contains "/", "+" and "=" (see _ENCODING_PROBE)."""
    filler = "qRw"[: -len(f"{kind}:{number}:".encode()) % 3]
    return opaque_id(kind, number, filler + _ENCODING_PROBE)


@dataclass(frozen=True)
class Space:
    id: str
    name: str


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    space_id: str


@dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    example_count: int


@dataclass
class Dataset:
    id: str
    name: str
    space_id: str
    # Version id -> example ids in that version; insertion order is age, so the last is latest.
    versions: dict[str, tuple[str, ...]]
    experiments: list[Experiment] = field(default_factory=list)

    @property
    def latest_version_id(self) -> str:
        return next(reversed(self.versions))


@dataclass
class TaskRecord:
    task: Task
    # Set for tasks whose runs always fail, e.g. an evaluator with a broken model endpoint.
    failure_reason: str | None = None
    # How long this task's runs take, trigger to end; None: the emulator's run_seconds.
    run_seconds: float | None = None


@dataclass
class RunRecord:
    id: str
    task_id: str
    plan: RunPlan
    created_by_user_id: str
    data_start_time: datetime | None = None
    data_end_time: datetime | None = None
    # Dataset evaluations: the experiments this run labels.
    evaluated_experiment_ids: tuple[str, ...] = ()
    # Run-experiment runs: the experiment the run creates (visible once the run starts).
    created_experiment: Experiment | None = None
    dataset_id: str | None = None
    cancelled_at: datetime | None = None
