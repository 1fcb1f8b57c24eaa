"""The README's client snippets are the files the integration tests start, verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [
    "manifests/claude-desktop/claude_desktop_config.json",
    "manifests/vscode/mcp.json",
    "manifests/cursor/mcp.json",
    "manifests/windsurf/mcp_config.json",
    "manifests/claude-code/.mcp.json",
]


def readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


@pytest.mark.parametrize("path", CONFIGS)
def test_config_file_is_shown_in_the_readme(path: str) -> None:
    config = json.loads((ROOT / path).read_text())
    assert config in [json.loads(block) for block in readme_blocks("json")], f"README does not show {path}"


def test_claude_code_command_is_shown_in_the_readme() -> None:
    script = (ROOT / "manifests/claude-code/add-arize.sh").read_text()
    command = next(line for line in script.splitlines() if line.startswith("claude mcp add"))
    assert any(command in block for block in readme_blocks("sh"))
