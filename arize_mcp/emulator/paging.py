"""Cursor pagination of list endpoints: `limit` 1-100 and an opaque cursor (an encoded offset)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from arize_mcp.api.models import Pagination
from arize_mcp.emulator.problems import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_CURSOR_PREFIX = "offset:"

T = TypeVar("T")


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer between 1 and {MAX_LIMIT}, got '{raw}'.")
    return limit


def parse_cursor(raw: str | None) -> int:
    """The offset a cursor stands for; 0 without a cursor."""
    if raw is None:
        return 0
    try:
        decoded = base64.b64decode(raw, validate=True).decode("ascii")
        offset = int(decoded.removeprefix(_CURSOR_PREFIX)) if decoded.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if offset < 0:
        raise BadRequest("cursor is not valid: pass the next_cursor of the previous page unchanged.")
    return offset


def paginate(items: Sequence[T], limit: int, offset: int) -> tuple[list[T], Pagination]:
    page = list(items[offset : offset + limit])
    end = offset + len(page)
    if end < len(items):
        cursor = base64.b64encode(f"{_CURSOR_PREFIX}{end}".encode("ascii")).decode("ascii")
        return page, Pagination(has_more=True, next_cursor=cursor)
    return page, Pagination(has_more=False)
