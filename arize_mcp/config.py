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
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from pydantic import SecretStr

from arize_mcp.api.http import CaBundleError, check_ca_bundle
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
# The official SDK's regions (arize 8.61 `Region`), spelled exactly as it accepts them.
REGIONS = ("ca-central-1a", "eu-west-1a", "us-central-1a", "us-east-1b")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")
# Where the endpoint, proxy and CA bundle come from, in the SDK's order of precedence.
ENDPOINT_VARIABLES = (
    "ARIZE_REGION",
    "ARIZE_SINGLE_HOST",
    "ARIZE_SINGLE_PORT",
    "ARIZE_BASE_DOMAIN",
    "ARIZE_API_HOST",
    "ARIZE_API_SCHEME",
    "ARIZE_API_PORT",
)
PROXY_VARIABLES = ("ARIZE_PROXY_URL", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
CA_BUNDLE_VARIABLES = ("ARIZE_SSL_CA_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
VERIFY_VARIABLE = "ARIZE_REQUEST_VERIFY"

Env = Mapping[str, str]


class ConfigError(ValueError):
    """The environment or command line holds a setting that cannot work."""


@dataclass(frozen=True)
class Connection:
    """How to reach Arize, resolved from the environment exactly as the official SDK resolves it.

    A setting that cannot work does not stop the server (MCP clients show a server that exits
    badly): `problem` says what is wrong and how to fix it, and every call reports it."""

    base_url: str = f"https://{DEFAULT_HOST}"
    decided_by: str = "default"  # the variable(s) that chose the host, or "default"
    proxy_url: str | None = field(default=None, repr=False)  # may carry a password: see proxy_display
    proxy_from: str | None = None
    ca_bundle: str | None = None
    ca_bundle_from: str | None = None
    verify_tls: bool = True
    problem: str | None = None
    notes: tuple[str, ...] = ()  # settings that are set but have no effect, said once at start

    @property
    def proxy_display(self) -> str | None:
        """The proxy URL with any password masked, fit to print."""
        return mask_url_password(self.proxy_url) if self.proxy_url else None

    def refusing_ca_bundle(self, what: str) -> Connection:
        """This connection once loading its CA bundle failed (`what` is wrong with the file): a problem,
        as a bundle that names no file is. Loading is left until the pool needs it, see `PreparedTls`."""
        return Connection(problem=_ca_bundle_problem(str(self.ca_bundle_from), str(self.ca_bundle), what))

    @classmethod
    def from_env(cls, env: Env | None = None) -> Connection:
        env = os.environ if env is None else env
        try:
            base_url, decided_by, notes = resolve_base_url(env)
            proxy_url, proxy_from = resolve_proxy(env, base_url)
            ca_bundle, ca_bundle_from = resolve_ca_bundle(env)
            verify_tls = env_flag(env, VERIFY_VARIABLE, default=True)
        except ConfigError as exc:
            return cls(problem=str(exc))
        return cls(base_url, decided_by, proxy_url, proxy_from, ca_bundle, ca_bundle_from, verify_tls, None, notes)


@dataclass(frozen=True)
class Settings:
    """What the MCP server needs: where Arize is, with which key, and how to pace and present itself."""

    connection: Connection = field(default_factory=Connection)
    api_key: SecretStr | None = None
    timeout_seconds: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollSchedule = field(default_factory=PollSchedule)
    read_only: bool = False
    toolsets: frozenset[str] | None = None  # None: every toolset
    # Signs task handles (server/task_handles); replicas must share it. None: a fresh one per process.
    task_secret: SecretStr | None = None

    @property
    def base_url(self) -> str:
        return self.connection.base_url

    @classmethod
    def from_env(cls, env: Env | None = None, *, upstream: bool = True) -> Settings:
        """`upstream=False` leaves the connection and key at their defaults (the sandbox sets its own)."""
        env = os.environ if env is None else env
        return cls(
            connection=Connection.from_env(env) if upstream else Connection(),
            api_key=api_key_from_env(env) if upstream else None,
            timeout_seconds=env_seconds(env, "ARIZE_MCP_HTTP_TIMEOUT", 30.0),
            retry=RetryPolicy(
                sleep_budget_seconds=env_seconds(env, "ARIZE_MCP_RETRY_BUDGET", DEFAULT_RETRY_BUDGET_SECONDS)
            ),
            poll=PollSchedule(
                initial_seconds=env_seconds(env, "ARIZE_MCP_POLL_INITIAL_SECONDS", 1.0),
                max_seconds=min(
                    MAX_POLL_SECONDS, env_seconds(env, "ARIZE_MCP_POLL_MAX_SECONDS", PollSchedule.max_seconds)
                ),
            ),
            read_only=env_flag(env, "ARIZE_MCP_READ_ONLY"),
            toolsets=parse_toolsets(env.get("ARIZE_MCP_TOOLSETS", "")),
            task_secret=SecretStr(secret) if (secret := env.get("ARIZE_MCP_TASK_SECRET", "").strip()) else None,
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
    """The API's base URL, as the official SDK resolves it (ConfigError when it cannot)."""
    return resolve_base_url(env)[0]


def resolve_base_url(env: Env) -> tuple[str, str, tuple[str, ...]]:
    """(base URL, the variables that decided the host, notes on settings that have no effect).

    The SDK's rules (arize 8.61 `SDKConfiguration`): ARIZE_API_HOST/SCHEME/PORT give the URL;
    at most one override of ARIZE_REGION, ARIZE_SINGLE_HOST/ARIZE_SINGLE_PORT or
    ARIZE_BASE_DOMAIN (api.<domain>) replaces the host, so a region wins over ARIZE_API_HOST;
    ARIZE_SINGLE_PORT applies unless ARIZE_API_PORT is set. Two deliberate differences, both
    where the SDK would build an unusable URL: an empty variable counts as unset, and an
    ARIZE_API_HOST written as a URL (http://127.0.0.1:8787, as bundles and configs often hold)
    gives the scheme and port it names."""
    value = {name: env.get(name, "").strip() for name in ENDPOINT_VARIABLES}
    if "://" in value["ARIZE_API_HOST"]:
        _read_host_url(value)
    scheme = value["ARIZE_API_SCHEME"].lower() or "https"
    if scheme not in ("http", "https"):
        raise ConfigError(f"ARIZE_API_SCHEME must be 'http' or 'https', not {value['ARIZE_API_SCHEME']!r}")
    port = _port(value, "ARIZE_API_PORT")
    single_port = _port(value, "ARIZE_SINGLE_PORT")
    region = value["ARIZE_REGION"]
    if region and region not in REGIONS:
        hint = f" (did you mean {region.lower()!r}?)" if region.lower() in REGIONS else ""
        raise ConfigError(f"ARIZE_REGION must be one of {', '.join(REGIONS)}, not {region!r}{hint}")
    overrides = [
        name
        for name, is_set in (
            ("ARIZE_REGION", bool(region)),
            ("ARIZE_SINGLE_HOST/ARIZE_SINGLE_PORT", bool(value["ARIZE_SINGLE_HOST"] or single_port)),
            ("ARIZE_BASE_DOMAIN", bool(value["ARIZE_BASE_DOMAIN"])),
        )
        if is_set
    ]
    if len(overrides) > 1:
        raise ConfigError(
            f"{' and '.join(overrides)} are set, but only one of ARIZE_REGION, ARIZE_SINGLE_HOST/"
            "ARIZE_SINGLE_PORT or ARIZE_BASE_DOMAIN may choose the endpoint: unset all but one"
        )
    host, decided_by = value["ARIZE_API_HOST"] or DEFAULT_HOST, "ARIZE_API_HOST" if value["ARIZE_API_HOST"] else ""
    for name, replacement in (
        ("ARIZE_BASE_DOMAIN", f"api.{value['ARIZE_BASE_DOMAIN']}"),
        ("ARIZE_SINGLE_HOST", value["ARIZE_SINGLE_HOST"]),
        ("ARIZE_REGION", f"api.{region}.arize.com"),
    ):
        if value[name]:
            host, decided_by = replacement, name
    notes: list[str] = []
    if value["ARIZE_API_HOST"] and decided_by != "ARIZE_API_HOST":
        notes.append(f"ARIZE_API_HOST={value['ARIZE_API_HOST']} has no effect: {decided_by} chooses the host")
    if single_port and not port:
        port, decided_by = single_port, (decided_by + "+" if decided_by else "") + "ARIZE_SINGLE_PORT"
    elif single_port:
        notes.append(f"ARIZE_SINGLE_PORT={single_port} has no effect: ARIZE_API_PORT={port} is set")
    host = host.rstrip("/")
    if not _HOST.match(host):
        source = decided_by.split("+")[0] or "ARIZE_API_HOST"
        raise ConfigError(
            f"{source} must be a host name such as api.arize.com (no scheme or path: use ARIZE_API_SCHEME "
            f"and ARIZE_API_PORT for those), not {host!r}"
        )
    if port:
        # Like the SDK: a port given apart replaces one written into the host.
        try:
            embedded = urlsplit(f"//{host}")
            host = embedded.hostname or host if embedded.port is not None else host
        except ValueError:
            source = decided_by or "ARIZE_API_HOST"
            raise ConfigError(f"{source} holds a host with an unreadable port: {host!r}") from None
    url = f"{scheme}://{host}" + (f":{port}" if port else "")
    return url, decided_by or "default", tuple(notes)


def _read_host_url(value: dict[str, str]) -> None:
    """Split an ARIZE_API_HOST written as a URL into the host, scheme and port variables."""
    written = urlsplit(value["ARIZE_API_HOST"])
    try:
        port = written.port
    except ValueError:
        port, written = None, written._replace(netloc="")
    if written.path.strip("/") or written.query or not written.hostname:
        raise ConfigError(
            "ARIZE_API_HOST must be a host name such as api.arize.com, or a URL with nothing after the host "
            f"and port, not {value['ARIZE_API_HOST']!r}"
        )
    host = written.netloc.rpartition("@")[2]
    value["ARIZE_API_HOST"] = host.removesuffix(f":{port}") if port is not None else host
    value["ARIZE_API_SCHEME"] = written.scheme
    if port is not None and not value["ARIZE_API_PORT"]:
        value["ARIZE_API_PORT"] = str(port)


def _port(value: Mapping[str, str], name: str) -> int:
    text = value[name]
    if not text:
        return 0
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise ConfigError(f"{name} must be a port number 0-65535 (0 = the scheme's default), not {text!r}")
    return int(text)


def resolve_proxy(env: Env, base_url: str) -> tuple[str | None, str | None]:
    """(proxy URL, the variable it came from): ARIZE_PROXY_URL, else HTTPS_PROXY, else HTTP_PROXY,
    the order the SDK documents. The general-purpose variables give way to NO_PROXY, as every
    tool that reads them does; ARIZE_PROXY_URL is meant for Arize and always applies."""
    for name in PROXY_VARIABLES:
        url = env.get(name, "").strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"{name} must be a proxy URL such as http://proxy.example:3128, not {mask_url_password(url)!r}"
            )
        if name != "ARIZE_PROXY_URL":
            no_proxy = env.get("NO_PROXY", "") or env.get("no_proxy", "")
            host = urlsplit(base_url).hostname or ""
            if no_proxy and proxy_bypass_environment(host, {"no": no_proxy}):
                return None, None
        return url, name
    return None, None


def resolve_ca_bundle(env: Env) -> tuple[str | None, str | None]:
    """(CA bundle path, the variable it came from): ARIZE_SSL_CA_CERT, else REQUESTS_CA_BUNDLE,
    else SSL_CERT_FILE, as the SDK reads them; None means the system's trusted CAs."""
    for name in CA_BUNDLE_VARIABLES:
        path = env.get(name, "").strip()
        if not path:
            continue
        if not Path(path).exists():
            raise ConfigError(_ca_bundle_problem(name, path, "names no file"))
        try:
            check_ca_bundle(path)
        except CaBundleError as exc:
            raise ConfigError(_ca_bundle_problem(name, path, str(exc))) from None
        return path, name
    return None, None


def _ca_bundle_problem(name: str, path: str, what: str) -> str:
    """The problem with the CA bundle `path` that variable `name` gives, `what` saying what is wrong with
    it ("names no file"), and how to fix it."""
    return (
        f"{name}={path} {what}: point it at a PEM file of the CA certificates that sign "
        "your Arize endpoint or proxy, or unset it to trust the system's CAs"
    )


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def parse_toolsets(text: str) -> frozenset[str] | None:
    names = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    return names or None


def env_flag(env: Env, name: str, *, default: bool = False) -> bool:
    """A yes/no variable; `default` when it is unset or blank."""
    text = env.get(name, "")
    if not text.strip():
        return default
    try:
        return parse_flag(text)
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
