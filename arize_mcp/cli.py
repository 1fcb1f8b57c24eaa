"""Command line: argument parsing and wiring only."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import anyio

from arize_mcp import __version__
from arize_mcp.api.http import CaBundleError, PreparedTls
from arize_mcp.config import CommandDefaults, ConfigError, Settings, api_key_from_env, parse_toolsets
from arize_mcp.grammar import GrammarError, parse_seconds

if TYPE_CHECKING:
    from arize_mcp.service.options import HttpOptions

log = logging.getLogger("arize_mcp")

SERVE_HELP = """\
Serve the Arize Tasks MCP tools: over stdio by default (stdout carries only MCP messages; logs go
to stderr), or over Streamable HTTP with --transport http.

Arize connection (environment; the official Arize SDK's names, order and rules):
  ARIZE_API_KEY        API key (required for the real API; not needed with --sandbox)
  ARIZE_API_HOST       host (default api.arize.com), with ARIZE_API_SCHEME (https) and ARIZE_API_PORT
  At most one of these replaces the host:
  ARIZE_REGION         ca-central-1a, eu-west-1a, us-central-1a or us-east-1b -> api.<region>.arize.com
  ARIZE_SINGLE_HOST    on-prem/VPC host, with ARIZE_SINGLE_PORT (used unless ARIZE_API_PORT is set)
  ARIZE_BASE_DOMAIN    Private Connect domain -> api.<domain>
  ARIZE_PROXY_URL      proxy for Arize calls; else HTTPS_PROXY, else HTTP_PROXY (these honour NO_PROXY)
  ARIZE_SSL_CA_CERT    PEM CA bundle to trust; else REQUESTS_CA_BUNDLE, else SSL_CERT_FILE
  ARIZE_REQUEST_VERIFY false turns TLS verification off (default true)
A setting that cannot work does not stop the server: every call then says what to fix.
`arize-mcp doctor` shows what was resolved and checks the connection.

HTTP transport (environment):
  ARIZE_MCP_AUTH_TOKEN       bearer token clients must send (required to bind a non-loopback address)
  ARIZE_MCP_ALLOWED_HOSTS    Host header values accepted, comma-separated (host:* for any port, * for any)
  ARIZE_MCP_ALLOWED_ORIGINS  browser Origins accepted (default: loopback origins only)
  ARIZE_MCP_REQUEST_TIMEOUT  longest time one MCP request may take, in seconds (default 3660)
  ARIZE_MCP_MAX_SESSIONS     open sessions at most (default 1000); ARIZE_MCP_MAX_SESSIONS_PER_CLIENT (100)
  ARIZE_MCP_MAX_CONNECTIONS  open connections at most (default: what the open-file limit allows)
  ARIZE_MCP_HEADER_TIMEOUT   seconds a new connection has to send its request headers (default 10)
  Clients may send their own Arize key per request in the X-Arize-Api-Key header.

Reliability and observability (environment):
  ARIZE_MCP_HTTP_TIMEOUT     total seconds one upstream request may take (default 30)
  ARIZE_MCP_RETRY_BUDGET     seconds one tool call may spend waiting to retry (default 45)
  ARIZE_MCP_OTEL=1           export OpenTelemetry traces to OTEL_EXPORTER_OTLP_ENDPOINT (needs arize-mcp[otel])
"""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        defaults = CommandDefaults.from_env()
        parser = _parser(defaults)
        key = api_key_from_env()
    except ConfigError as exc:
        print(f"arize-mcp: configuration error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    from arize_mcp.logs import configure_logging

    configure_logging(args.log_level, secrets=[key.get_secret_value()] if key else [])
    stop_tracing: Callable[[], None] | None = None
    try:
        if defaults.otel:
            from arize_mcp.telemetry import start_tracing

            stop_tracing = start_tracing()
        match args.command:
            case "emulator":
                return _run_emulator(args, key.get_secret_value() if key else None)
            case "demo":
                from arize_mcp.demo import run_demo

                return anyio.run(run_demo, args.run_seconds)
            case "doctor":
                return _doctor(args)
            case _:
                return _serve(args)
    except ConfigError as exc:
        print(f"arize-mcp: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if stop_tracing is not None:
            stop_tracing()  # exports the spans still buffered


def _serve(args: argparse.Namespace) -> int:
    options: HttpOptions | None = None
    if args.transport == "http":
        from arize_mcp.service.options import options_from_env

        options = options_from_env(
            host=args.host,
            port=args.port,
            stateless=args.stateless,
            json_response=args.json_response,
            allow_unauthenticated=args.allow_unauthenticated,
            grace_seconds=args.shutdown_grace_seconds,
            workers=args.workers,
        )
        options.check()  # before anything starts, so a refused bind leaves nothing behind
        for name in ("arize_mcp.access", "arize_mcp.service"):
            logging.getLogger(name).setLevel(logging.INFO)
    if args.sandbox:
        from arize_mcp.sandbox import sandbox_settings

        with sandbox_settings(args.sandbox_run_seconds) as settings:
            log.info("sandbox: serving against the embedded emulator at %s", settings.base_url)
            _run(_with_flags(settings, args), options)
        return 0
    settings = _with_flags(Settings.from_env(), args)
    connection = settings.connection
    for note in connection.notes:
        log.warning("%s", note)
    if connection.problem is not None:
        _log_problem(connection.problem)
    if settings.api_key is None:
        log.warning(
            "ARIZE_API_KEY is not set: calls need a per-request X-Arize-Api-Key header (HTTP) "
            "or answer with a missing-key error (try --sandbox)"
        )
    log.info("serving against %s", settings.base_url)
    _run(settings, options)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from arize_mcp.doctor import diagnose

    if args.sandbox:
        from arize_mcp.sandbox import sandbox_settings

        with sandbox_settings(args.sandbox_run_seconds) as settings:
            report = anyio.run(diagnose, settings)
    else:
        report = anyio.run(diagnose, Settings.from_env())
    print(report.as_json() if args.json else report.as_text())
    return report.check.exit_code


def _log_problem(problem: str) -> None:
    log.error("Arize settings cannot work, every call will say so: %s", problem)


def _run(settings: Settings, options: HttpOptions | None) -> None:
    """Serve over HTTP when options are given, else over stdio."""
    # Loads the CA bundle on a thread while the MCP SDK and the server are imported below.
    tls = PreparedTls(settings.connection.ca_bundle, settings.connection.verify_tls)
    if options is not None:
        from arize_mcp.service import serve_http

        settings, loaded = _with_loaded_tls(settings, tls)
        serve_http(settings, options, loaded)
    else:
        from arize_mcp.server import build_server
        from arize_mcp.server.runtime import Drain
        from arize_mcp.server.stdio import serve_stdio

        settings, loaded = _with_loaded_tls(settings, tls)
        drain = Drain()
        anyio.run(serve_stdio, build_server(settings, drain=drain, tls=loaded), drain)


def _with_loaded_tls(settings: Settings, tls: PreparedTls) -> tuple[Settings, PreparedTls | None]:
    """A CA bundle that config.py's checks let through but that cannot be loaded becomes the
    connection's problem, as a missing one is: the server starts and every call says what to fix
    (None: no bundle left to load)."""
    try:
        tls.verification()
    except CaBundleError as exc:
        connection = settings.connection.refusing_ca_bundle(str(exc))
        _log_problem(str(connection.problem))
        return dataclasses.replace(settings, connection=connection), None
    return settings, tls


def _with_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """Command-line flags win over the environment."""
    changes: dict[str, object] = {}
    if args.read_only:
        changes["read_only"] = True
    if args.toolsets is not None:
        changes["toolsets"] = parse_toolsets(args.toolsets)
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def _run_emulator(args: argparse.Namespace, env_key: str | None) -> int:
    import secrets

    from arize_mcp.emulator import EmulatorConfig, serve

    key = env_key or args.api_key or "sandbox-" + secrets.token_urlsafe(16)
    source = "ARIZE_API_KEY" if env_key else "--api-key" if args.api_key else "generated"
    print(
        f"Arize emulator on http://{args.host}:{args.port} (key: {source})\n"
        f"Point a client at it: ARIZE_API_SCHEME=http ARIZE_API_HOST={args.host} ARIZE_API_PORT={args.port}"
        + (f" ARIZE_API_KEY={key}" if source == "generated" else ""),
        file=sys.stderr,
        flush=True,
    )
    config = EmulatorConfig(
        api_keys=frozenset({key}),
        robustness_lowercase_enums=args.robustness_lowercase_enums,
        run_seconds=args.run_seconds,
        rate_limit_per_second=args.rate_limit,
    )
    serve(config, args.host, args.port)
    return 0


def _parser(defaults: CommandDefaults | None = None) -> argparse.ArgumentParser:
    defaults = defaults or CommandDefaults()
    parser = argparse.ArgumentParser(
        prog="arize-mcp",
        description=SERVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"arize-mcp {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=defaults.sandbox,
        help="serve against an embedded Arize emulator seeded with demo tasks; needs no account or key "
        "(also ARIZE_MCP_SANDBOX=1)",
    )
    parser.add_argument(
        "--sandbox-run-seconds",
        type=_positive,
        default=defaults.sandbox_run_seconds,
        metavar="S",
        help="with --sandbox: how long an emulated run takes from trigger to finish (default 12)",
    )
    transport = parser.add_argument_group("HTTP transport (for teams; see README 'Run it for a team')")
    parser.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default): one client on this machine; http: Streamable HTTP at /mcp",
    )
    transport.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    transport.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    transport.add_argument(
        "--stateless", action="store_true", help="make every request self-contained so any replica can answer it"
    )
    transport.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="with --stateless: serve from N processes sharing the port, about one per core (default 1)",
    )
    transport.add_argument("--json-response", action="store_true", help="answer with plain JSON instead of SSE")
    transport.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="allow a non-loopback bind without ARIZE_MCP_AUTH_TOKEN (only behind an authenticating proxy)",
    )
    transport.add_argument(
        "--shutdown-grace-seconds",
        type=_positive,
        default=20.0,
        metavar="S",
        help="on SIGTERM, how long in-flight calls may take to finish (default 20)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="expose only tools that change nothing upstream (also ARIZE_MCP_READ_ONLY=1)",
    )
    parser.add_argument(
        "--toolsets",
        metavar="NAMES",
        help="comma-separated tool groups to expose: tasks, runs (default all; also ARIZE_MCP_TOOLSETS)",
    )
    parser.add_argument(
        "--log-level",
        default=defaults.log_level,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
        help="stderr log level (default WARNING, or ARIZE_MCP_LOG_LEVEL)",
    )
    commands = parser.add_subparsers(dest="command", title="commands", metavar="{emulator,demo,doctor}")
    emulator = commands.add_parser(
        "emulator",
        help="run the Arize emulator as a standalone HTTP server",
        description="Serve a local emulation of the Arize v2 task endpoints over HTTP, seeded with demo "
        "tasks. It requires `Authorization: Bearer <key>` like the real API: the key is ARIZE_API_KEY, "
        "else --api-key, else a generated one printed on stderr.",
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8787, help="port to bind (default 8787)")
    emulator.add_argument("--api-key", help="accepted bearer key (default: ARIZE_API_KEY or generated)")
    emulator.add_argument(
        "--robustness-lowercase-enums",
        action="store_true",
        help="client robustness test: send status and type values lowercase, unlike the API (which sends "
        "UPPERCASE, the only spelling the official SDK reads)",
    )
    emulator.add_argument("--run-seconds", type=_positive, default=12.0, help="trigger-to-finish time (default 12)")
    emulator.add_argument("--rate-limit", type=_positive, default=None, help="requests per second per key before 429")
    demo = commands.add_parser(
        "demo",
        help="run a real MCP client session against `arize-mcp --sandbox`",
        description="Start `arize-mcp --sandbox` as a subprocess, connect an MCP client over stdio, list the "
        "tools, trigger a seeded task, show live progress from the server's notifications, and print the "
        "finished run. Needs no account.",
    )
    demo.add_argument("--run-seconds", type=_positive, default=8.0, help="emulated run duration (default 8)")
    doctor = commands.add_parser(
        "doctor",
        help="show the Arize endpoint, proxy, CA bundle and key in use, and check the connection",
        description="Print the version, the endpoint resolved from the environment and the variable that "
        "decided it, the proxy and CA bundle in use and whether a key is set (never the key), then call "
        "GET /v2/tasks?limit=1 and report its status, latency and a one-line diagnosis. Exit status: 0 when "
        "Arize answered with success, 1 when it answered with an error (such as a rejected key), 2 when it "
        "could not be asked (a setting that cannot work, no connection, a proxy or TLS failure).",
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON, for scripts")
    doctor.add_argument(
        "--sandbox",
        action="store_true",
        default=argparse.SUPPRESS,
        help="check the embedded emulator instead (same as `arize-mcp --sandbox doctor`)",
    )
    return parser


def _positive(text: str) -> float:
    try:
        return parse_seconds(text)
    except GrammarError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
