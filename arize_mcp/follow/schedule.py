"""How often a run is read while someone follows it: fast at first, then slower up to a cap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollSchedule:
    """The n-th pause between reads of one run is `initial_seconds * growth ** (n - 1)`, capped
    at `max_seconds`; a 429's Retry-After may stretch a pause (see `RunFeeds`)."""

    initial_seconds: float = 1.0
    growth: float = 1.5
    max_seconds: float = 10.0

    def interval(self, polls_done: int) -> float:
        """Seconds to wait after `polls_done` reads before the next one."""
        return min(self.max_seconds, self.initial_seconds * self.growth ** max(0, polls_done - 1))
