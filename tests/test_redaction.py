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
