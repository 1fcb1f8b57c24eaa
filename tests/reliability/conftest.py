"""Fixtures of the reliability suite: an emulator that accepts only the canary key, settings that
bound each upstream request tightly, and every log line captured through the real formatter."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from arize_mcp.config import Settings
from arize_mcp.logs import RedactingFormatter
from tests.conftest import Upstream, start_upstream
from tests.reliability.upstream_faults import CANARY

# Long enough that a run is still going when a tool reads or cancels it.
RUN_SECONDS = 30.0


@pytest.fixture
def canary_upstream() -> Iterator[Upstream]:
    up = start_upstream(api_keys=frozenset({CANARY}), read_only_keys=frozenset(), run_seconds=RUN_SECONDS)
    try:
        yield up
    finally:
        up.server.stop()


def canary_settings(upstream: Upstream, deadline_seconds: float = 2.0) -> Settings:
    """Settings with the canary key and a total deadline per upstream request."""
    return upstream.settings(api_key=SecretStr(CANARY), timeout_seconds=deadline_seconds)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Every log record of the test, DEBUG and up, formatted as the server's stderr would be."""
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
