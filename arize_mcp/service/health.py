"""/healthz and /readyz: probe answers that reveal nothing about the configuration."""

from __future__ import annotations

import time

import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse

from arize_mcp.api.http import new_http_client
from arize_mcp.config import Settings
from arize_mcp.server import Drain

READY_CACHE_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 3.0


class Health:
    """Liveness (`/healthz`: the process answers) and readiness (`/readyz`: not draining, and Arize
    answers below 500, checked at most every READY_CACHE_SECONDS)."""

    def __init__(self, settings: Settings, drain: Drain) -> None:
        self._settings = settings
        self._drain = drain
        self._checked_at = float("-inf")
        self._reachable = False

    async def healthz(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> JSONResponse:
        if self._drain.started:
            return JSONResponse({"status": "draining"}, status_code=503)
        if not await self._upstream_reachable():
            return JSONResponse({"status": "upstream unreachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def _upstream_reachable(self) -> bool:
        # Probes come every few seconds from every replica: answer from a short cache.
        if time.monotonic() - self._checked_at < READY_CACHE_SECONDS:
            return self._reachable
        connection = self._settings.connection
        if connection.problem is not None:
            return False
        headers = {}
        if self._settings.api_key is not None:
            headers["Authorization"] = f"Bearer {self._settings.api_key.get_secret_value()}"
        try:
            http = new_http_client(
                timeout_seconds=PROBE_TIMEOUT_SECONDS,
                proxy_url=connection.proxy_url,
                ca_bundle=connection.ca_bundle,
                verify_tls=connection.verify_tls,
            )
            async with http:
                response = await http.get(f"{self._settings.base_url}/v2/tasks", params={"limit": 1}, headers=headers)
            # Any answer below 500 (401 included, when callers bring their own keys) means reachable.
            self._reachable = response.status_code < 500
        except httpx2.HTTPError:
            self._reachable = False
        self._checked_at = time.monotonic()
        return self._reachable
