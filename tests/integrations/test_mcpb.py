"""The Claude Desktop bundle, built, unpacked and started by the mcpb tool's own code."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import API_KEY, Upstream
from tests.integrations.launch import (
    MANIFESTS,
    SERVER_BIN_DIR,
    ServerEntry,
    assert_sandbox_run_completes,
    assert_serves_with_key,
    load_json,
    published_input_schemas,
)
from tests.integrations.provision import CACHE_DIR, run

pytestmark = pytest.mark.anyio

MANIFEST = MANIFESTS / "mcpb" / "manifest.json"
BUILD_SCRIPT = MANIFESTS / "mcpb" / "build_bundle.py"
RESOLVE_SCRIPT = Path(__file__).with_name("mcpb_resolve.mjs")


def mcpb_module(npm_bin: Path) -> Path:
    return npm_bin.parent / "@anthropic-ai" / "mcpb" / "dist" / "index.js"


@pytest.fixture(scope="module")
def bundle_dir(npm_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle as `build_bundle.py` packs it, unpacked by `mcpb unpack` as Claude Desktop would."""
    out = tmp_path_factory.mktemp("mcpb")
    bundle = out / "arize-mcp.mcpb"
    run([sys.executable, BUILD_SCRIPT, bundle, "--mcpb", npm_bin / "mcpb"], timeout=300)
    assert bundle.stat().st_size > 0
    unpacked = out / "installed"
    run([npm_bin / "mcpb", "unpack", bundle, unpacked], timeout=120)
    return unpacked


def desktop_config(npm_bin: Path, bundle_dir: Path, user_config: dict[str, Any]) -> dict[str, Any] | None:
    """The command, args and env Claude Desktop would start, for these settings."""
    done = run(["node", RESOLVE_SCRIPT, mcpb_module(npm_bin), bundle_dir, json.dumps(user_config)], timeout=60)
    return json.loads(done.stdout)


def desktop_environment(uv_bin: Path) -> dict[str, str]:
    """The environment Claude Desktop gives a uv bundle: its uv on PATH, and not our dev install."""
    inherited = [part for part in os.environ.get("PATH", "").split(os.pathsep) if Path(part) != SERVER_BIN_DIR]
    env = {name: value for name, value in os.environ.items() if not name.startswith(("ARIZE_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(uv_bin), *inherited])
    env["UV_CACHE_DIR"] = str(CACHE_DIR / "uv-cache")  # warm reruns reuse downloaded wheels
    # Claude Desktop may download a Python build; CI reaches only package registries, so use the machine's.
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def test_mcpb_validate_accepts_the_manifest(npm_bin: Path) -> None:
    done = run([npm_bin / "mcpb", "validate", MANIFEST], timeout=60)
    assert "validation passes" in done.stdout


def test_manifest_uses_the_latest_manifest_version(npm_bin: Path) -> None:
    script = "const m = await import(process.argv[1]); process.stdout.write(m.LATEST_MANIFEST_VERSION)"
    done = run(["node", "--input-type=module", "-e", script, mcpb_module(npm_bin).as_uri()], timeout=60)
    assert load_json(MANIFEST)["manifest_version"] == done.stdout


async def test_manifest_declares_only_tools_the_server_has() -> None:
    declared = {tool["name"] for tool in load_json(MANIFEST)["tools"]}
    assert declared <= set(await published_input_schemas())


def test_bundle_holds_the_manifest_and_source_only(bundle_dir: Path) -> None:
    files = {path.relative_to(bundle_dir).as_posix() for path in bundle_dir.rglob("*") if path.is_file()}
    assert {"manifest.json", "pyproject.toml", "README.md", "arize_mcp/__main__.py", "arize_mcp/cli.py"} <= files
    assert not [name for name in files if "__pycache__" in name or name.startswith((".venv", "tests/"))]
    assert load_json(bundle_dir / "manifest.json") == load_json(MANIFEST)


def test_sandbox_setting_reaches_the_server(npm_bin: Path, bundle_dir: Path) -> None:
    # The key is optional in the manifest because the sandbox needs none; without either, the server
    # still starts and every tool explains how to set ARIZE_API_KEY or turn the sandbox on.
    config = desktop_config(npm_bin, bundle_dir, {"sandbox": True})
    assert config is not None and config["env"]["ARIZE_MCP_SANDBOX"] == "true"


def test_settings_reach_the_server_environment(npm_bin: Path, bundle_dir: Path) -> None:
    config = desktop_config(npm_bin, bundle_dir, {"api_key": "k", "region": "eu-west-1a"})
    assert config is not None
    assert config["command"] == "uv"
    assert config["args"] == ["run", "--directory", str(bundle_dir), "arize-mcp"]
    # Optional settings left alone become empty, which the server reads as unset.
    assert config["env"] == {
        "ARIZE_API_KEY": "k",
        "ARIZE_REGION": "eu-west-1a",
        "ARIZE_API_HOST": "",
        "ARIZE_MCP_SANDBOX": "false",
    }


async def test_bundle_serves_with_the_users_key(
    npm_bin: Path, uv_bin: Path, bundle_dir: Path, upper_upstream: Upstream
) -> None:
    host = f"http://{upper_upstream.server.host}:{upper_upstream.server.port}"
    config = desktop_config(npm_bin, bundle_dir, {"api_key": API_KEY, "host": host})
    assert config is not None
    entry = ServerEntry.from_config(config, {})
    await assert_serves_with_key(entry.params(desktop_environment(uv_bin)))


async def test_bundle_runs_the_sandbox(npm_bin: Path, uv_bin: Path, bundle_dir: Path) -> None:
    config = desktop_config(npm_bin, bundle_dir, {"sandbox": True})
    assert config is not None
    entry = ServerEntry.from_config(config, {})
    # Only the run length is added, so the test's run finishes in about a second.
    await assert_sandbox_run_completes(entry.params(desktop_environment(uv_bin), "--sandbox-run-seconds", "1"))
