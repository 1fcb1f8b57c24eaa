"""Every setting read from the environment, and the only module that reads `ARIZE_*` variables.

Upstream settings use the official Arize SDK's variable names; this server's own are `ARIZE_MCP_*`.
Values are parsed with the shared grammars (grammar.py), so `ARIZE_MCP_READ_ONLY=yes` and a prompt
argument `yes` mean the same thing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from arize_mcp.api.retry import RetryPolicy
from arize_mcp.follow.schedule import PollSchedule
from arize_mcp.grammar import GrammarError, parse_flag, parse_seconds

DEFAULT_HOST = "api.arize.com"
DEFAULT_LOG_LEVEL = "WARNING"
DEFAULT_SANDBOX_RUN_SECONDS = 12.0
DEFAULT_REQUEST_TIMEOUT_SECONDS = 3660.0  # the longest wait (3600 s) plus room to answer
DEFAULT_RETRY_BUDGET_SECONDS = 45.0  # below the 60 s after which common clients give up on a call
DEFAULT_MAX_SESSIONS = 1000
DEFAULT_MAX_SESSIONS_PER_CLIENT = 100
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
MAX_POLL_SECONDS = 10.0
_REGION = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")

Env = Mapping[str, str]


class ConfigError(ValueError):
    """The environment or command line holds a setting that cannot work."""


@dataclass(frozen=True)
class Settings:
    """What the MCP server needs: where Arize is, with which key, and how to pace and present itself."""

    base_url: str = f"https://{DEFAULT_HOST}"
    api_key: SecretStr | None = None
    timeout_seconds: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollSchedule = field(default_factory=PollSchedule)
    read_only: bool = False
    toolsets: frozenset[str] | None = None  # None: every toolset

    @classmethod
    def from_env(cls, env: Env | None = None, *, upstream: bool = True) -> Settings:
        """`upstream=False` leaves the endpoint and key at their defaults (the sandbox sets its own)."""
        env = os.environ if env is None else env
        return cls(
            base_url=base_url_from_env(env) if upstream else cls.base_url,
            api_key=api_key_from_env(env) if upstream else None,
            timeout_seconds=env_seconds(env, "ARIZE_MCP_HTTP_TIMEOUT", 30.0),
            retry=RetryPolicy(
                sleep_budget_seconds=env_seconds(env, "ARIZE_MCP_RETRY_BUDGET", DEFAULT_RETRY_BUDGET_SECONDS)
            ),
            poll=PollSchedule(
                initial_seconds=env_seconds(env, "ARIZE_MCP_POLL_INITIAL_SECONDS", 1.0),
                max_seconds=min(MAX_POLL_SECONDS, env_seconds(env, "ARIZE_MCP_POLL_MAX_SECONDS", MAX_POLL_SECONDS)),
            ),
            read_only=env_flag(env, "ARIZE_MCP_READ_ONLY"),
            toolsets=parse_toolsets(env.get("ARIZE_MCP_TOOLSETS", "")),
        )


@dataclass(frozen=True)
class ServiceSettings:
    """The HTTP service's settings that come from the environment (the rest are flags)."""

    auth_token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
    max_sessions: int = DEFAULT_MAX_SESSIONS
    max_sessions_per_client: int = DEFAULT_MAX_SESSIONS_PER_CLIENT
    max_connections: int | None = None  # None: as many as the file-descriptor limit leaves room for
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, env: Env | None = None) -> ServiceSettings:
        env = os.environ if env is None else env
        return cls(
            auth_token=secret_from_env(env, "ARIZE_MCP_AUTH_TOKEN"),
            allowed_hosts=_list(env.get("ARIZE_MCP_ALLOWED_HOSTS", "")),
            allowed_origins=_list(env.get("ARIZE_MCP_ALLOWED_ORIGINS", "")),
            request_timeout_seconds=env_seconds(env, "ARIZE_MCP_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT_SECONDS),
            max_sessions=env_count(env, "ARIZE_MCP_MAX_SESSIONS", DEFAULT_MAX_SESSIONS),
            max_sessions_per_client=env_count(
                env, "ARIZE_MCP_MAX_SESSIONS_PER_CLIENT", DEFAULT_MAX_SESSIONS_PER_CLIENT
            ),
            max_connections=env_count(env, "ARIZE_MCP_MAX_CONNECTIONS", None),
            header_timeout_seconds=env_seconds(env, "ARIZE_MCP_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT_SECONDS),
        )


@dataclass(frozen=True)
class CommandDefaults:
    """Defaults of command-line flags that can also be set in the environment."""

    sandbox: bool = False
    sandbox_run_seconds: float = DEFAULT_SANDBOX_RUN_SECONDS
    log_level: str = DEFAULT_LOG_LEVEL
    # Only this turns tracing on: an OTEL_EXPORTER_OTLP_* endpoint inherited from the environment does not.
    otel: bool = False

    @classmethod
    def from_env(cls, env: Env | None = None) -> CommandDefaults:
        env = os.environ if env is None else env
        return cls(
            sandbox=env_flag(env, "ARIZE_MCP_SANDBOX"),
            sandbox_run_seconds=env_seconds(env, "ARIZE_MCP_SANDBOX_RUN_SECONDS", DEFAULT_SANDBOX_RUN_SECONDS),
            log_level=env.get("ARIZE_MCP_LOG_LEVEL", "").strip().upper() or DEFAULT_LOG_LEVEL,
            otel=env_flag(env, "ARIZE_MCP_OTEL"),
        )


def api_key_from_env(env: Env | None = None) -> SecretStr | None:
    return secret_from_env(os.environ if env is None else env, "ARIZE_API_KEY")


def secret_from_env(env: Env, name: str) -> SecretStr | None:
    """A key or token from the environment, refused (by name, never showing the value) when it holds
    anything an HTTP header cannot carry."""
    value = env.get(name, "").strip()
    if not value:
        return None
    if not is_header_safe(value):
        raise ConfigError(f"{name} {SECRET_RULE}; check the variable (its value is not shown)")
    return SecretStr(value)


SECRET_RULE = (
    "may hold only visible ASCII characters (no spaces, line breaks or control characters), "
    "as an HTTP header carries it"
)


def is_header_safe(secret: str) -> bool:
    """Whether `secret` is printable, visible ASCII: what an API key or bearer token is made of."""
    return all("!" <= char <= "~" for char in secret)


def base_url_from_env(env: Env) -> str:
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


def env_flag(env: Env, name: str) -> bool:
    try:
        return parse_flag(env.get(name, ""))
    except GrammarError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def env_count(env: Env, name: str, default: int | None) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def env_seconds(env: Env, name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return parse_seconds(text)
    except GrammarError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
