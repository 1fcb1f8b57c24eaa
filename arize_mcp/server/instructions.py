"""The server instructions an agent reads on connecting, built from the tools it can call.

Each paragraph names the tools it tells the agent to use and is included only when all of them
are registered, so `--read-only` or `--toolsets tasks` never sends an agent to a missing tool.
"""

from __future__ import annotations

from collections.abc import Set

HEADLINE = "Run Arize evaluation and experiment tasks and follow them to completion."

# (tools the paragraph names, paragraph), in reading order.
PARAGRAPHS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"list_tasks", "get_task"}),
        "Find the task: list_tasks (filter by name) or get_task; tools also accept task_name instead of "
        "task_id. Note the task's type.",
    ),
    (
        frozenset({"trigger_task", "list_task_runs"}),
        "Start a run: trigger_task. Evaluation tasks (template_evaluation, code_evaluation) take a data "
        "window (data_start_time/data_end_time, ISO 8601 or relative like '-24h', at most 30 days; a "
        "project task's first run needs data_start_time) and override_evaluations; run_experiment tasks "
        "need a new, unique experiment_name. Never mix the two families. "
        "Each trigger starts a new run: after an error, check list_task_runs before triggering again.",
    ),
    (
        frozenset({"wait_for_task_run"}),
        "Follow a run to its end: wait_for_task_run(run_id). If the result has terminal=false, the run "
        "is still going: call wait_for_task_run again with the same run_id.",
    ),
    (
        frozenset({"wait_for_task_run", "trigger_task"}),
        "To start a run and follow it in one call: trigger_task(..., wait=true).",
    ),
    (
        frozenset({"get_task_run"}),
        "Read a run: get_task_run(run_id). Its status is pending, running, completed, failed or "
        "cancelled; read the counts, and failure_reason (why it failed or was cancelled). A run "
        "cancelled because the data already has labels did nothing.",
    ),
    (
        frozenset({"trigger_task"}),
        "To re-evaluate data that already has labels, trigger again with override_evaluations=true.",
    ),
    (
        frozenset({"list_task_runs"}),
        "See a task's recent runs, newest first, or find a run id you lost: list_task_runs.",
    ),
    (
        frozenset({"cancel_task_run"}),
        "cancel_task_run stops a pending or running run.",
    ),
)


def instructions_for(tools: Set[str]) -> str:
    """The instructions for a server whose registered tools are `tools`."""
    steps = [text for needs, text in PARAGRAPHS if needs <= tools]
    numbered = [f"{number}. {text}" for number, text in enumerate(steps, 1)]
    return "\n".join([HEADLINE, *numbered]) + "\n"
