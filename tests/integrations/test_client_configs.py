"""Claude Desktop, VS Code, Cursor and Windsurf configs, each started exactly as written.

No test here can run the editors themselves, so each config is read the way its client documents:
placeholders resolved by that client's rules, `arize-mcp` found on the client's PATH, the config's
env laid over the client's own environment. The server then has to reach the emulator with the key,
which proves the key arrives under the name the server reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import API_KEY, Upstream
from tests.integrations.launch import MANIFESTS, ServerEntry, assert_serves_with_key, client_environment, load_json

pytestmark = pytest.mark.anyio

CLAUDE_DESKTOP = MANIFESTS / "claude-desktop" / "claude_desktop_config.json"
VSCODE = MANIFESTS / "vscode" / "mcp.json"
CURSOR = MANIFESTS / "cursor" / "mcp.json"
WINDSURF = MANIFESTS / "windsurf" / "mcp_config.json"
CLAUDE_CODE = MANIFESTS / "claude-code" / ".mcp.json"

# Each config file and the key its servers sit under.
ALL_CONFIGS = {
    CLAUDE_DESKTOP: "mcpServers",
    VSCODE: "servers",
    CURSOR: "mcpServers",
    WINDSURF: "mcpServers",
    CLAUDE_CODE: "mcpServers",
}
_WHOLE_PLACEHOLDER = re.compile(r"^\$\{[^}]+\}$")


def arize_entry(path: Path, section: str) -> dict[str, Any]:
    servers = load_json(path)[section]
    assert list(servers) == ["arize"], f"{path.name} should define the arize server only"
    return servers["arize"]


@pytest.mark.parametrize("path", list(ALL_CONFIGS), ids=lambda path: path.parent.name)
def test_no_config_holds_a_secret(path: Path) -> None:
    env = arize_entry(path, ALL_CONFIGS[path]).get("env", {})
    literals = {name: value for name, value in env.items() if not _WHOLE_PLACEHOLDER.match(value)}
    assert not literals, f"{path.name} writes values into the file instead of referencing them: {literals}"


async def test_claude_desktop_config(upper_upstream: Upstream) -> None:
    entry = arize_entry(CLAUDE_DESKTOP, "mcpServers")
    # Claude Desktop has no secret prompt and expands no variables, and a server without an `env`
    # block gets Claude Desktop's own environment: that is where the key comes from.
    assert "env" not in entry
    params = ServerEntry.from_config(entry, {}).params(client_environment(upper_upstream, ARIZE_API_KEY=API_KEY))
    await assert_serves_with_key(params)


async def test_vscode_config_prompts_for_the_key(upper_upstream: Upstream) -> None:
    config = load_json(VSCODE)
    entry = arize_entry(VSCODE, "servers")
    assert entry["type"] == "stdio"
    inputs = {item["id"]: item for item in config["inputs"]}
    for item in inputs.values():
        assert item["type"] == "promptString" and item["password"] is True, item
    # VS Code replaces ${input:ID} with what the user typed at that input's prompt.
    resolved = ServerEntry.from_config(entry, {f"input:{input_id}": API_KEY for input_id in inputs})
    assert resolved.env == {"ARIZE_API_KEY": API_KEY}
    await assert_serves_with_key(resolved.params(client_environment(upper_upstream)))


@pytest.mark.parametrize("path", [CURSOR, WINDSURF], ids=lambda path: path.parent.name)
async def test_env_reference_config(path: Path, upper_upstream: Upstream) -> None:
    # Cursor and Windsurf replace ${env:NAME} with NAME from the environment they were started in.
    entry = ServerEntry.from_config(arize_entry(path, "mcpServers"), {"env:ARIZE_API_KEY": API_KEY})
    assert entry.env == {"ARIZE_API_KEY": API_KEY}
    await assert_serves_with_key(entry.params(client_environment(upper_upstream)))
