"""completion/complete through a real MCP client against the emulator: task ids, run ids and task
names as a person types them, and no suggestions (never an error) when Arize cannot answer."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import Completion, PromptReference, ResourceTemplateReference

from arize_mcp.emulator import CODE_EVAL, DATASET_EVAL, EXPERIMENT, FAILING, HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.prompts import EVALUATE_PROMPT, EXPERIMENT_PROMPT, WINDOW_EXAMPLES
from arize_mcp.server.uris import RUN_TEMPLATE, TASK_TEMPLATE
from tests.conftest import Upstream
from tests.helpers import ok

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])
TASK = ResourceTemplateReference(type="ref/resource", uri=TASK_TEMPLATE)
RUN = ResourceTemplateReference(type="ref/resource", uri=RUN_TEMPLATE)
EVALUATE = PromptReference(type="ref/prompt", name=EVALUATE_PROMPT)
EXPERIMENT_REF = PromptReference(type="ref/prompt", name=EXPERIMENT_PROMPT)


Reference = ResourceTemplateReference | PromptReference


async def complete(client: Client, ref: Reference, name: str, value: str) -> list[str]:
    completion: Completion = (await client.complete(ref, {"name": name, "value": value})).completion
    assert completion.total == len(completion.values) and not completion.has_more
    return completion.values


@MODES
async def test_task_ids_by_name_or_id_prefix(upper_upstream: Upstream, mode: str) -> None:
    ids = {name: upper_upstream.emulator.task_id(name) for name in (HALLUCINATION, CODE_EVAL, DATASET_EVAL)}
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        assert client.server_capabilities.completions is not None
        assert await complete(client, TASK, "task_id", "halluc") == [ids[HALLUCINATION]]
        assert set(await complete(client, TASK, "task_id", "")) >= set(ids.values())
        assert await complete(client, TASK, "task_id", ids[CODE_EVAL]) == [ids[CODE_EVAL]]
        assert await complete(client, TASK, "task_id", "no such task") == []


@MODES
async def test_run_ids_newest_first(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        runs = [
            ok(await client.call_tool("trigger_task", {"task_name": name, "data_start_time": "-1h"}))["run"]["id"]
            for name in (HALLUCINATION, CODE_EVAL, HALLUCINATION)
        ]
        assert await complete(client, RUN, "run_id", "") == runs[::-1]
        assert await complete(client, RUN, "run_id", runs[1]) == [runs[1]]
        assert await complete(client, RUN, "run_id", "nothing starts like this") == []


@MODES
async def test_task_names_for_each_prompt(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        evaluation = await complete(client, EVALUATE, "task_name", "")
        assert set(evaluation) == {HALLUCINATION, CODE_EVAL, FAILING}  # those that take a data window
        # Names that start with what was typed come before those that only contain it.
        assert await complete(client, EVALUATE, "task_name", "H") == [HALLUCINATION, CODE_EVAL]
        assert await complete(client, EXPERIMENT_REF, "task_name", "") == [EXPERIMENT]
        assert await complete(client, EXPERIMENT_REF, "task_name", "check") == []


async def test_static_suggestions_and_unknown_arguments(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        before = upper_upstream.count()
        assert await complete(client, EVALUATE, "window", "") == list(WINDOW_EXAMPLES)
        assert await complete(client, EVALUATE, "window", "2") == ["24h"]
        assert await complete(client, EVALUATE, "override_evaluations", "T") == ["true"]
        assert await complete(client, EXPERIMENT_REF, "experiment_name", "") == []
        assert await complete(client, PromptReference(type="ref/prompt", name="other"), "task_name", "") == []
        assert upper_upstream.count() == before


@MODES
async def test_failures_give_no_suggestions(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings(api_key=None)), mode=mode) as client:
        assert await complete(client, TASK, "task_id", "") == []
    upper_upstream.server.stop()
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        assert await complete(client, RUN, "run_id", "") == []
        assert await complete(client, EVALUATE, "task_name", "h") == []


async def test_task_type_reaches_the_wire_as_the_api_spells_it(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        await complete(client, EXPERIMENT_REF, "task_name", "")
    sent = [request.query.get("type") for request in upper_upstream.emulator.recorded(route="list_tasks")]
    assert sent == ["RUN_EXPERIMENT"]
