"""The tools, one module per toolset part: tasks.py (`tasks`), runs.py and waiting.py (`runs`)."""

from arize_mcp.server.tools.registry import ToolSpec
from arize_mcp.server.tools.runs import TOOLS as RUN_TOOLS
from arize_mcp.server.tools.tasks import TOOLS as TASK_TOOLS
from arize_mcp.server.tools.waiting import TOOLS as WAIT_TOOLS

TOOLS: tuple[ToolSpec, ...] = (*TASK_TOOLS, *RUN_TOOLS, *WAIT_TOOLS)

__all__ = ["TOOLS", "ToolSpec"]
