"""The URIs of the server's resources: `arize://tasks/{task_id}` and `arize://task-runs/{run_id}`.

Ids are opaque base64 and may hold '/', '+' and '='. In a URI they are percent-encoded, as RFC 6570
simple expansion does ('/' becomes %2F), so an id is always exactly one URI segment.
"""

from __future__ import annotations

from mcp.server.mcpserver import ResourceSecurity
from mcp.shared.uri_template import UriTemplate

TASK_TEMPLATE = "arize://tasks/{task_id}"
RUN_TEMPLATE = "arize://task-runs/{run_id}"

_TASK = UriTemplate.parse(TASK_TEMPLATE)
_RUN = UriTemplate.parse(RUN_TEMPLATE)

# The SDK's default policy treats template values as file paths and refuses absolute-looking or
# traversing ones. Ids never reach a filesystem: the API client percent-encodes each as exactly one
# path segment (api/client.py `encode_segment`), and a base64 id may legitimately start with '/'.
# NUL bytes stay refused.
OPAQUE_IDS = ResourceSecurity(reject_path_traversal=False, reject_absolute_paths=False)


def task_uri(task_id: str) -> str:
    """The resource URI of a task, with the id percent-encoded."""
    return _TASK.expand({"task_id": task_id})


def run_uri(run_id: str) -> str:
    """The resource URI of a task run, with the id percent-encoded."""
    return _RUN.expand({"run_id": run_id})


def run_id_of(uri: str) -> str | None:
    """The run id a task-run resource URI names; None when the URI names anything else."""
    params = _RUN.match(uri)
    if params is None or OPAQUE_IDS.validate(params) is not None:
        return None
    run_id = params["run_id"]
    return run_id if isinstance(run_id, str) and run_id.strip() else None
