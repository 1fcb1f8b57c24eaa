"""Build the run view: src/run.html with src/run.css and src/run.js inlined, under a CSP that allows
exactly those two inline blocks (by hash) and nothing else — no network, no other script or style.

    python -m arize_mcp.server.view.build          # rewrite arize_mcp/server/view/run.html
    python -m arize_mcp.server.view.build --check  # exit 1 if the committed file is out of date

No bundler: the view is one small script with no dependencies; what a build must add is the CSP
hashes, which only the assembled text can give.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).parent
SOURCES = HERE / "src"
BUILT = HERE / "run.html"
MAX_BYTES = 50_000  # hosts inline the view into every conversation that shows it


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {_hash(script)}",
            f"style-src {_hash(style)}",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def build() -> str:
    page = (SOURCES / "run.html").read_text(encoding="utf-8")
    style = "\n" + (SOURCES / "run.css").read_text(encoding="utf-8")
    script = "\n" + (SOURCES / "run.js").read_text(encoding="utf-8")
    for placeholder in ("{{csp}}", "{{style}}", "{{script}}"):
        if page.count(placeholder) != 1:
            raise ValueError(f"src/run.html must hold {placeholder} exactly once")
    if "</style" in style.lower() or "</script" in script.lower():
        raise ValueError("an inlined source must not close its own element")
    page = page.replace("{{csp}}", content_security_policy(style, script))
    page = page.replace("{{style}}", style).replace("{{script}}", script)
    size = len(page.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"the built view is {size:,} bytes; keep it under {MAX_BYTES:,}")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the run view into one self-contained HTML file.")
    parser.add_argument("--check", action="store_true", help="only check that the committed file is current")
    args = parser.parse_args(argv)
    page = build()
    if args.check:
        if BUILT.read_text(encoding="utf-8") != page:
            print(f"{BUILT} is out of date: run python -m arize_mcp.server.view.build", file=sys.stderr)
            return 1
        return 0
    BUILT.write_text(page, encoding="utf-8")
    print(f"wrote {BUILT} ({len(page.encode('utf-8')):,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
