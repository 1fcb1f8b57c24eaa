"""Screening raw JSON-RPC: every request with a valid id is served or answered; the rest get the
error JSON-RPC 2.0 prescribes (or silence, for notifications and responses)."""

from __future__ import annotations

import json

import pytest

from arize_mcp.server.jsonrpc import MAX_DEPTH, screen, too_deep

DEEP = "[" * 100_000 + "]" * 100_000


def answer_of(text: str) -> dict:
    screened = screen(text)
    assert screened.message is None and screened.answer is not None
    return screened.answer.model_dump(mode="json", by_alias=True, exclude_unset=True)


@pytest.mark.parametrize(
    ("text", "request_id", "code"),
    [
        ("{not json", None, -32700),
        ('{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"arguments": ' + DEEP + "}}", 4, -32700),
        ('{"jsonrpc": "2.0", "method": "tools/call", "params": {"a": ' + DEEP + '}, "id": "late"}', "late", -32700),
        (DEEP, None, -32700),
        ('{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": 2.0, "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": [1], "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": true, "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": null, "method": "ping"}', None, -32600),
        ('{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": "oops"}', 7, -32600),
        ('{"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": [1, 2]}', 8, -32600),
        ('{"jsonrpc": "1.0", "id": 9, "method": "ping"}', 9, -32600),
        ('{"jsonrpc": "2.0", "id": 10, "method": 5}', 10, -32600),
        ("[]", None, -32600),
        ('[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]', None, -32600),
        ("42", None, -32600),
        ('{"jsonrpc": "2.0", "method": 1, "params": "bar"}', None, -32600),
    ],
)
def test_what_cannot_be_served_is_answered(text: str, request_id: object, code: int) -> None:
    answer = answer_of(text)
    assert answer["id"] == request_id and answer["error"]["code"] == code


@pytest.mark.parametrize(
    "text",
    [
        '{"jsonrpc": "2.0", "method": "notifications/progress", "params": "x"}',
        '{"jsonrpc": "2.0", "id": 3, "result": "not an object"}',
    ],
)
def test_malformed_notifications_and_responses_are_not_answered(text: str) -> None:
    screened = screen(text)
    assert screened.message is None and screened.answer is None


def test_valid_messages_pass() -> None:
    nested = {"a": 1}
    for _ in range(MAX_DEPTH - 5):
        nested = {"a": nested}
    text = json.dumps({"jsonrpc": "2.0", "id": "x", "method": "tools/call", "params": {"arguments": nested}})
    assert screen(text).message is not None
    assert screen('{"jsonrpc": "2.0", "id": 3, "method": "ping"}').message is not None


def test_depth_ignores_brackets_inside_strings() -> None:
    assert not too_deep(json.dumps({"text": "[" * 1000}))
    assert too_deep("[" * 65 + "]" * 65) and not too_deep("[" * 64 + "]" * 64)
