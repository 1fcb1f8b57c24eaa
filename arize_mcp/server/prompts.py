"""Prompts for the two common jobs, each spelling out the exact tool calls to make.

`evaluate_recent_window` evaluates the last hours or days of a project's spans with a named
evaluation task; `run_experiment` runs a run_experiment task under a new experiment name. A prompt
is offered only when every tool it tells the agent to call is registered: read-only mode hides
trigger_task, and with it both prompts.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Set
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.prompts.base import Message
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, InputRequiredResult
from pydantic import Field

from arize_mcp.api.models import MAX_DATA_WINDOW
from arize_mcp.grammar import DURATION_HELP, GrammarError, parse_duration, parse_flag
from arize_mcp.server.runtime import Runtime

EVALUATE_PROMPT = "evaluate_recent_window"
EXPERIMENT_PROMPT = "run_experiment"
DEFAULT_WINDOW = "24h"
WINDOW_EXAMPLES = ("1h", "6h", "24h", "7d", "30d")


# Every tool either prompt tells the agent to call.
PROMPT_TOOLS = frozenset({"trigger_task", "wait_for_task_run", "list_task_runs"})

TaskName = Annotated[
    str, Field(description="Name of the Arize task, as list_tasks shows it (matched case-insensitively).")
]


def _invalid(message: str) -> MCPError:
    # An MCPError passes through the SDK's prompt rendering unchanged, so the caller reads this text.
    return MCPError(code=INVALID_PARAMS, message=f"Invalid prompt argument: {message}")


def _parse_window(text: str) -> str:
    """A window such as '24h' (a duration of grammar.py), checked against the API's 30-day limit;
    returned as written, lowercase and without spaces, to go into '-<window>'."""
    value = "".join(text.split()).lower()
    try:
        span = parse_duration(value)
    except GrammarError:
        raise _invalid(
            f"window={text!r} is not a duration like {', '.join(WINDOW_EXAMPLES)} ({DURATION_HELP})"
        ) from None
    if not span:
        raise _invalid(f"window={text!r} is empty; give a duration like {DEFAULT_WINDOW}")
    if span > MAX_DATA_WINDOW:
        raise _invalid(f"window={text!r} is longer than the 30 days the API allows in one run")
    return value


def _parse_flag(text: str, argument: str) -> bool:
    try:
        return parse_flag(text)
    except GrammarError:
        raise _invalid(f"{argument}={text!r} is not true or false") from None


def _parse_count(text: str | None, argument: str) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise _invalid(f"{argument}={text!r} is not a whole number of at least 1")
    return int(value)


def _required_text(text: str, argument: str, hint: str) -> str:
    value = text.strip()
    if not value:
        raise _invalid(f"{argument} is empty; {hint}")
    return value


def _tool_call(tool: str, arguments: dict[str, object]) -> str:
    return f"{tool} {json.dumps(arguments, ensure_ascii=False)}"


def _if_trigger_fails(task_name: str, wrong_type: str, *extra: str) -> str:
    runs = _tool_call("list_task_runs", {"task_name": task_name, "limit": 5})
    cases = (
        *extra,
        "several tasks have that name: the error lists them. Ask me which one, then repeat the call "
        'with "task_id": "<its id>" in place of "task_name" (here and in later calls).',
        f"the task has the wrong type: {wrong_type}",
        "the error says a run may have started (a network or server failure): do not trigger again. "
        f"Look for it with\n     {runs}\n     and if the newest run was created just now, follow it in step 2.",
        "anything else: tell me the error and change nothing on your own.",
    )
    return "   If it fails:\n" + "\n".join(f"   - {case}" for case in cases)


_FOLLOW = (
    '2. While the result has "terminal": false, the run is still going upstream. Call\n'
    + "   "
    + _tool_call("wait_for_task_run", {"run_id": "<run.id from the last result>"})
    + '\n   and repeat until "terminal" is true. Never trigger the task again to retry or to wait.'
)


def _evaluation_call(task_name: str, span: str, override: bool) -> str:
    arguments: dict[str, object] = {"task_name": task_name, "data_start_time": f"-{span}", "data_end_time": "now"}
    if override:
        arguments["override_evaluations"] = True
    return _tool_call("trigger_task", {**arguments, "wait": True})


def _experiment_call(task_name: str, experiment_name: str, max_examples: int | None) -> str:
    arguments: dict[str, object] = {"task_name": task_name, "experiment_name": experiment_name}
    if max_examples is not None:
        arguments["max_examples"] = max_examples
    return _tool_call("trigger_task", {**arguments, "wait": True})


async def evaluate_recent_window(
    task_name: TaskName,
    window: Annotated[
        str,
        Field(description="How far back from now to evaluate, e.g. 1h, 24h, 7d (units m, h, d, w; at most 30d)."),
    ] = DEFAULT_WINDOW,
    override_evaluations: Annotated[
        str,
        Field(description="true to re-evaluate data that already has labels from this task; default false."),
    ] = "false",
) -> str:
    """Evaluate the last hours or days of a project's spans with a named Arize evaluation task
    (template or code evaluation): trigger one run over that window, follow it to the end, and
    report the outcome."""
    name = _required_text(task_name, "task_name", "give the evaluation task's name as list_tasks shows it")
    span = _parse_window(window)
    override = _parse_flag(override_evaluations, "override_evaluations")
    trigger = _evaluation_call(name, span, override)
    if override:
        cancelled = "cancelled: quote run.failure_reason."
    else:
        cancelled = (
            "cancelled, with a failure_reason saying the data already has labels: nothing was "
            "re-evaluated. Tell me so; only if I then ask to re-evaluate it, call\n"
            f"     {_evaluation_call(name, span, override=True)}\n     and follow that run the same way."
        )
    return "\n".join(
        (
            f'Evaluate the last {span} of data with the Arize evaluation task "{name}", then tell me the outcome.',
            "",
            "1. Start one run over that window and wait for it with this tool call:",
            f"   {trigger}",
            _if_trigger_fails(
                name,
                "it is a run_experiment task or a dataset-based evaluation task, and neither takes a data "
                "window. Stop and tell me.",
            ),
            _FOLLOW,
            '3. When "terminal" is true, report run.status, the counts (num_successes evaluated, '
            "num_errors errors, num_skipped skipped) and the data window (run.data_start_time to "
            "run.data_end_time).",
            "   - completed: that is the result.",
            f"   - {cancelled}",
            "   - failed: quote run.failure_reason and do not retry on your own.",
        )
    )


async def run_experiment(
    task_name: TaskName,
    experiment_name: Annotated[
        str, Field(description="Name of the new experiment; it must not exist yet in the task's dataset.")
    ],
    max_examples: Annotated[
        str | None, Field(description="Run on at most this many dataset examples (whole number ≥ 1); default all.")
    ] = None,
) -> str:
    """Run an Arize run_experiment task as a new, uniquely named experiment, optionally on a sample
    of its dataset: trigger one run, follow it to the end, and report the outcome."""
    name = _required_text(task_name, "task_name", "give the run_experiment task's name as list_tasks shows it")
    experiment = _required_text(experiment_name, "experiment_name", "give a new, unique experiment name")
    limit = _parse_count(max_examples, "max_examples")
    sample = f" on at most {limit} dataset examples" if limit is not None else ""
    return "\n".join(
        (
            f'Run the Arize experiment task "{name}" as a new experiment named "{experiment}"{sample}, '
            "then tell me the outcome.",
            "",
            "1. Start one run and wait for it with this tool call:",
            f"   {_experiment_call(name, experiment, limit)}",
            _if_trigger_fails(
                name,
                "it is an evaluation task, which evaluates a data window and takes no experiment name. "
                "Stop and tell me.",
                "the experiment name already exists (409): names are unique within the task's dataset. "
                "Ask me for a new name; do not make one up.",
            ),
            _FOLLOW,
            '3. When "terminal" is true, report run.status, run.experiment_id (the new experiment in '
            "Arize) and the counts (num_successes, num_errors, num_skipped examples).",
            "   - completed: that is the result.",
            "   - failed or cancelled: quote run.failure_reason and do not retry on your own.",
        )
    )


class CheckedPrompt(Prompt):
    """A prompt that names its missing required arguments in an invalid-params error; the SDK
    raises a bare ValueError for them, which reaches the client as an internal error."""

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = arguments or {}
        missing = [arg.name for arg in self.arguments or () if arg.required and arg.name not in given]
        if missing:
            raise _invalid(f"prompt {self.name} needs {' and '.join(missing)}")
        return await super().render(arguments, context)


@dataclass(frozen=True)
class PromptSpec:
    render: Callable[..., Awaitable[str]]
    name: str
    title: str
    tools: frozenset[str]


PROMPTS = (
    PromptSpec(evaluate_recent_window, EVALUATE_PROMPT, "Evaluate recent data", PROMPT_TOOLS),
    PromptSpec(run_experiment, EXPERIMENT_PROMPT, "Run an experiment", PROMPT_TOOLS),
)


def register_prompts(server: MCPServer[Runtime], *, available_tools: Set[str]) -> None:
    """Add each prompt whose tools are all among `available_tools` (the tools the server registered)."""
    for spec in PROMPTS:
        if spec.tools <= available_tools:
            description = inspect.getdoc(spec.render)
            server.add_prompt(
                CheckedPrompt.from_function(spec.render, name=spec.name, title=spec.title, description=description)
            )
