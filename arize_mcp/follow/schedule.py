"""How often a run is read when nothing predicts its end: fast at first, then slower up to a cap.

The cap is the official SDK's fixed interval (5 s): once past the first reads this schedule reads
like the SDK, so without a prediction a wait is never later than the SDK's, and a short run is
seen sooner. With a prediction, pacing.py decides instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PollSchedule:
    """The n-th pause between reads of one run is `initial_seconds * growth ** (n - 1)`, capped
    at `max_seconds`; a 429's Retry-After may stretch a pause (see `RunFeeds`)."""

    initial_seconds: float = 1.0
    growth: float = 1.5
    max_seconds: float = 5.0

    def interval(self, polls_done: int) -> float:
        """Seconds to wait after `polls_done` reads before the next one."""
        return min(self.max_seconds, self.initial_seconds * self.growth ** max(0, polls_done - 1))

    def interval_after(self, elapsed_seconds: float) -> float:
        """The pause a follower that has read the run since `elapsed_seconds` ago would now be at:
        what someone who starts looking at a run midway (a view opened later) should keep to."""
        if elapsed_seconds <= 0:
            return self.interval(1)
        if self.growth <= 1:
            done = elapsed_seconds // self.initial_seconds
        else:
            # The first n pauses add up to initial * (growth**n - 1) / (growth - 1); solve for n.
            done = math.log1p(elapsed_seconds * (self.growth - 1) / self.initial_seconds) // math.log(self.growth)
        # Any cap is reached within far fewer than 100 pauses; the bound only keeps the power finite.
        return self.interval(int(min(done, 100)) + 1)
