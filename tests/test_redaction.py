"""The one redaction step: every form a secret can take in text is masked."""

from __future__ import annotations

import json

import anyio
import pytest

from arize_mcp.redaction import MASK, add_request_secrets, redact, redact_json, register_secret


def test_a_secret_is_masked_however_it_is_shown() -> None:
    secret = "redaction-test-key-4e1\nX-Injected: 1"
    register_secret(secret)
    for shown in (secret, repr(secret.encode()), json.dumps({"detail": secret}), "key redaction-test-key-4e1 only"):
        assert "redaction-test-key-4e1" not in redact(shown), shown
    assert redact_json({"a": [f"Bearer {secret}"], secret: 1}) == {"a": [f"Bearer {MASK}"], MASK: 1}


@pytest.mark.anyio
async def test_a_request_secret_is_masked_only_in_that_request() -> None:
    seen: dict[str, str] = {}

    async def request(name: str, key: str) -> None:
        add_request_secrets([key])
        await anyio.sleep(0)
        seen[name] = redact("caller-one-key-77 caller-two-key-88")

    async with anyio.create_task_group() as group:
        group.start_soon(request, "one", "caller-one-key-77")
        group.start_soon(request, "two", "caller-two-key-88")
    assert seen == {"one": f"{MASK} caller-two-key-88", "two": f"caller-one-key-77 {MASK}"}


@pytest.mark.parametrize(
    "secret",
    [
        'quote"and\\backslash-key-5f2',  # characters JSON escapes
        "tab\tand\u00e9-accent-key-6a3",  # a control character, and one JSON may escape as \u00e9
        "plain-visible-key-7b4",
    ],
)
def test_redact_json_finds_a_secret_anywhere_in_a_result(secret: str) -> None:
    register_secret(secret)
    result = {
        "content": [{"type": "text", "text": f"key: {secret}."}],
        "structuredContent": {"runs": [{"id": "r1", "note": ("tuple", secret)}], secret: None},
        "count": 3,
    }
    assert redact_json(result) == {
        "content": [{"type": "text", "text": f"key: {MASK}."}],
        "structuredContent": {"runs": [{"id": "r1", "note": ["tuple", MASK]}], MASK: None},
        "count": 3,
    }


def test_redact_json_hands_back_a_result_without_secrets_as_it_is() -> None:
    register_secret("redaction-unused-key-8c5")
    result = {"content": [{"type": "text", "text": "status completed"}], "structuredContent": {"id": "r1", "n": 1.5}}
    assert redact_json(result) is result
    # Not plain JSON: every string is still looked at.
    assert redact_json({"at": object, "note": "redaction-unused-key-8c5"}) == {"at": object, "note": MASK}


@pytest.mark.anyio
async def test_redact_json_masks_a_request_secret_in_a_result() -> None:
    add_request_secrets(["caller-json-key-9d6"])
    assert redact_json({"text": ["see caller-json-key-9d6"]}) == {"text": [f"see {MASK}"]}
