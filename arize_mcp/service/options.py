"""How the HTTP service is exposed, and the refusal to expose it unsafely."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from arize_mcp.config import (
    DEFAULT_HEADER_TIMEOUT_SECONDS,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_SESSIONS_PER_CLIENT,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    ConfigError,
    ServiceSettings,
)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_GRACE_SECONDS = 20.0
# Far more processes than cores only adds memory and context switches; a larger number is a typo.
MAX_WORKERS = 64


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    stateless: bool = False
    json_response: bool = False
    auth_token: SecretStr | None = None
    allow_unauthenticated: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
    max_sessions: int = DEFAULT_MAX_SESSIONS
    max_sessions_per_client: int = DEFAULT_MAX_SESSIONS_PER_CLIENT
    max_connections: int | None = None
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS
    workers: int = 1
    path: str = field(default="/mcp")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Refuse configurations that would expose the server without protection."""
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be 0-65535, not {self.port}")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ConfigError(f"--workers must be 1-{MAX_WORKERS} (about one per core), not {self.workers}")
        if self.workers > 1 and not self.stateless:
            raise ConfigError(
                f"--workers {self.workers} needs --stateless: a session lives in the process that opened it, "
                "and the next request of that session may reach another worker"
            )
        if not self.loopback and self.auth_token is None and not self.allow_unauthenticated:
            raise ConfigError(
                f"refusing to listen on {self.host} (reachable from other machines) without authentication. "
                "Set ARIZE_MCP_AUTH_TOKEN so clients must send 'Authorization: Bearer <token>', or pass "
                "--allow-unauthenticated if something in front of this server authenticates callers."
            )

    def host_patterns(self) -> list[str]:
        """Host header values accepted on the MCP endpoint (DNS-rebinding protection)."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        patterns = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
        if not self.loopback and self.host not in ("0.0.0.0", "::"):
            patterns.append(f"{_bracketed(self.host)}:*")
        return patterns

    def origin_patterns(self) -> list[str]:
        """Origin header values accepted (a request without Origin, as non-browser clients send, passes)."""
        if self.allowed_origins:
            return list(self.allowed_origins)
        return ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def options_from_env(env: Mapping[str, str] | None = None, **flags: object) -> HttpOptions:
    """Flags given on the command line win over the environment."""
    values: dict[str, object] = dataclasses.asdict(ServiceSettings.from_env(env))
    values.update({name: value for name, value in flags.items() if value is not None})
    return HttpOptions(**values)  # type: ignore[arg-type]


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
