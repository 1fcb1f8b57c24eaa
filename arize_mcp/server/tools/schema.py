"""Tool schemas every model vendor's adapter can read, derived from pydantic's.

Agents reach tools through adapters that rewrite JSON Schema: OpenAI's strict mode refuses `$ref`
it has not validated and objects open to undeclared properties; Gemini's converters drop the
description of a property written as `anyOf: [X, {"type": "null"}]`. So the published schema is
pydantic's, rewritten into the plainest equivalent form:

- every `$ref` is replaced by its definition (and `$defs` dropped);
- an optional property `anyOf: [X, {"type": "null"}]` becomes X with `"type": [X's type, "null"]`
  (and `null` among its `enum` values), keeping its description and default;
- no object carries a boolean `additionalProperties`. Every object is closed all the same: the
  server refuses unknown arguments and fields (arguments.py) and OpenAI's strict converter closes
  each object itself, while Google GenAI's MCP adapter (`mcp_to_gemini_tool`, through 3.6.1)
  crashes on a boolean `additionalProperties` anywhere in a schema.

Validation does not use this schema: pydantic validates the arguments, so what is accepted is
unchanged; only how it is described changes. tests/integrations/test_schema_converters.py runs
the published schemas through the pinned converters.

Output schemas are published in the same form. Clients that check every result against its tool's
output schema (the official Python SDK's client does, with `jsonschema`) pay for each `anyOf`
branch and `$ref` on every call; a `TaskRun` in this form is checked in about half the time.
"""

from __future__ import annotations

import copy
from typing import Any

JsonSchema = dict[str, Any]


def portable_schema(schema: JsonSchema) -> JsonSchema:
    """`schema` with no `$ref`, no nullable `anyOf` and no boolean `additionalProperties`."""
    definitions = schema.get("$defs", {})
    rewritten = _rewrite({key: value for key, value in schema.items() if key != "$defs"}, definitions)
    return rewritten


def _rewrite(node: Any, definitions: dict[str, JsonSchema]) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        node = {**copy.deepcopy(definitions[name]), **siblings}
    node = {
        key: _rewrite(value, definitions)
        for key, value in node.items()
        if not (key == "additionalProperties" and isinstance(value, bool))
    }
    return _collapse_nullable(node)


def _collapse_nullable(node: JsonSchema) -> JsonSchema:
    """`{anyOf: [X, {type: null}], description}` -> `{...X, type: [X.type, "null"], description}`."""
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2:
        return node
    nulls = [option for option in options if option == {"type": "null"}]
    values = [option for option in options if option != {"type": "null"}]
    if len(nulls) != 1 or len(values) != 1 or not isinstance(values[0].get("type"), str):
        return node
    value = values[0]
    merged = {key: item for key, item in node.items() if key != "anyOf"}
    merged.update({key: item for key, item in value.items() if key not in merged or key == "type"})
    merged["type"] = [value["type"], "null"]
    if "enum" in merged and None not in merged["enum"]:
        merged["enum"] = [*merged["enum"], None]
    return merged
