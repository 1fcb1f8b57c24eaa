"""Every tool survives the schema converters of other vendors' adapters, with nothing lost.

OpenAI's Agents SDK converts a tool to strict mode or silently falls back to non-strict; Google
GenAI's converters silently drop descriptions they cannot place. Both run here, pinned, in an
environment of their own, over the tools exactly as `tools/list` publishes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from arize_mcp.config import Settings
from arize_mcp.server import build_server
from tests.integrations.provision import ensure_venv, run

pytestmark = pytest.mark.anyio

CHECK = Path(__file__).with_name("schema_converters_check.py")
CONVERTERS = ("openai-agents==0.24.0", "google-genai==3.6.1")


@pytest.fixture(scope="module")
def converters_python() -> Path:
    return ensure_venv("schema-converters", CONVERTERS) / "python"


async def test_every_tool_converts_strictly_and_keeps_every_description(
    converters_python: Path, tmp_path: Path
) -> None:
    async with Client(build_server(Settings())) as client:
        tools = [
            tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in (await client.list_tools()).tools
        ]
    published = tmp_path / "tools.json"
    published.write_text(json.dumps(tools))
    report = json.loads(run([converters_python, CHECK, published], timeout=120).stdout)

    assert set(report) == {tool["name"] for tool in tools}
    for name, result in report.items():
        openai = result["openai"]
        assert openai["strict"], f"{name} fell back to non-strict: {openai['reason']}"
        assert openai["not_nullable"] == [], f"{name}: optional arguments strict mode cannot omit: {openai}"
        assert openai["lost"] == [], f"{name}: descriptions lost in strict mode: {openai['lost']}"
        assert result["described"] > 0
        for converter, lost in result["gemini_lost"].items():
            assert lost == [], f"{name}: {converter} lost the descriptions of {lost}"
