"""Raw JSON-RPC text screened before the SDK parses it, on stdio and over HTTP.

The SDK drops what it cannot parse without a word, and takes a request whose id is not a string
or an integer for a notification, so such a client waits forever. Screened first, every request
with a valid id is answered, and what is not a request gets the error JSON-RPC 2.0 prescribes:
-32700 for text that is not JSON (or nests deeper than MAX_DEPTH, which no MCP message needs and
which would exhaust a parser's recursion), -32600 for JSON that is not a valid request, with the
request's id when it can be read and null otherwise. Malformed notifications and responses are
dropped, as JSON-RPC never answers them.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from mcp.types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    RequestId,
)
from mcp.types import jsonrpc_message_adapter as message_adapter
from pydantic import ValidationError

log = logging.getLogger(__name__)

MAX_DEPTH = 64
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_OPEN = ("[", "{")
_CLOSE = ("]", "}")


@dataclass(frozen=True)
class Screened:
    """One line or body: the message to serve (and the JSON it was read from), or the error to
    answer with, or neither (silence)."""

    message: JSONRPCMessage | None = None
    answer: JSONRPCError | None = None
    decoded: Any = None


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` levels (brackets in strings don't count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif token in _CLOSE:
            depth -= 1
    return False


def screen(text: str) -> Screened:
    if too_deep(text):
        return _answer(
            _id_of(_top_level(text)), PARSE_ERROR, f"Parse error: JSON nested deeper than {MAX_DEPTH} levels"
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return _answer(None, PARSE_ERROR, "Parse error: not valid JSON")
    if not isinstance(value, dict):
        return _answer(
            None, INVALID_REQUEST, "Invalid Request: a message is one JSON object (batches are not supported)"
        )
    has_id, method = "id" in value, value.get("method")
    if has_id and _id_of(value) is None:
        return _answer(None, INVALID_REQUEST, "Invalid Request: id must be a string or an integer")
    try:
        message = message_adapter.validate_python(value, by_name=False)
    except ValidationError:
        pass
    else:
        # A union member that ignores `id` must not turn a request into a notification nobody answers.
        if not (has_id and isinstance(message, JSONRPCNotification)):
            return Screened(message=message, decoded=value)
    if has_id and method is not None:
        return _answer(_id_of(value), INVALID_REQUEST, "Invalid Request: not a valid JSON-RPC 2.0 request")
    if isinstance(method, str) or "result" in value or "error" in value:
        log.info("dropped a malformed notification or response")
        return Screened()
    return _answer(None, INVALID_REQUEST, "Invalid Request: not a valid JSON-RPC 2.0 message")


def _answer(request_id: RequestId | None, code: int, message: str) -> Screened:
    return Screened(answer=JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message)))


def _id_of(value: Any) -> RequestId | None:
    """The message's id if it is one JSON-RPC allows here (a string, or an integer that is not a bool)."""
    request_id = value.get("id") if isinstance(value, dict) else None
    if isinstance(request_id, str) or (isinstance(request_id, int) and not isinstance(request_id, bool)):
        return request_id
    return None


def _top_level(text: str) -> Any:
    """The message with every value nested below its own members replaced by null, or None if that
    is not JSON either: enough to read the id of a message too deep to parse whole."""
    kept: list[str] = []
    depth = position = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in _OPEN:
            depth += 1
            if depth == 2:
                kept.append(text[position : match.start()])
        elif token in _CLOSE:
            if depth == 2:
                kept.append("null")
                position = match.end()
            depth -= 1
    kept.append(text[position:])
    try:
        return json.loads("".join(kept))
    except (ValueError, RecursionError):
        return None
