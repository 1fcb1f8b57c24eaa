"""The shared grammars: one parser each for durations, yes/no flags and seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arize_mcp.grammar import GrammarError, parse_duration, parse_flag, parse_seconds


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("24h", timedelta(hours=24)),
        (" 6H ", timedelta(hours=6)),
        ("90m", timedelta(minutes=90)),
        ("1.5d", timedelta(days=1.5)),
        ("2w", timedelta(weeks=2)),
        ("30s", timedelta(seconds=30)),
        ("0h", timedelta(0)),
    ],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["", "h", "24", "3 days", "-1h", "5y", "1e9999d", "99999999999w"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(GrammarError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1", "true", "YES", " on "])
def test_yes(text: str) -> None:
    assert parse_flag(text) is True


@pytest.mark.parametrize("text", ["", "0", "False", "no", "OFF"])
def test_no(text: str) -> None:
    assert parse_flag(text) is False


def test_a_flag_that_is_neither_lists_both() -> None:
    with pytest.raises(GrammarError, match="true/yes/1/on or false/no/0/off"):
        parse_flag("maybe")


@pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), (" 30 ", 30.0)])
def test_seconds(text: str, value: float) -> None:
    assert parse_seconds(text) == value


@pytest.mark.parametrize("text", ["", "soon", "0", "-1", "inf", "nan"])
def test_seconds_must_be_positive_and_finite(text: str) -> None:
    with pytest.raises(GrammarError, match="seconds"):
        parse_seconds(text)
