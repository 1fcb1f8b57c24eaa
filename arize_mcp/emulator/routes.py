"""Route resolution on the raw request path.

Ids are standard base64 and may contain "/", so a route is matched segment by segment on the
path as sent, and each segment is percent-decoded on its own: `/v2/tasks/abc%2Fdef/trigger`
addresses task "abc/def". Matching the decoded path instead would let an id reach another route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

RouteName = Literal["list_tasks", "get_task", "list_runs", "trigger", "get_run", "cancel_run"]

# (path pattern, method, route); None in a pattern stands for one non-empty id segment.
_ROUTES: tuple[tuple[tuple[str | None, ...], str, RouteName], ...] = (
    (("v2", "tasks"), "GET", "list_tasks"),
    (("v2", "tasks", None), "GET", "get_task"),
    (("v2", "tasks", None, "runs"), "GET", "list_runs"),
    (("v2", "tasks", None, "trigger"), "POST", "trigger"),
    (("v2", "task-runs", None), "GET", "get_run"),
    (("v2", "task-runs", None, "cancel"), "POST", "cancel_run"),
)

ROUTE_NAMES: frozenset[str] = frozenset(route for _, _, route in _ROUTES)
WRITE_ROUTES: frozenset[str] = frozenset({"trigger", "cancel_run"})


@dataclass(frozen=True)
class PathMatch:
    """A path that names a known resource; `route` is None when the method is not allowed there."""

    route: RouteName | None
    resource_id: str | None
    allowed_method: str


def resolve(method: str, raw_path: str) -> PathMatch | None:
    """Match a raw (still percent-encoded) path; None when no route has this path."""
    if not raw_path.startswith("/"):
        return None
    segments = [unquote(segment) for segment in raw_path[1:].split("/")]
    for pattern, allowed, route in _ROUTES:
        if _matches(pattern, segments):
            resource_id = next(
                (actual for expected, actual in zip(pattern, segments, strict=True) if expected is None), None
            )
            return PathMatch(route if method == allowed else None, resource_id, allowed)
    return None


def _matches(pattern: tuple[str | None, ...], segments: list[str]) -> bool:
    return len(pattern) == len(segments) and all(
        bool(actual) if expected is None else expected == actual
        for expected, actual in zip(pattern, segments, strict=True)
    )
