"""Runs inside the converters' environment: each published tool through OpenAI's strict converter
and Google GenAI's converters, reporting what each kept. Reads the tools (as `tools/list` returns
them) from the JSON file named on the command line; prints one JSON report."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

from agents.mcp import MCPServerStdio
from agents.mcp.util import MCPUtil
from agents.strict_schema import ensure_strict_json_schema
from google.genai import _mcp_utils, types
from mcp.types import Tool


def descriptions(schema: Any, path: str = "") -> dict[str, str]:
    """Every property's description, by dotted path, through nested objects and array items."""
    found: dict[str, str] = {}
    if isinstance(schema, dict):
        for name, spec in (schema.get("properties") or {}).items():
            where = f"{path}.{name}" if path else name
            if spec.get("description"):
                found[where] = spec["description"]
            found.update(descriptions(spec, where))
        if isinstance(schema.get("items"), dict):
            found.update(descriptions(schema["items"], f"{path}[]"))
    return found


def gemini_descriptions(schema: types.Schema | None, path: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    if schema is None:
        return found
    for name, spec in (schema.properties or {}).items():
        where = f"{path}.{name}" if path else name
        if spec.description:
            found[where] = spec.description
        found.update(gemini_descriptions(spec, where))
    if schema.items is not None:
        found.update(gemini_descriptions(schema.items, f"{path}[]"))
    return found


def allows_null(spec: dict[str, Any]) -> bool:
    kinds = spec.get("type")
    return (isinstance(kinds, list) and "null" in kinds) or any(o.get("type") == "null" for o in spec.get("anyOf", []))


def openai_strict(tool: Tool, server: MCPServerStdio) -> dict[str, Any]:
    converted = MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=True)
    report: dict[str, Any] = {"strict": converted.strict_json_schema, "reason": None}
    if not converted.strict_json_schema:
        try:
            ensure_strict_json_schema(copy.deepcopy(tool.input_schema), _reject_open_objects=True)
        except Exception as exc:  # the converter's own words for why it fell back
            report["reason"] = str(exc)
    schema = converted.params_json_schema
    optional = set(tool.input_schema.get("properties", {})) - set(tool.input_schema.get("required", []))
    report["not_nullable"] = sorted(name for name in optional if not allows_null(schema["properties"][name]))
    report["lost"] = sorted(set(descriptions(tool.input_schema)) - set(descriptions(schema)))
    return report


def main() -> None:
    tools = [Tool.model_validate(raw) for raw in json.load(open(sys.argv[1]))]
    server = MCPServerStdio(params={"command": "unused"})  # never started: the converter only reads its settings
    report: dict[str, Any] = {}
    for tool in tools:
        published = descriptions(tool.input_schema)
        gemini = {
            api: sorted(
                set(published)
                - set(
                    gemini_descriptions(
                        types.Schema.from_json_schema(
                            json_schema=types.JSONSchema.model_validate(tool.input_schema), api_option=api
                        )
                    )
                )
            )
            for api in ("GEMINI_API", "VERTEX_AI")
        }
        declaration = _mcp_utils.mcp_to_gemini_tool(tool).function_declarations[0]
        gemini["mcp_to_gemini_tool"] = sorted(set(published) - set(gemini_descriptions(declaration.parameters)))
        report[tool.name] = {"openai": openai_strict(tool, server), "gemini_lost": gemini, "described": len(published)}
    json.dump(report, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
