"""A local, faithful implementation of the Arize v2 task endpoints over real HTTP.

Used by the no-account sandbox, the `arize-mcp emulator` command and the test-suite.
"""

from arize_mcp.emulator.config import EmulatorConfig
from arize_mcp.emulator.emulator import Emulator
from arize_mcp.emulator.faults import Fault, Faults
from arize_mcp.emulator.recording import RecordedRequest
from arize_mcp.emulator.seed import (
    BASELINE_EXPERIMENT,
    CODE_EVAL,
    DATA_SPACE,
    DATASET_EVAL,
    EXPERIMENT,
    FAILING,
    FAILING_REASON,
    HALLUCINATION,
    SEED_TASK_NAMES,
    SUPPORT_SPACE,
)
from arize_mcp.emulator.server import EmulatorServer, serve

__all__ = [
    "BASELINE_EXPERIMENT",
    "CODE_EVAL",
    "DATASET_EVAL",
    "DATA_SPACE",
    "EXPERIMENT",
    "FAILING",
    "FAILING_REASON",
    "HALLUCINATION",
    "SEED_TASK_NAMES",
    "SUPPORT_SPACE",
    "Emulator",
    "EmulatorConfig",
    "EmulatorServer",
    "Fault",
    "Faults",
    "RecordedRequest",
    "serve",
]
