"""Installs the real client tools the integration tests drive, once, into a cache inside the repo.

Each tool set lives in its own directory under `.cache/integrations/` with a marker file naming
exactly what was installed; a matching marker means the directory is reused as it is, anything
else rebuilds it from scratch. Every command is bounded in time and fails the test loudly.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "integrations"
MARKER = "installed.json"

# Exact versions verified against this server; bump deliberately and rerun the suite.
NPM_PACKAGES = {
    "@anthropic-ai/mcpb": "2.1.2",
    "@modelcontextprotocol/inspector": "2.12.0",
    "@anthropic-ai/claude-code": "2.1.332",
}
# The MCP Apps reference: its host bridge drives the run view in the browser tests, its schema checks our shapes.
# Its peers are pinned too, so the bridge a test loads is always the same code.
EXT_APPS_PACKAGES = {
    "@modelcontextprotocol/ext-apps": "2.0.4",
    "@modelcontextprotocol/client": "2.4.0",
    "@modelcontextprotocol/core": "2.4.0",
    "zod": "4.6.7",
}
# The MCP Tasks extension's TypeScript requester, and the SDK client it drives.
EXT_TASKS_PACKAGES = {
    "@modelcontextprotocol/ext-tasks": "0.2.2",
    "@modelcontextprotocol/client": "2.4.0",
    "zod": "4.6.7",
}
UV_REQUIREMENTS = ("uv==0.13.9",)
PLAYWRIGHT_REQUIREMENTS = ("playwright==1.65.2",)
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright drives it, so it downloads no browser

INSTALL_TIMEOUT = 600.0
LOCK_TIMEOUT = 2 * INSTALL_TIMEOUT  # another run may be installing everything from scratch
_OUTPUT_TAIL = 4000


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed; on a timeout its whole process group is killed."""
    argv = [os.fspath(part) for part in command]
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout also ends what the command started
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"timed out after {timeout:.0f} s: {_describe(argv, stdout, stderr)}", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"exit code {process.returncode}: {_describe(argv, stdout, stderr)}", pytrace=False)
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def _describe(argv: Sequence[str], stdout: str, stderr: str) -> str:
    return f"{' '.join(argv)}\n--- stdout ---\n{stdout[-_OUTPUT_TAIL:]}\n--- stderr ---\n{stderr[-_OUTPUT_TAIL:]}"


def ensure_npm_tools() -> Path:
    """The pinned npm tools (mcpb, the Inspector, Claude Code); returns their `node_modules/.bin`."""
    return ensure_npm_packages("npm", NPM_PACKAGES) / ".bin"


def ensure_npm_packages(name: str, packages: Mapping[str, str]) -> Path:
    """These exact npm packages, installed together under the cache's `name`; returns their `node_modules`."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: the integration tests need Node.js 20+ and npm", pytrace=False)
    prefix = CACHE_DIR / name
    wanted = {"node": run(["node", "--version"], timeout=30).stdout.strip(), "packages": dict(packages)}
    with _cache_lock():
        if not _is_current(prefix, wanted):
            shutil.rmtree(prefix, ignore_errors=True)
            specs = [f"{package}@{version}" for package, version in packages.items()]
            # Install scripts must run: Claude Code's puts its native binary in place.
            install = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund", *specs]
            run(install, timeout=INSTALL_TIMEOUT)
            _mark(prefix, wanted)
    return prefix / "node_modules"


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt when missing; skips the test only when that is impossible here."""
    if CHROMIUM.is_file():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs apt-get as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _cache_lock():
        if not CHROMIUM.is_file():
            for step in ([apt, "update"], [apt, "install", "-y", "--no-install-recommends", "chromium"]):
                done = _attempt(step, timeout=INSTALL_TIMEOUT, env=env)
                if done is not None:
                    pytest.skip(f"{CHROMIUM} is missing and installing it failed: {done}")
    return CHROMIUM


def _attempt(command: Sequence[str], *, timeout: float, env: Mapping[str, str]) -> str | None:
    """Run a command that may fail for reasons outside the project (no network); None, or what went wrong."""
    try:
        done = subprocess.run(
            list(command), env=dict(env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s: {' '.join(command)}"
    if done.returncode != 0:
        return _describe(list(command), done.stdout, done.stderr)
    return None


def ensure_venv(name: str, requirements: Sequence[str]) -> Path:
    """A virtual environment with exactly these requirements; returns its `bin` directory."""
    home = CACHE_DIR / "venvs" / name
    wanted = {"python": sys.version, "requirements": list(requirements)}
    with _cache_lock():
        if not _is_current(home, wanted):
            shutil.rmtree(home, ignore_errors=True)
            venv.EnvBuilder(with_pip=True, clear=True).create(home)
            run([home / "bin" / "python", "-m", "pip", "install", "--quiet", *requirements], timeout=INSTALL_TIMEOUT)
            _mark(home, wanted)
    return home / "bin"


@contextmanager
def _cache_lock() -> Iterator[None]:
    """Serialise installs across test runs sharing this checkout, so none sees a half-built tool."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Hundreds of megabytes that must never be committed, whatever the repository's .gitignore says.
    (CACHE_DIR / ".gitignore").write_text("*\n")
    deadline = time.monotonic() + LOCK_TIMEOUT
    with (CACHE_DIR / ".lock").open("w") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test run held {CACHE_DIR / '.lock'} for {LOCK_TIMEOUT:.0f} s", pytrace=False)
                time.sleep(0.5)
        yield


def requirements_file(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def _is_current(directory: Path, wanted: Mapping[str, object]) -> bool:
    marker = directory / MARKER
    return marker.is_file() and json.loads(marker.read_text()) == json.loads(json.dumps(wanted))


def _mark(directory: Path, wanted: Mapping[str, object]) -> None:
    # Written last, so an interrupted install is never mistaken for a finished one.
    (directory / MARKER).write_text(json.dumps(wanted, indent=2, sort_keys=True))
