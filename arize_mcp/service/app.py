"""The ASGI application: the SDK's Streamable HTTP app, health routes, and the guard in front."""

from __future__ import annotations

from mcp.server.transport_security import TransportSecuritySettings

from arize_mcp.api.http import PreparedTls
from arize_mcp.config import Settings
from arize_mcp.redaction import register_secret
from arize_mcp.server import Drain, build_server
from arize_mcp.service.exchange import Exchange
from arize_mcp.service.guard import Guard
from arize_mcp.service.health import Health
from arize_mcp.service.options import HttpOptions
from arize_mcp.service.sessions import SessionGate

# Sessions being opened are counted once their first answer is sent, so the SDK's own cap leaves
# room for that many opening at the same moment.
OPENING_SESSIONS = 64


def build_http_app(
    settings: Settings, options: HttpOptions, drain: Drain | None = None, tls: PreparedTls | None = None
) -> Guard:
    drain = drain or Drain()
    if options.auth_token is not None:
        register_secret(options.auth_token.get_secret_value())
    server = build_server(settings, drain=drain, standalone_channel=not options.stateless, tls=tls)
    health = Health(settings, drain)
    server.custom_route("/healthz", methods=["GET"])(health.healthz)
    server.custom_route("/readyz", methods=["GET"])(health.readyz)
    app = server.streamable_http_app(
        streamable_http_path=options.path,
        json_response=options.json_response,
        stateless_http=options.stateless,
        max_request_body_size=options.max_body_bytes,
        max_sessions=options.max_sessions + OPENING_SESSIONS,
        # The guard validates Host and Origin before anything else runs, for every MCP request.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        host=options.host,
    )
    if options.stateless:
        return Guard(app, options, drain, exchange=Exchange(server, options.path, options.json_response))
    return Guard(app, options, drain, SessionGate(server, options.max_sessions, options.max_sessions_per_client))
