"""Session fixtures that provision the real client tools on first use (see provision.py)."""

from __future__ import annotations

import importlib
import site
from pathlib import Path
from types import ModuleType

import pytest

from tests.integrations.provision import (
    EXT_APPS_PACKAGES,
    EXT_TASKS_PACKAGES,
    PLAYWRIGHT_REQUIREMENTS,
    REPO_ROOT,
    UV_REQUIREMENTS,
    ensure_chromium,
    ensure_npm_packages,
    ensure_npm_tools,
    ensure_venv,
    requirements_file,
)

EXAMPLES = REPO_ROOT / "examples"


@pytest.fixture(scope="session")
def npm_bin() -> Path:
    """`node_modules/.bin` holding mcpb, the MCP Inspector and Claude Code."""
    return ensure_npm_tools()


@pytest.fixture(scope="session")
def uv_bin() -> Path:
    """A `bin` directory with uv, the runner an MCPB bundle of type "uv" is started with."""
    return ensure_venv("uv", UV_REQUIREMENTS)


@pytest.fixture(scope="session")
def langchain_python() -> Path:
    """Python of an environment with the LangChain example's requirements (the v1 MCP SDK)."""
    return ensure_venv("langchain", requirements_file(EXAMPLES / "requirements-langchain.txt")) / "python"


@pytest.fixture(scope="session")
def openai_agents_python() -> Path:
    """Python of an environment with the OpenAI Agents SDK example's requirements."""
    return ensure_venv("openai-agents", requirements_file(EXAMPLES / "requirements-openai-agents.txt")) / "python"


@pytest.fixture(scope="session")
def ext_apps_modules() -> Path:
    """`node_modules` with @modelcontextprotocol/ext-apps (the MCP Apps reference) and its peers."""
    return ensure_npm_packages("ext-apps", EXT_APPS_PACKAGES)


@pytest.fixture(scope="session")
def ext_tasks_modules() -> Path:
    """`node_modules` with @modelcontextprotocol/ext-tasks (the Tasks requester) and its SDK client."""
    return ensure_npm_packages("ext-tasks", EXT_TASKS_PACKAGES)


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_chromium()


@pytest.fixture(scope="session")
def playwright_api() -> ModuleType:
    """`playwright.async_api` from its own cached environment (same interpreter, so importable here)."""
    home = ensure_venv("playwright", PLAYWRIGHT_REQUIREMENTS).parent
    # Appended after this environment's own paths, so nothing already installed here is shadowed.
    site.addsitedir(str(next((home / "lib").glob("python*/site-packages"))))
    return importlib.import_module("playwright.async_api")
