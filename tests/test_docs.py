"""The README's tool reference is generated from the registered tools and must be current."""

from __future__ import annotations

from pathlib import Path

import pytest

from arize_mcp.docs import published_tools, render, updated_readme

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parent.parent / "README.md"


async def test_readme_tool_reference_is_current() -> None:
    readme = README.read_text()
    tools = await published_tools()
    assert updated_readme(readme, render(tools)) == readme, (
        "README.md's tool reference is out of date: run `python -m arize_mcp.docs` and commit README.md"
    )
    for tool in tools:
        assert f"### `{tool.name}`" in readme


def test_reference_needs_its_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        updated_readme("# no markers here\n", "x")
