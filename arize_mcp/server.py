"""build_server(settings) -> MCPServer: registers the tools; the lifespan owns the HTTP pool."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from arize_mcp import __version__
from arize_mcp.completions import register_completions
from arize_mcp.config import ConfigError, Settings
from arize_mcp.prompts import register_prompts
from arize_mcp.resources import register_resources
from arize_mcp.runtime import Drain, Runtime, lifespan_for
from arize_mcp.tools import runs, tasks, waiting
from arize_mcp.tools.registry import ToolSpec

TOOLS: tuple[ToolSpec, ...] = (*tasks.TOOLS, *runs.TOOLS, *waiting.TOOLS)
TOOLSETS: dict[str, str] = {
    "tasks": "find and read tasks",
    "runs": "trigger, read, wait for and cancel runs",
}

INSTRUCTIONS = """\
Run Arize evaluation and experiment tasks and follow them to completion.
1. Find the task: list_tasks (filter by name) or get_task; tools also accept task_name instead of
   task_id. Note the task's type.
2. Start a run: trigger_task. Evaluation tasks (template_evaluation, code_evaluation) take a data
   window (data_start_time/data_end_time, ISO 8601 or relative like '-24h', at most 30 days; a
   project task's first run needs data_start_time) and override_evaluations; run_experiment tasks
   need a new, unique experiment_name. Never mix the two families.
   Each trigger starts a new run: after an error, check list_task_runs before triggering again.
3. Follow it: wait_for_task_run(run_id), or trigger_task(..., wait=true). If the result has
   terminal=false, the run is still going: call wait_for_task_run again with the same run_id.
4. Read the outcome: status completed, failed or cancelled, the counts, and failure_reason (why it
   failed or was cancelled). A run cancelled because the data already has labels did nothing; to
   re-evaluate that data, trigger again with override_evaluations=true.
cancel_task_run stops a pending or running run.
"""


def build_server(settings: Settings, *, drain: Drain | None = None) -> MCPServer[Runtime]:
    server: MCPServer[Runtime] = MCPServer(
        name="arize-mcp",
        title="Arize Tasks",
        description="Trigger Arize evaluation and experiment task runs and follow them to completion.",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://arize.com/docs/ax",
        lifespan=lifespan_for(settings, drain),
    )
    tools = selected_tools(settings)
    for spec in tools:
        spec.register(server)
    register_resources(server)
    register_prompts(server, available_tools={spec.name for spec in tools})
    register_completions(server)
    return server


def selected_tools(settings: Settings) -> list[ToolSpec]:
    """The tools of the chosen toolsets; in read-only mode only those that change nothing upstream."""
    chosen = settings.toolsets or frozenset(TOOLSETS)
    unknown = sorted(chosen - set(TOOLSETS))
    if unknown:
        known = "; ".join(f"{name}: {what}" for name, what in TOOLSETS.items())
        raise ConfigError(f"unknown toolset(s) {', '.join(unknown)}. Known toolsets: {known}")
    return [spec for spec in TOOLS if spec.toolset in chosen and (spec.read_only or not settings.read_only)]
