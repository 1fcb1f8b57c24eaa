"""The run view's document: built from its sources, current, small, and sealed by its own CSP."""

from __future__ import annotations

import base64
import hashlib
import re

from arize_mcp.server.run_view import run_view_html
from arize_mcp.server.view import build


def test_the_committed_view_is_the_build_of_its_sources() -> None:
    # After editing arize_mcp/server/view/src/, run `python -m arize_mcp.server.view.build`.
    assert build.main(["--check"]) == 0
    assert run_view_html() == build.build()


def test_the_view_is_one_small_document_that_reaches_nothing() -> None:
    page = run_view_html()
    assert len(page.encode("utf-8")) <= 50_000
    # Nothing is loaded from anywhere: no external script, style, image, font or frame.
    assert not re.search(r"""\s(src|href|action)\s*=""", page, flags=re.I)
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page)
    assert "fetch(" not in page and "XMLHttpRequest" not in page and "WebSocket" not in page


def test_the_csp_allows_exactly_the_inline_style_and_script() -> None:
    page = run_view_html()
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    (style,) = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    (script,) = re.findall(r"<script>(.*?)</script>", page, flags=re.S)

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives == {
        "default-src": "'none'",
        "script-src": digest(script),
        "style-src": digest(style),
        "base-uri": "'none'",
        "form-action": "'none'",
    }
