from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from arize_mcp.emulator import HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.errors import ArgumentError
from arize_mcp.server.tools.datetimes import format_datetime, resolve_datetime
from tests.conftest import Upstream
from tests.helpers import error

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("now-24h", NOW - timedelta(hours=24)),
        ("now - 2h", NOW - timedelta(hours=2)),
        ("-7d", NOW - timedelta(days=7)),
        ("-90m", NOW - timedelta(minutes=90)),
        ("-2w", NOW - timedelta(weeks=2)),
        ("now+30s", NOW + timedelta(seconds=30)),
        ("2026-03-01T00:00:00Z", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T00:00:00", datetime(2026, 3, 1, tzinfo=UTC)),  # naive = UTC
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T02:00:00+02:00", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert resolve_datetime(text, NOW, argument="data_start_time") == expected


@pytest.mark.parametrize("text", ["", "yesterday", "now-", "-5y", "7d", "2026-13-01", "now-24h-1h"])
def test_rejected_forms_name_the_argument_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(ArgumentError, match="data_end_time") as info:
        resolve_datetime(text, NOW, argument="data_end_time")
    assert "now-24h" in str(info.value)


def test_format_is_iso_with_zulu() -> None:
    assert format_datetime(NOW) == "2026-11-28T12:00:00Z"
    assert format_datetime(NOW.replace(microsecond=123456)) == "2026-11-28T12:00:00.123Z"


EDGES = [
    ("0001-01-01T00:00:00+14:00", None),
    ("0001-01-01T00:00:00-14:00", "0001-01-02T00:00:00"),
    ("0001-01-01T00:00:00", "0001-01-01T00:00:01"),
    ("9999-12-30T00:00:00", "9999-12-31T23:59:59.999999"),
    ("-1d", "9999-12-31T23:59:59-14:00"),
    ("now-999999999d", None),
    ("1969-12-31T23:59:59Z", "1970-01-01T00:00:01Z"),
]


@pytest.mark.parametrize(("start", "end"), EDGES)
@pytest.mark.anyio
async def test_datetimes_at_the_edge_of_the_range_are_argument_errors(
    upper_upstream: Upstream, start: str, end: str | None
) -> None:
    arguments = {"task_id": upper_upstream.emulator.task_id(HALLUCINATION), "data_start_time": start}
    if end is not None:
        arguments["data_end_time"] = end
    async with Client(build_server(upper_upstream.settings())) as client:
        text = error(await client.call_tool("trigger_task", arguments))
    assert text.startswith("Invalid arguments, nothing was sent to Arize") and "outside the range" in text
    assert upper_upstream.count(route="trigger") == 0
