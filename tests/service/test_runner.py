"""The server a process runs (service/runner.py), built in this process without serving."""

from __future__ import annotations

import gc

from arize_mcp.config import Settings
from arize_mcp.service.options import HttpOptions
from arize_mcp.service.runner import http_server


def test_what_exists_when_serving_starts_is_frozen_out_of_garbage_collection() -> None:
    gc.unfreeze()
    try:
        http_server(Settings(), HttpOptions(stateless=True))
        # The modules, the app and its schemas: full collections no longer walk them.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
