"""Settings of an emulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EmulatorConfig:
    """run_seconds and pending_fraction are read at each trigger, so a test may change them on a
    live emulator; the other settings are read when the Emulator is built."""

    # Accepted bearer keys; at least one.
    api_keys: frozenset[str] | set[str] = field(default_factory=frozenset)
    # Valid keys that may read but get 403 on the POST routes (trigger, cancel).
    read_only_keys: frozenset[str] = frozenset()
    # Client robustness test only: send `status` and task `type` values lowercase, as an old
    # reference page shows them. The API (and so this emulator by default) sends UPPERCASE, and
    # the official SDK cannot read lowercase; our client must read both.
    robustness_lowercase_enums: bool = False
    run_seconds: float = 8.0  # trigger -> terminal
    pending_fraction: float = 0.15  # share of run_seconds spent pending
    rate_limit_per_second: float | None = None  # per key; exceeding it is a 429 with Retry-After
    retry_after_seconds: int = 1
    seed: bool = True  # load the demo data set

    def __post_init__(self) -> None:
        self.api_keys = frozenset(self.api_keys)
        self.read_only_keys = frozenset(self.read_only_keys)
        if not self.api_keys:
            raise ValueError("EmulatorConfig needs at least one API key")
        if self.run_seconds < 0:
            raise ValueError("run_seconds must not be negative")
        if not 0 <= self.pending_fraction <= 1:
            raise ValueError("pending_fraction must be between 0 and 1")
        if self.rate_limit_per_second is not None and self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        if self.retry_after_seconds < 0:
            raise ValueError("retry_after_seconds must not be negative")
