"""Following runs to their end: one shared poller per (credential, run), the waiter, the watch.

Imports `api/` only; knows nothing of MCP.
"""

from arize_mcp.follow.feeds import RunCursor, RunFeeds
from arize_mcp.follow.schedule import PollSchedule
from arize_mcp.follow.waiter import RunWaiter, WaitResult
from arize_mcp.follow.watch import RunWatch

__all__ = ["PollSchedule", "RunCursor", "RunFeeds", "RunWaiter", "RunWatch", "WaitResult"]
