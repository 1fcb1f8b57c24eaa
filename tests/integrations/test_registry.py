"""The MCP Registry entry: valid against the registry's schema, and true to the package it names."""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
import pytest  # type: ignore[import-untyped]  # it ships no type information

import arize_mcp
from arize_mcp.config import Settings
from tests.integrations.launch import MANIFESTS, REPO_ROOT, load_json

# The published registry schema lives in the team's shared folder beside the checkout (as in CI);
# ARIZE_MCP_SHARED_DIR points elsewhere when the checkout is not beside it.
SHARED = Path(os.environ.get("ARIZE_MCP_SHARED_DIR") or REPO_ROOT.parent / "shared")
SCHEMA = SHARED / "schemas" / "mcp-registry-server.schema.json"
SERVER_JSON = MANIFESTS / "server.json"


def test_server_json_is_valid_against_the_registry_schema() -> None:
    if not SCHEMA.is_file():
        # The schema is the team's reference copy, not part of the repository; a checkout without
        # the shared folder beside it cannot run this check (the other registry tests still do).
        pytest.skip(f"the registry schema is not at {SCHEMA}; set ARIZE_MCP_SHARED_DIR to run this check")
    schema = load_json(SCHEMA)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(load_json(SERVER_JSON))]
    assert not errors, errors


def test_server_json_names_this_package_over_stdio() -> None:
    server = load_json(SERVER_JSON)
    (package,) = server["packages"]
    assert (package["registryType"], package["identifier"]) == ("pypi", "arize-mcp")
    assert package["transport"] == {"type": "stdio"}
    assert server["version"] == package["version"] == arize_mcp.__version__


def test_mcpb_manifest_version_is_the_package_version() -> None:
    assert load_json(MANIFESTS / "mcpb" / "manifest.json")["version"] == arize_mcp.__version__


def test_server_json_environment_is_what_the_server_reads() -> None:
    (package,) = load_json(SERVER_JSON)["packages"]
    variables = {variable["name"]: variable for variable in package["environmentVariables"]}
    assert variables["ARIZE_API_KEY"]["isSecret"] and variables["ARIZE_API_KEY"]["isRequired"]
    assert not any(variable.get("isSecret") for name, variable in variables.items() if name != "ARIZE_API_KEY")
    default = Settings.from_env({})
    samples = {"ARIZE_API_KEY": "k", "ARIZE_REGION": "eu-west-1a", "ARIZE_API_HOST": "api.arize.example.com"}
    assert set(variables) == set(samples)
    for name, value in samples.items():
        assert Settings.from_env({name: value}) != default, f"the server ignores {name}"
