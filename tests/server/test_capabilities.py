"""The capabilities a server advertises equal what it does, in both protocol eras and on each transport."""

from __future__ import annotations

import pytest
from mcp import Client

from arize_mcp.server import build_server
from tests.conftest import Upstream
from tests.server.test_resources import serve_http

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_lists_are_advertised_as_fixed_in_both_eras(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        capabilities = client.server_capabilities
        assert capabilities.tools is not None and not capabilities.tools.list_changed
        assert capabilities.prompts is not None and not capabilities.prompts.list_changed
        assert capabilities.resources is not None and not capabilities.resources.list_changed
        # Run subscriptions work here: resources/subscribe (legacy) or subscriptions/listen (2026-07-28).
        assert capabilities.resources.subscribe


@pytest.mark.parametrize(("stateless", "subscribe"), [(False, True), (True, False)])
async def test_handshake_subscribe_is_advertised_only_where_it_can_report(
    upper_upstream: Upstream, stateless: bool, subscribe: bool
) -> None:
    server = build_server(upper_upstream.settings(), standalone_channel=not stateless)
    async with serve_http(server, stateless=stateless) as url:
        async with Client(url, mode="legacy") as client:
            resources = client.server_capabilities.resources
            assert resources is not None and bool(resources.subscribe) is subscribe
        async with Client(url, mode="auto") as client:
            # 2026-07-28 delivers run updates over subscriptions/listen, which works on both.
            resources = client.server_capabilities.resources
            assert resources is not None and resources.subscribe and not resources.list_changed
