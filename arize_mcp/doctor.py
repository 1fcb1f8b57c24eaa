"""`arize-mcp doctor`: where this server would send its calls, and whether Arize answers there.

It prints the resolved endpoint and the variable that decided it, the proxy and CA bundle in
use, whether a key is set (never the key), then makes one real call, `GET /v2/tasks?limit=1`,
and turns its outcome into a one-line diagnosis naming the variable to change.

Exit status: 0 when the API answered with success, 1 when it answered with an error (a bad
key, say), 2 when it could not be asked (a setting that cannot work, no connection, TLS).
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

import httpx2
from pydantic import SecretStr

from arize_mcp import __version__
from arize_mcp.api.http import CaBundleError, http_client_with, tls_verification
from arize_mcp.config import CA_BUNDLE_VARIABLES, REGIONS, Settings

CHECK_PATH = "/v2/tasks"
CHECK_TIMEOUT_SECONDS = 15.0

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_UNREACHABLE = 2


@dataclass(frozen=True)
class Check:
    """The outcome of the one call: an HTTP status, or the failure that kept it from answering."""

    status: int | None
    latency_ms: float | None
    error: str | None
    diagnosis: str
    exit_code: int


@dataclass(frozen=True)
class Report:
    version: str
    endpoint: str
    endpoint_from: str
    notes: list[str]
    config_problem: str | None
    proxy: str | None
    proxy_from: str | None
    ca_bundle: str | None
    ca_bundle_from: str | None
    verify_tls: bool
    api_key_set: bool
    check: Check

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def as_text(self) -> str:
        verify = "" if self.verify_tls else "  (TLS verification OFF: ARIZE_REQUEST_VERIFY)"
        lines = [
            f"arize-mcp {self.version}",
            f"endpoint:   {self.endpoint}  (decided by {self.endpoint_from})"
            if self.config_problem is None
            else "endpoint:   not resolved (see the diagnosis)",
            *(f"note:       {note}" for note in self.notes),
            f"proxy:      {self.proxy or 'none'}" + (f"  (from {self.proxy_from})" if self.proxy_from else ""),
            f"CA bundle:  {self.ca_bundle or 'system default'}"
            + (f"  (from {self.ca_bundle_from})" if self.ca_bundle_from else "")
            + verify,
            f"API key:    {'set' if self.api_key_set else 'not set (ARIZE_API_KEY)'}",
        ]
        check = self.check
        if check.status is not None:
            lines.append(f"check:      GET {CHECK_PATH}?limit=1 -> HTTP {check.status} in {check.latency_ms:.0f} ms")
        elif check.error is not None:
            lines.append(f"check:      GET {CHECK_PATH}?limit=1 -> no answer ({check.error})")
        lines.append(f"diagnosis:  {check.diagnosis}")
        return "\n".join(lines)


async def diagnose(settings: Settings) -> Report:
    settings, verify = _with_tls(settings)
    connection = settings.connection
    check = await _check(settings, verify)
    return Report(
        version=__version__,
        endpoint=connection.base_url,
        endpoint_from=connection.decided_by,
        notes=list(connection.notes),
        config_problem=connection.problem,
        proxy=connection.proxy_display,
        proxy_from=connection.proxy_from,
        ca_bundle=connection.ca_bundle,
        ca_bundle_from=connection.ca_bundle_from,
        verify_tls=connection.verify_tls,
        api_key_set=settings.api_key is not None,
        check=check,
    )


def _with_tls(settings: Settings) -> tuple[Settings, ssl.SSLContext | bool]:
    """The settings and the TLS verification to check with; a CA bundle that cannot be loaded is
    reported as the connection's problem, as the server reports it."""
    connection = settings.connection
    try:
        return settings, tls_verification(connection.ca_bundle, connection.verify_tls)
    except CaBundleError as exc:
        return replace(settings, connection=connection.refusing_ca_bundle(str(exc))), False


async def _check(settings: Settings, verify: ssl.SSLContext | bool) -> Check:
    connection = settings.connection
    if connection.problem is not None:
        return Check(None, None, None, f"Fix the setting first: {connection.problem}.", EXIT_UNREACHABLE)
    headers = {"Accept": "application/json", "User-Agent": f"arize-mcp/{__version__} (doctor)"}
    if settings.api_key is not None:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    http = http_client_with(timeout_seconds=CHECK_TIMEOUT_SECONDS, proxy_url=connection.proxy_url, verify=verify)
    started = time.monotonic()
    try:
        async with http:
            response = await http.get(connection.base_url + CHECK_PATH, params={"limit": 1}, headers=headers)
    except httpx2.TransportError as exc:
        error = _describe(exc, settings.api_key)
        return Check(None, None, error, _transport_diagnosis(exc, settings), EXIT_UNREACHABLE)
    latency_ms = (time.monotonic() - started) * 1000
    status = response.status_code
    diagnosis, exit_code = _status_diagnosis(status, settings)
    return Check(status, round(latency_ms, 1), None, diagnosis, exit_code)


