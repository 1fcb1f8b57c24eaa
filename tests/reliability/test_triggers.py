"""1,000 triggers, each through a randomly chosen upstream fault (seeded, so every run of the suite
is the same): no trigger ever makes two runs, and every run a trigger made is known to the agent,
by its id in the result or by a warning that a run may exist and where to look."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from datetime import timedelta

import anyio
import pytest
from mcp import Client

from arize_mcp.server import build_server
from tests.conftest import Upstream
from tests.helpers import ok, text_of
from tests.reliability.conftest import canary_settings
from tests.reliability.upstream_faults import (
    CANARY,
    PERSISTENT,
    RUN_MAY_EXIST,
    gzip_bomb,
    html,
    huge,
    quoting_the_key,
    truncated,
    undocumented,
)

pytestmark = pytest.mark.anyio

TRIGGERS = 1000
TRIGGERS_PER_TASK = 50


def _id_only(body: bytes) -> bytes:
    return json.dumps({"id": json.loads(body)["id"]}).encode()


# (weight, fault on the trigger route); None is a healthy upstream.
TRIGGER_FAULTS: list[tuple[int, dict | None]] = [
    (20, None),
    (5, {"status": 429, "retry_after": 0}),
    (2, {"status": 429, "retry_after": 0, "times": 3}),
    (1, {"status": 429, "retry_after": 99999, "times": PERSISTENT}),
    *[(3, {"status": status}) for status in (500, 502, 503, 504)],
    *[(3, {"status": status, "after_handling": True}) for status in (500, 502, 503, 504)],
    (3, {"status": 500, "drop_connection": True}),
    (3, {"status": 500, "after_handling": True, "drop_connection": True}),
    *[(2, {"status": status, "rewrite_body": quoting_the_key(status)}) for status in (400, 401, 403, 404, 409)],
    (3, {"status": 201, "rewrite_body": html}),
    (3, {"status": 201, "rewrite_body": truncated}),
    (3, {"status": 201, "rewrite_body": undocumented}),
    (3, {"status": 201, "rewrite_body": _id_only}),
    (1, {"status": 201, "rewrite_body": gzip_bomb, "headers": {"content-encoding": "gzip"}}),
    (1, {"status": 201, "rewrite_body": huge}),
    (2, {"status": 201, "after_handling": True, "trickle_seconds": 0.05}),
    (2, {"status": 201, "delay": 0.05}),
]


async def test_a_thousand_faulty_triggers_leave_no_unknown_or_duplicate_run(
    canary_upstream: Upstream, logs: io.StringIO
) -> None:
    chooser = random.Random(14)
    weights, faults = zip(*TRIGGER_FAULTS, strict=True)
    emulator = canary_upstream.emulator
    outcomes: Counter[str] = Counter()
    # A 0.3 s deadline: trickled answers time out fast, and a slow machine only adds timeouts, which
    # must be reported as "may have reached Arize" like any other.
    async with Client(build_server(canary_settings(canary_upstream, deadline_seconds=0.3))) as client:
        with anyio.fail_after(150):
            for number in range(TRIGGERS):
                if number % TRIGGERS_PER_TASK == 0:
                    # A fresh task now and then keeps the emulator's run lists short.
                    task_id = emulator.add_task(
                        f"Reliability {number}", last_run_at=emulator.now() - timedelta(hours=1)
                    )
                    known = 0
                fault = chooser.choices(faults, weights)[0]
                if fault is not None:
                    emulator.faults.inject(route="trigger", **{"times": 1, **fault})
                result = await client.call_tool("trigger_task", {"task_id": task_id})
                emulator.faults.clear()
                runs = emulator.runs(task_id)
                new = [run.id for run in runs[known:]]
                known = len(runs)
                text = text_of(result)
                assert CANARY not in json.dumps(result.model_dump(mode="json"))
                assert len(new) <= 1, ("duplicate runs", fault, new)
                if not new:
                    outcomes["no run, " + ("error" if result.is_error else "???")] += 1
                    assert result.is_error, ("a success without a run", fault, text)
                elif not result.is_error:
                    assert ok(result)["run"]["id"] == new[0]
                    outcomes["run, its id returned"] += 1
                elif new[0] in text:
                    outcomes["run, its id in the error"] += 1
                else:
                    assert any(phrase in text for phrase in RUN_MAY_EXIST), (
                        "a run the agent is not told of",
                        fault,
                        text,
                    )
                    outcomes["run, agent warned to look for it"] += 1
    assert sum(outcomes.values()) == TRIGGERS
    assert outcomes["run, agent warned to look for it"] > 0 and outcomes["run, its id in the error"] > 0
    assert CANARY not in logs.getvalue()
