"""Settings from the environment, using the official Arize SDK's variable names."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from arize_mcp.api.client import RetryPolicy

DEFAULT_HOST = "api.arize.com"
_REGION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")


class ConfigError(ValueError):
    """The environment or command line holds a setting that cannot work."""


class ApiKey:
    """An API key that cannot leak through repr, str, f-strings or logging."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class PollSettings:
    """How `wait_for_task_run` spaces its polls: fast at first, then slower up to a cap."""

    initial_seconds: float = 1.0
    growth: float = 1.5
    max_seconds: float = 10.0

    def interval(self, polls_done: int) -> float:
        return min(self.max_seconds, self.initial_seconds * self.growth ** max(0, polls_done - 1))


@dataclass(frozen=True)
class Settings:
    base_url: str = f"https://{DEFAULT_HOST}"
    api_key: ApiKey | None = None
    timeout_seconds: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollSettings = field(default_factory=PollSettings)
    read_only: bool = False
    toolsets: frozenset[str] | None = None  # None: every toolset

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        key = env.get("ARIZE_API_KEY", "").strip()
        return cls(
            base_url=base_url_from_env(env),
            api_key=ApiKey(key) if key else None,
            timeout_seconds=env_seconds(env, "ARIZE_MCP_HTTP_TIMEOUT", 30.0),
            poll=PollSettings(
                initial_seconds=env_seconds(env, "ARIZE_MCP_POLL_INITIAL_SECONDS", 1.0),
                max_seconds=min(10.0, env_seconds(env, "ARIZE_MCP_POLL_MAX_SECONDS", 10.0)),
            ),
            read_only=env_flag(env, "ARIZE_MCP_READ_ONLY"),
            toolsets=parse_toolsets(env.get("ARIZE_MCP_TOOLSETS", "")),
        )


def base_url_from_env(env: Mapping[str, str]) -> str:
    """`ARIZE_API_HOST`/`SCHEME`/`PORT` win; else `ARIZE_REGION`; else the global host."""
    scheme = env.get("ARIZE_API_SCHEME", "").strip().lower() or "https"
    if scheme not in ("http", "https"):
        raise ConfigError(f"ARIZE_API_SCHEME must be 'http' or 'https', not {scheme!r}")
    host = env.get("ARIZE_API_HOST", "").strip()
    region = env.get("ARIZE_REGION", "").strip().lower()
    if host:
        if "://" in host:
            scheme, _, host = host.partition("://")
            host = host.rstrip("/")
        if not _HOST.match(host):
            raise ConfigError(f"ARIZE_API_HOST must be a host name such as api.arize.com, not {host!r}")
    elif region:
        if not _REGION.match(region):
            raise ConfigError(f"ARIZE_REGION must look like 'us-east-1b', not {region!r}")
        host = f"api.{region}.arize.com"
    else:
        host = DEFAULT_HOST
    port_text = env.get("ARIZE_API_PORT", "").strip()
    port = 0
    if port_text:
        if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
            raise ConfigError(f"ARIZE_API_PORT must be a port number (0 = scheme default), not {port_text!r}")
        port = int(port_text)
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def parse_toolsets(text: str) -> frozenset[str] | None:
    names = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    return names or None


def env_flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1/true/yes or 0/false/no, not {text!r}")


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be greater than 0")
    return value
