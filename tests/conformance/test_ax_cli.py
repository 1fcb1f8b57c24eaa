"""The official `ax` CLI (0.39.0, package arize-ax-cli) against `arize-mcp emulator`: it lists
tasks and triggers a run and waits for it, reading every answer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from arize_mcp.emulator import EXPERIMENT, HALLUCINATION, SEED_TASK_NAMES
from tests.conformance.conftest import EMULATOR_KEY, EmulatorProcess

AX_TIMEOUT_SECONDS = 120.0


@pytest.fixture
def ax(sdk_bin: Path, emulator: EmulatorProcess, tmp_path: Path):  # noqa: ANN201 - returns the runner
    """Runs `ax` with a profile pointing at the emulator, in a home of its own (no update checks)."""
    home = tmp_path / "home"
    profiles = home / ".arize" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "conformance.toml").write_text(
        '[profile]\nname = "conformance"\n'
        f'[auth]\nauth_method = "api-key"\napi_key = "{EMULATOR_KEY}"\n'
        f'[routing]\nsingle_host = "{emulator.host}"\nsingle_port = "{emulator.port}"\napi_scheme = "http"\n'
        '[output]\nformat = "json"\n[update]\nenabled = false\n'
    )
    (home / ".arize" / ".active_profile").write_text("conformance")
    env = emulator.env(HOME=str(home), NO_COLOR="1", TERM="dumb", COLUMNS="200")

    def run(*args: str) -> object:
        result = subprocess.run(
            [str(sdk_bin / "ax"), *args], env=env, capture_output=True, text=True, timeout=AX_TIMEOUT_SECONDS
        )
        assert result.returncode == 0, (
            f"ax {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
        return json.loads(result.stdout[result.stdout.index("{") if "{" in result.stdout else 0 :])

    return run


def test_ax_tasks_list(ax) -> None:  # noqa: ANN001
    listed = ax("tasks", "list", "--limit", "100", "-o", "json")
    assert [task["name"] for task in listed["tasks"]] == list(SEED_TASK_NAMES)
    experiment = next(task for task in listed["tasks"] if task["name"] == EXPERIMENT)
    assert experiment["run_configuration"]["experiment_type"] == "LLM_GENERATION"


def test_ax_tasks_trigger_run_and_wait(ax, emulator: EmulatorProcess) -> None:  # noqa: ANN001
    listed = ax("tasks", "list", "--name", "hallucination", "-o", "json")
    task_id = next(task["id"] for task in listed["tasks"] if task["name"] == HALLUCINATION)
    assert any(c in task_id for c in "/+="), "the id must exercise path encoding"
    run = ax("tasks", "trigger-run", task_id, "--max-spans", "30", "--wait", "--poll-interval", "0.2",
             "--timeout", "60", "-o", "json")  # fmt: skip
    assert run["status"] == "COMPLETED" and run["task_id"] == task_id
    assert run["num_successes"] + run["num_errors"] + run["num_skipped"] == 30
