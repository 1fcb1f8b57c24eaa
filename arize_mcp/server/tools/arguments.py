"""Argument mistakes answered before a tool runs: which argument, what was wrong, what is allowed.

Every `tools/call` passes through `ArgumentCheck` first. An argument the tool does not have is
refused (a misspelt `start_time` must not quietly become a run over the default window), naming
the closest valid one; a value the tool's model rejects is explained in a sentence from the
published schema (the enum values, the bounds, the expected type). Either way the answer is an
`isError` result with an `invalid_argument` report, and nothing is sent to Arize.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.tools import Tool
from pydantic import ValidationError

from arize_mcp.server.errors import ErrorReport, invalid_argument
from arize_mcp.server.tools.results import failure

_SHOWN_INPUT = 60


class ArgumentCheck:
    """Middleware for `tools/call`: refuses unknown and invalid arguments of the given tools."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params or {}
        name, arguments = params.get("name"), params.get("arguments")
        if not isinstance(name, str) or not (arguments is None or isinstance(arguments, dict)):
            return await call_next(ctx)  # malformed params: the SDK's protocol error
        tool = self._tools.get(name)
        report = self._unknown_tool(name) if tool is None else check_arguments(tool, arguments or {})
        return failure(report) if report is not None else await call_next(ctx)

    def _unknown_tool(self, name: str) -> ErrorReport:
        close = difflib.get_close_matches(name[:_SHOWN_INPUT], list(self._tools), n=1, cutoff=0.6)
        return ErrorReport(
            "unknown_tool",
            f"This server has no tool {_shown(name)}" + (f"; did you mean {close[0]!r}?" if close else "."),
            f"Its tools: {', '.join(self._tools)}. (Read-only mode and --toolsets leave some tools out.)",
        )


def check_arguments(tool: Tool, arguments: Mapping[str, Any]) -> ErrorReport | None:
    """None when the tool can run with these arguments, else what is wrong with them."""
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    unknown = [name for name in arguments if name not in properties]
    if unknown:
        return invalid_argument(
            "; ".join(_unknown(name, properties) for name in unknown),
            f"{tool.name} takes: {', '.join(properties)}.",
        )
    try:
        tool.fn_metadata.validate_arguments(dict(arguments))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        named = [str(error["loc"][0]) for error in errors if error["loc"]]
        hints = [f"{name}: {properties[name]['description']}" for name in dict.fromkeys(named) if name in properties]
        return invalid_argument("; ".join(_problem(error, properties) for error in errors), " ".join(hints))
    return None


def _unknown(name: str, properties: Mapping[str, Any]) -> str:
    # A name far longer than any argument's is no misspelling of one (and is not echoed whole).
    close = difflib.get_close_matches(name[:_SHOWN_INPUT], list(properties), n=1, cutoff=0.6)
    if not close:
        close = [known for known in properties if name in known or known in name][:1]
    return f"unknown argument {_shown(name)}" + (f"; did you mean {close[0]!r}?" if close else "")


def _problem(error: Any, properties: Mapping[str, Any]) -> str:
    location = [str(part) for part in error["loc"]]
    if not location:
        return str(error["msg"]).removeprefix("Value error, ")
    name, where = location[0], ".".join(location)
    schema = properties.get(name, {})
    # An error inside a list or object names the item; its own schema is below the property's.
    item = schema.get("items", {}) if len(location) > 1 else schema
    given = _shown(error.get("input"))
    kind = error["type"]
    if kind == "missing":
        return f"missing required argument {name!r}" if len(location) == 1 else f"{where} is required"
    if kind in ("enum", "literal_error"):
        allowed = ", ".join(str(value) for value in schema.get("enum", ()) if value is not None)
        return f"{where}={given} is not one of: {allowed} (any casing)"
    if kind in ("string_too_short", "string_too_long"):
        return f"{where} must be {_range(item, 'minLength', 'maxLength')} characters long, not {given}"
    if kind in ("too_short", "too_long"):
        return f"{where} must hold {_range(item, 'minItems', 'maxItems')} items"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where}={given} is out of range: give {_range(item, 'minimum', 'maximum')}"
    if kind.endswith(("_type", "_parsing")):
        return f"{where} must be {_expected(item)}, not {given}"
    if kind == "extra_forbidden":
        return f"{where} is not a field here"
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


def _range(schema: Mapping[str, Any], low: str, high: str) -> str:
    lo, hi = schema.get(low), schema.get(high)
    if lo is not None and hi is not None:
        return f"{lo}–{hi}"
    return f"at least {lo}" if lo is not None else f"at most {hi}" if hi is not None else "a valid size"


def _expected(schema: Mapping[str, Any]) -> str:
    kinds = schema.get("type", "")
    kind = next((k for k in kinds if k != "null"), "") if isinstance(kinds, list) else kinds
    return {
        "integer": "a whole number such as 100",
        "number": "a number such as 45",
        "boolean": "true or false",
        "string": "a string",
        "array": "a list (JSON array)",
        "object": "an object",
    }.get(kind, "a value of the documented type")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_INPUT else text[: _SHOWN_INPUT - 1] + "…"
