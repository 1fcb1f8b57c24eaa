"""Claude Code: the documented `claude mcp add` line, run by the real CLI, and the `.mcp.json` it writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import API_KEY, Upstream
from tests.integrations.launch import MANIFESTS, ServerEntry, assert_serves_with_key, client_environment, load_json
from tests.integrations.provision import run

pytestmark = pytest.mark.anyio

ADD_SCRIPT = MANIFESTS / "claude-code" / "add-arize.sh"
PROJECT_CONFIG = MANIFESTS / "claude-code" / ".mcp.json"
CLI_TIMEOUT = 120.0


def claude_env(npm_bin: Path, upstream: Upstream, home: Path) -> dict[str, str]:
    """A shell in which `claude` and `arize-mcp` are on PATH and the user exported their key."""
    env = client_environment(upstream, ARIZE_API_KEY=API_KEY)
    env["PATH"] = os.pathsep.join([str(npm_bin), env["PATH"]])
    env["HOME"] = str(home)  # Claude Code keeps its user settings here; never the real ones
    env["DISABLE_AUTOUPDATER"] = "1"
    env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    return env


def test_claude_mcp_add_writes_the_documented_project_config(
    npm_bin: Path, upper_upstream: Upstream, tmp_path: Path
) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    env = claude_env(npm_bin, upper_upstream, home)
    run(["sh", ADD_SCRIPT], cwd=project, env=env, timeout=CLI_TIMEOUT)
    written = load_json(project / ".mcp.json")
    assert written == load_json(PROJECT_CONFIG)
    assert API_KEY not in json.dumps(written)

    # Claude Code starts a project's servers only once approved; enabledMcpjsonServers approves by name.
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude" / "settings.json").write_text(json.dumps({"enabledMcpjsonServers": ["arize"]}))
    listed = run(["claude", "mcp", "list"], cwd=project, env=env, timeout=CLI_TIMEOUT).stdout
    assert "arize: arize-mcp" in listed and "Connected" in listed, listed


async def test_project_config_serves_with_the_exported_key(upper_upstream: Upstream) -> None:
    # Claude Code replaces ${NAME} with NAME from the environment it was started in.
    entry = ServerEntry.from_config(load_json(PROJECT_CONFIG)["mcpServers"]["arize"], {"ARIZE_API_KEY": API_KEY})
    assert entry.env == {"ARIZE_API_KEY": API_KEY}
    await assert_serves_with_key(entry.params(client_environment(upper_upstream)))
