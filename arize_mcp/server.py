"""build_server(settings) -> MCPServer: registers the tools; the lifespan owns the HTTP pool."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from arize_mcp import __version__
from arize_mcp.config import Settings
from arize_mcp.runtime import Runtime, lifespan_for
from arize_mcp.tools import runs, tasks, waiting
from arize_mcp.tools.registry import ToolSpec

TOOLS: tuple[ToolSpec, ...] = (*tasks.TOOLS, *runs.TOOLS, *waiting.TOOLS)

INSTRUCTIONS = """\
Run Arize evaluation and experiment tasks and follow them to completion.
1. Find the task: list_tasks (filter by name). Note its id and type.
2. Start a run: trigger_task. Evaluation tasks (template_evaluation, code_evaluation) take a data
   window (data_start_time/data_end_time, ISO 8601 or relative like '-24h', at most 30 days) and
   override_evaluations; run_experiment tasks need a new, unique experiment_name. Never mix the two.
   Each trigger starts a new run: do not repeat it to "retry" without checking first.
3. Follow it: wait_for_task_run(run_id). If the result has terminal=false, call it again.
4. Read the outcome: status completed, failed or cancelled, the counts, and failure_reason. A run
   cancelled because the data already has labels can be re-triggered with override_evaluations=true.
"""


def build_server(settings: Settings) -> MCPServer[Runtime]:
    server: MCPServer[Runtime] = MCPServer(
        name="arize-mcp",
        title="Arize Tasks",
        description="Trigger Arize evaluation and experiment task runs and follow them to completion.",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://arize.com/docs/ax",
        lifespan=lifespan_for(settings),
    )
    for spec in TOOLS:
        spec.register(server)
    return server
