"""Build the Claude Desktop bundle (.mcpb) from this checkout.

    python manifests/mcpb/build_bundle.py dist/arize-mcp.mcpb --mcpb "npx --yes @anthropic-ai/mcpb@2.1.2"

The bundle's server type is "uv": on first start Claude Desktop provides Python and installs the
dependencies named in pyproject.toml, so the bundle carries only the manifest and our own source.
`mcpb pack` needs the manifest at the root of a folder, so the files are staged in a temporary one.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
PACK_TIMEOUT_SECONDS = 300


def stage(into: Path) -> None:
    """Copy what the bundle needs into an empty folder."""
    shutil.copy2(HERE / "manifest.json", into / "manifest.json")
    for name in ("pyproject.toml", "README.md"):  # pyproject.toml names README.md as the readme
        shutil.copy2(REPO_ROOT / name, into / name)
    shutil.copytree(REPO_ROOT / "arize_mcp", into / "arize_mcp", ignore=shutil.ignore_patterns("__pycache__"))


def build(output: Path, mcpb: Sequence[str]) -> None:
    with tempfile.TemporaryDirectory() as temp:
        staging = Path(temp) / "arize-mcp"
        staging.mkdir()
        stage(staging)
        subprocess.run([*mcpb, "pack", str(staging), str(output.resolve())], check=True, timeout=PACK_TIMEOUT_SECONDS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the arize-mcp Claude Desktop bundle.")
    parser.add_argument("output", type=Path, help="path of the .mcpb file to write")
    parser.add_argument("--mcpb", default="mcpb", help="command that runs the mcpb CLI (default: mcpb)")
    args = parser.parse_args(argv)
    build(args.output, shlex.split(args.mcpb))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
