"""Task ids that carry their task: stateless, signed, and bound to the caller's Arize credential.

An id is `<payload>.<signature>`, both base64url: the payload is the run id, the tool that made
the task and when; the signature is an HMAC-SHA256 over the payload and the caller's credential
identity, under the server's task secret. Any replica with the same secret can answer for the id
after any restart, and nothing about a task is kept in memory. An id presented with another key
fails verification exactly as a forged or mangled one does, so it reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

# Far above any real run id; keeps a hostile id from costing more than a bounded decode.
MAX_TASK_ID_LENGTH = 4096
_VERSION = 1


@dataclass(frozen=True)
class TaskRef:
    """What a task id says: which run, which tool's result the task ends with, and since when."""

    run_id: str
    tool: str
    created_at: datetime


class TaskIds:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, ref: TaskRef, identity: str) -> str:
        body = {"v": _VERSION, "run": ref.run_id, "tool": ref.tool, "at": ref.created_at.timestamp()}
        payload = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_encode(self._sign(payload, identity))}"

    def read(self, task_id: object, identity: str) -> TaskRef | None:
        """The task behind `task_id` for this caller, or None when it is malformed, forged or another's."""
        if not isinstance(task_id, str) or len(task_id) > MAX_TASK_ID_LENGTH or task_id.count(".") != 1:
            return None
        payload, signature = task_id.split(".")
        try:
            if not hmac.compare_digest(_decode(signature), self._sign(payload, identity)):
                return None
            body = json.loads(_decode(payload))
            return TaskRef(
                run_id=str(body["run"]),
                tool=str(body["tool"]),
                created_at=datetime.fromtimestamp(float(body["at"]), UTC),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            # Only reachable with the secret (the signature matched): an id of a future format.
            return None

    def _sign(self, payload: str, identity: str) -> bytes:
        return hmac.new(self._secret, f"{payload}\0{identity}".encode(), hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
