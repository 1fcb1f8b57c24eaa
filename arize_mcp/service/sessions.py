"""Room in the session table for clients that use their sessions.

The SDK keeps each stateful Streamable HTTP session (about 38 KB) until it is deleted or idle for
30 minutes, and refuses new ones once its table is full: a flood of `initialize` requests would
lock every real client out for half an hour. So before a new session is opened:
- a client (its own `X-Arize-Api-Key` when it sends one, else its address) may hold at most
  `per_client` sessions; one more is refused with 429;
- when the table is full, the oldest sessions that never made a second request are closed to
  make room (a real client comes back at once with `notifications/initialized`); only if every
  session is in use is the new one refused with 503.
The SDK's table is reached through seams.py.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from mcp.server.mcpserver import MCPServer
from starlette.datastructures import Headers
from starlette.types import Scope

from arize_mcp.logs import Throttle
from arize_mcp.server.runtime import API_KEY_HEADER
from arize_mcp.server.seams import close_session, open_session_ids

log = logging.getLogger(__name__)

SESSION_HEADER = "mcp-session-id"
REPORT_INTERVAL_SECONDS = 10.0


@dataclass
class _Session:
    client: str
    reused: bool = False


class SessionGate:
    def __init__(self, server: MCPServer, max_sessions: int, per_client: int) -> None:
        self._server = server
        self.max_sessions = max_sessions
        self.per_client = per_client
        self._sessions: dict[str, _Session] = {}  # in order of opening
        self._evictions = Throttle(REPORT_INTERVAL_SECONDS)

    @staticmethod
    def client_of(scope: Scope, headers: Headers) -> str:
        own_key = headers.get(API_KEY_HEADER, "").strip()
        if own_key:
            return "key:" + hashlib.sha256(own_key.encode()).hexdigest()[:16]
        client = scope.get("client")
        return "address:" + (client[0] if client else "unknown")

    async def admit(self, client: str) -> tuple[int, str] | None:
        """Make room for a new session of `client`; the (status, title) to refuse it with, if it cannot be."""
        self._forget_closed()
        if sum(session.client == client for session in self._sessions.values()) >= self.per_client:
            return 429, f"Too many open sessions for this client (at most {self.per_client}); close unused ones"
        if len(self._sessions) < self.max_sessions:
            return None
        idle = next((sid for sid, session in self._sessions.items() if not session.reused), None)
        if idle is None:
            return 503, "Too many open sessions"
        del self._sessions[idle]
        await close_session(self._server, idle)
        if self._evictions.ready():
            log.warning(
                "session table full (%d): closed the oldest sessions that never made a second request "
                "(%d since the last report)",
                self.max_sessions,
                self._evictions.take_suppressed() + 1,
            )
        return None

    def opened(self, session_id: str, client: str) -> None:
        self._sessions[session_id] = _Session(client)

    def used(self, session_id: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.reused = True

    def _forget_closed(self) -> None:
        """Drop sessions the SDK has closed meanwhile (deleted by the client, idle, crashed)."""
        alive = open_session_ids(self._server)
        for session_id in [sid for sid in self._sessions if sid not in alive]:
            del self._sessions[session_id]
