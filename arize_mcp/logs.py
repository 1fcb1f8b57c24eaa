"""Logging to stderr only, with secrets masked in every line whatever logged them."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable

from arize_mcp.redaction import redact, register_secret


class RedactingFormatter(logging.Formatter):
    """Masks every known secret (redaction.py) in the whole formatted line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class Throttle:
    """Lets a repeated condition be logged once per `interval_seconds`, counting what it held back."""

    def __init__(self, interval_seconds: float) -> None:
        self._interval = interval_seconds
        self._last = float("-inf")
        self.suppressed = 0

    def ready(self) -> bool:
        """True when it is time to log again; the caller then reports and `suppressed` restarts."""
        now = time.monotonic()
        if now - self._last < self._interval:
            self.suppressed += 1
            return False
        self._last = now
        return True

    def take_suppressed(self) -> int:
        held, self.suppressed = self.suppressed, 0
        return held


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    for secret in secrets:
        register_secret(secret)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # The line shows none of these, and gathering them for each record costs: over HTTP there is a
    # record (the access line) for every request.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root.setLevel(level.upper())
    # httpx2 logs every request URL at INFO; useful only when debugging.
    for noisy in ("httpx2", "httpcore2", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
