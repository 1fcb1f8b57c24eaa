"""How the HTTP service is exposed, and the refusal to expose it unsafely."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from arize_mcp.config import ApiKey, ConfigError, env_seconds

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_GRACE_SECONDS = 20.0
DEFAULT_REQUEST_TIMEOUT_SECONDS = 3660.0  # the longest wait (3600 s) plus room to answer


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    stateless: bool = False
    json_response: bool = False
    auth_token: ApiKey | None = None
    allow_unauthenticated: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
    path: str = field(default="/mcp")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Refuse configurations that would expose the server without protection."""
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be 0-65535, not {self.port}")
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
    env = os.environ if env is None else env
    token = env.get("ARIZE_MCP_AUTH_TOKEN", "").strip()
    values: dict[str, object] = {
        "auth_token": ApiKey(token) if token else None,
        "allowed_hosts": _list(env.get("ARIZE_MCP_ALLOWED_HOSTS", "")),
        "allowed_origins": _list(env.get("ARIZE_MCP_ALLOWED_ORIGINS", "")),
        "request_timeout_seconds": env_seconds(env, "ARIZE_MCP_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT_SECONDS),
    }
    values.update({name: value for name, value in flags.items() if value is not None})
    return HttpOptions(**values)  # type: ignore[arg-type]


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
