"""When to try a request again, and how long to wait first.

`RetryPolicy` spaces attempts with capped exponential backoff and jitter, and honours a server's
`Retry-After` up to a cap; `ArizeClient` decides *whether* a failure may be retried at all (a
trigger is resent only when the server provably did not act on it).

The sleeps between retries are bounded as a whole, too: a tool call must answer before its
client gives up (common clients wait 60 s), so every request made inside `shared_sleep_budget()`
draws on one budget of `sleep_budget_seconds`; a retry that would overdraw it is not made and the
failure at hand is reported at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` tries per request. Between tries: the server's Retry-After, capped
    at `max_retry_after_seconds`, or else `base_delay_seconds` doubling per attempt up to
    `max_delay_seconds`, jittered into its upper half. All the sleeps of one request (or of one
    `shared_sleep_budget()` scope) add up to at most `sleep_budget_seconds`."""

    max_attempts: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    max_retry_after_seconds: float = 30.0
    sleep_budget_seconds: float = 45.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt `attempt + 1`."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_seconds)
        backoff = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempt - 1))
        # Full jitter on the upper half keeps replicas that failed together from retrying together.
        return backoff * random.uniform(0.5, 1.0)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class SleepBudget:
    """Seconds of retry sleeping still allowed."""

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds

    def take(self, seconds: float) -> bool:
        """Spend `seconds` if the budget allows it; False (and nothing spent) if it does not."""
        if seconds > self.remaining:
            return False
        self.remaining -= seconds
        return True


# The budget of the enclosing `shared_sleep_budget()` scope: a one-item list, filled by its first request.
_SHARED: ContextVar[list[SleepBudget] | None] = ContextVar("arize_mcp_sleep_budget", default=None)


@contextmanager
def shared_sleep_budget() -> Iterator[None]:
    """Make the requests inside share one retry-sleep budget, as the requests of one tool call must."""
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)


def sleep_budget_for(policy: RetryPolicy) -> SleepBudget:
    """The budget a request draws on: the enclosing scope's, else a fresh one of its own."""
    shared = _SHARED.get()
    if shared is None:
        return SleepBudget(policy.sleep_budget_seconds)
    if not shared:
        shared.append(SleepBudget(policy.sleep_budget_seconds))
    return shared[0]
