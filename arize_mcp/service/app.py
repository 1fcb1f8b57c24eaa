"""The ASGI application: the SDK's Streamable HTTP app, health routes, and the guard in front."""

from __future__ import annotations

from mcp.server.transport_security import TransportSecuritySettings

from arize_mcp.config import Settings
from arize_mcp.server import Drain, build_server
from arize_mcp.service.guard import Guard
from arize_mcp.service.health import Health
from arize_mcp.service.options import HttpOptions


def build_http_app(settings: Settings, options: HttpOptions, drain: Drain | None = None) -> Guard:
    drain = drain or Drain()
    server = build_server(settings, drain=drain, standalone_channel=not options.stateless)
    health = Health(settings, drain)
    server.custom_route("/healthz", methods=["GET"])(health.healthz)
    server.custom_route("/readyz", methods=["GET"])(health.readyz)
    app = server.streamable_http_app(
        streamable_http_path=options.path,
        json_response=options.json_response,
        stateless_http=options.stateless,
        max_request_body_size=options.max_body_bytes,
        # The guard validates Host and Origin before anything else runs, for every MCP request.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        host=options.host,
    )
    return Guard(app, options, drain)