def _status_diagnosis(status: int, settings: Settings) -> tuple[str, int]:
    if 200 <= status < 300:
        if settings.api_key is None:
            return "The endpoint answered without a key; set ARIZE_API_KEY to act as yourself.", EXIT_API_ERROR
        return "Arize answered: this key can list tasks. The server is ready to use.", EXIT_OK
    if status == 401:
        if settings.api_key is None:
            return (
                "Arize answered 401: no key is set. Set ARIZE_API_KEY (Arize → Settings → API Keys), or try "
                "`arize-mcp --sandbox` without an account.",
                EXIT_API_ERROR,
            )
        return (
            "Arize rejected the key (401). Set ARIZE_API_KEY to a current key from Arize → Settings → API Keys; "
            "a key works only in its own region, so check ARIZE_REGION too.",
            EXIT_API_ERROR,
        )
    if status == 403:
        return "The key is valid but may not list tasks (403): check its role and space access.", EXIT_API_ERROR
    if status == 404:
        return (
            f"{settings.base_url} answered but serves no Arize task API (404): check ARIZE_REGION, "
            "ARIZE_API_HOST or ARIZE_BASE_DOMAIN.",
            EXIT_API_ERROR,
        )
    if status == 407:
        return _proxy_text(settings, "asks for proxy credentials (407): put them in the proxy URL"), EXIT_API_ERROR
    if status == 429:
        return "Arize is rate-limiting this key (429); try again in a minute.", EXIT_API_ERROR
    if status >= 500:
        return f"Arize answered with a server error ({status}); try again later.", EXIT_API_ERROR
    return f"Arize answered {status} to a plain list of tasks.", EXIT_API_ERROR


def _transport_diagnosis(exc: httpx2.TransportError, settings: Settings) -> str:
    connection = settings.connection
    text = _describe(exc, settings.api_key)
    host = urlsplit(connection.base_url).hostname or connection.base_url
    ca_names = " → ".join(CA_BUNDLE_VARIABLES)
    if _is_tls_failure(exc):
        return (
            f"TLS verification of {host} failed. If a corporate proxy or gateway re-signs TLS, set "
            f"ARIZE_SSL_CA_CERT to a PEM file of its CA (read in the order {ca_names})"
            + (f"; now using {connection.ca_bundle} from {connection.ca_bundle_from}." if connection.ca_bundle else ".")
        )
    if isinstance(exc, httpx2.ProxyError) or (connection.proxy_url and isinstance(exc, httpx2.ConnectError)):
        return _proxy_text(settings, f"refused or failed the connection ({text})")
    if isinstance(exc, httpx2.TimeoutException):
        return (
            f"No answer from {host} within {CHECK_TIMEOUT_SECONDS:.0f} s: a firewall may need a proxy "
            "(ARIZE_PROXY_URL), or the endpoint is wrong (ARIZE_REGION, ARIZE_API_HOST)."
        )
    if "name or service not known" in text.lower() or "nodename" in text.lower() or "getaddrinfo" in text.lower():
        return (
            f"Could not resolve {host}: check ARIZE_REGION (one of {', '.join(REGIONS)}), ARIZE_API_HOST, "
            "ARIZE_BASE_DOMAIN or ARIZE_SINGLE_HOST, and this machine's DNS."
        )
    return (
        f"Could not connect to {connection.base_url} ({text}): check ARIZE_REGION (one of {', '.join(REGIONS)}), "
        "ARIZE_API_HOST/ARIZE_API_PORT, ARIZE_SINGLE_HOST/ARIZE_SINGLE_PORT, and whether a proxy is "
        "needed (ARIZE_PROXY_URL)."
    )


def _proxy_text(settings: Settings, what: str) -> str:
    connection = settings.connection
    if connection.proxy_url is None:
        return f"A proxy between here and Arize {what}; set ARIZE_PROXY_URL to the proxy to use."
    return (
        f"The proxy {connection.proxy_display} (from {connection.proxy_from}) {what}. Check the proxy URL, "
        "its credentials, and that it allows this host; NO_PROXY exempts hosts from HTTPS_PROXY/HTTP_PROXY."
    )


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe(exc: httpx2.TransportError, key: SecretStr | None) -> str:
    text = str(exc).strip() or type(exc).__name__
    if key is not None:
        text = text.replace(key.get_secret_value(), "********")
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
