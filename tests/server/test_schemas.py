"""Each tool's published interface is snapshotted: a schema change must be a reviewed decision.

After an intended change, regenerate with
    ARIZE_MCP_UPDATE_SNAPSHOTS=1 pytest tests/server/test_schemas.py
and commit the updated files under tests/snapshots/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from arize_mcp.config import Settings
from arize_mcp.server import TOOLS, build_server

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).parent.parent / "snapshots"
UPDATE = os.environ.get("ARIZE_MCP_UPDATE_SNAPSHOTS") == "1"


async def published_tools() -> dict[str, dict]:
    tools = await build_server(Settings()).list_tools()
    return {tool.name: tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools}


@pytest.mark.parametrize("name", [spec.name for spec in TOOLS])
async def test_tool_matches_snapshot(name: str) -> None:
    published = (await published_tools())[name]
    published.pop("_meta", None)
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(published, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if UPDATE:
        path.write_text(rendered)
    assert path.exists(), f"no snapshot for {name}: run with ARIZE_MCP_UPDATE_SNAPSHOTS=1 and review it"
    assert json.loads(path.read_text()) == published, (
        f"{name}'s published schema changed. If intended, regenerate with ARIZE_MCP_UPDATE_SNAPSHOTS=1 "
        "and commit the snapshot."
    )


async def test_no_stale_snapshots() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.json")} == set(await published_tools())


def objects_in(schema: object, where: str) -> Iterator[tuple[dict, str]]:
    """Every object in a JSON schema, with where it is."""
    if isinstance(schema, dict):
        yield schema, where
        for key, value in schema.items():
            yield from objects_in(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from objects_in(value, f"{where}[{index}]")


async def test_every_number_is_bounded_and_every_argument_described() -> None:
    for name, tool in (await published_tools()).items():
        for node, where in objects_in(tool["inputSchema"], name):
            if node.get("type") in ("integer", "number"):
                assert "minimum" in node and "maximum" in node, f"unbounded number at {where}"
        for argument, spec in tool["inputSchema"]["properties"].items():
            assert spec.get("description"), f"{name}.{argument} has no description"
        assert tool["outputSchema"]["type"] == "object"
        assert tool["description"] and tool["annotations"]["title"]


async def test_input_and_output_schemas_are_in_the_portable_form() -> None:
    """No `$ref`, no nullable `anyOf`, no boolean `additionalProperties` (server/tools/schema.py), in the
    schemas adapters convert and in the ones clients check every result against."""
    problems: list[str] = []
    for name, tool in (await published_tools()).items():
        for part in ("inputSchema", "outputSchema"):
            for node, where in objects_in(tool[part], f"{name}.{part}"):
                if "$ref" in node or "$defs" in node:
                    problems.append(f"$ref at {where}")
                if isinstance(node.get("additionalProperties"), bool):
                    problems.append(f"boolean additionalProperties at {where}")
                if {"type": "null"} in node.get("anyOf", []):
                    problems.append(f"nullable anyOf at {where}")
    assert problems == []
