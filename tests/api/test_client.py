"""ArizeClient against the emulator over real HTTP: retries, the no-duplicate-trigger rule, errors."""

from __future__ import annotations

import functools
import gzip
import json
import socket
import zlib
from collections.abc import AsyncIterator, Callable

import anyio
import httpx2
import pytest
from pydantic import SecretStr

from arize_mcp.api.client import MAX_RESPONSE_BYTES, ArizeClient, encode_segment
from arize_mcp.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    RunIdUnreadableError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from arize_mcp.api.models import RunStatus, TriggerRunRequest
from arize_mcp.api.retry import RetryPolicy, parse_retry_after, shared_sleep_budget
from tests.conftest import API_KEY, Upstream

pytestmark = pytest.mark.anyio

POLICY = RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_delay_seconds=0.04, max_retry_after_seconds=5)


class SleepRecorder:
    """Records the client's back-off delays; sleeps for real only when asked to."""

    def __init__(self, *, real: bool = False) -> None:
        self.delays: list[float] = []
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.real:
            await anyio.sleep(seconds)


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(2.0)) as client:
        yield client


def make_client(http: httpx2.AsyncClient, url: str, sleep: SleepRecorder | None = None) -> ArizeClient:
    return ArizeClient(http, url, SecretStr(API_KEY), retry=POLICY, sleep=sleep or SleepRecorder())


async def test_reads_parse_both_status_casings_and_ignore_unknown_fields(
    http: httpx2.AsyncClient, upstream: Upstream
) -> None:
    client = make_client(http, upstream.url)
    page = await client.list_tasks(limit=100)
    assert page.tasks and all(task.type.value.islower() for task in page.tasks)
    task_id = upstream.emulator.task_id("Hallucination check")
    run = await client.trigger_task(task_id, TriggerRunRequest())
    assert run.status is RunStatus.PENDING
    assert (await client.get_task_run(run.id)).id == run.id


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_reads_retry_transient_statuses(http: httpx2.AsyncClient, upper_upstream: Upstream, status: int) -> None:
    sleep = SleepRecorder()
    upper_upstream.emulator.faults.inject(route="list_tasks", status=status, times=2)
    page = await make_client(http, upper_upstream.url, sleep).list_tasks()
    assert page.tasks
    assert upper_upstream.count(route="list_tasks") == 3
    assert len(sleep.delays) == 2 and all(0 < d <= POLICY.max_delay_seconds for d in sleep.delays)


async def test_reads_give_up_after_max_attempts(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    upper_upstream.emulator.faults.inject(route="list_tasks", status=503, times=10)
    with pytest.raises(ServerError) as info:
        await make_client(http, upper_upstream.url).list_tasks()
    assert info.value.status == 503
    assert upper_upstream.count(route="list_tasks") == POLICY.max_attempts


async def test_429_honours_retry_after_with_a_cap(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    sleep = SleepRecorder()
    upper_upstream.emulator.faults.inject(route="list_tasks", status=429, times=1, retry_after=3)
    upper_upstream.emulator.faults.inject(route="list_tasks", status=429, times=1, retry_after=120)
    await make_client(http, upper_upstream.url, sleep).list_tasks()
    assert sleep.delays == [3.0, POLICY.max_retry_after_seconds]


async def test_429_that_persists_reports_retry_after(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    upper_upstream.emulator.faults.inject(route="get_run", status=429, times=10, retry_after=2)
    with pytest.raises(RateLimitError) as info:
        await make_client(http, upper_upstream.url).get_task_run("abc")
    assert info.value.retry_after == 2.0 and info.value.title == "Rate limit exceeded"


async def test_rate_limit_of_the_emulator_is_absorbed(http: httpx2.AsyncClient) -> None:
    from tests.conftest import start_upstream

    up = start_upstream(rate_limit_per_second=2, retry_after_seconds=1)
    try:
        sleep = SleepRecorder(real=True)
        client = make_client(http, up.url, sleep)
        for _ in range(3):
            await client.list_tasks()
        assert any(r.status == 429 for r in up.emulator.recorded())
        assert 1.0 in sleep.delays
    finally:
        up.server.stop()


async def test_reads_retry_dropped_connections(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    upper_upstream.emulator.faults.inject(route="get_task", status=500, drop_connection=True)
    task_id = upper_upstream.emulator.task_id("Hallucination check")
    assert (await make_client(http, upper_upstream.url).get_task(task_id)).id == task_id
    assert upper_upstream.count(route="get_task") == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_trigger_is_never_resent_after_a_5xx(
    http: httpx2.AsyncClient, upper_upstream: Upstream, status: int
) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(route="trigger", status=status, after_handling=True)
    with pytest.raises(ServerError):
        await make_client(http, upper_upstream.url).trigger_task(task_id, TriggerRunRequest())
    assert upper_upstream.count(route="trigger") == 1
    assert len(emulator.runs(task_id)) == 1  # the server did act: exactly one run exists


async def test_trigger_is_never_resent_after_a_dropped_connection(
    http: httpx2.AsyncClient, upper_upstream: Upstream
) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(route="trigger", status=500, after_handling=True, drop_connection=True)
    with pytest.raises(TransportError) as info:
        await make_client(http, upper_upstream.url).trigger_task(task_id, TriggerRunRequest())
    assert info.value.may_have_reached_server
    assert upper_upstream.count(route="trigger") == 1 and len(emulator.runs(task_id)) == 1


async def test_trigger_is_never_resent_after_a_read_timeout(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(route="trigger", status=201, after_handling=True, delay=1.0)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(0.3)) as http:
        with pytest.raises(TransportError) as info:
            await make_client(http, upper_upstream.url).trigger_task(task_id, TriggerRunRequest())
    assert info.value.may_have_reached_server and "ReadTimeout" in str(info.value)
    assert upper_upstream.count(route="trigger") == 1


async def test_trigger_is_retried_after_429(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(route="trigger", status=429, retry_after=0)
    run = await make_client(http, upper_upstream.url).trigger_task(task_id, TriggerRunRequest())
    assert upper_upstream.count(route="trigger") == 2
    assert [r.id for r in emulator.runs(task_id)] == [run.id]


async def test_connection_never_established_is_retried_even_for_trigger(http: httpx2.AsyncClient) -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = SleepRecorder()
    client = make_client(http, f"http://127.0.0.1:{port}", sleep)
    with pytest.raises(TransportError) as info:
        await client.trigger_task("abc", TriggerRunRequest())
    assert not info.value.may_have_reached_server
    assert len(sleep.delays) == POLICY.max_attempts - 1
    assert "could not connect" in str(info.value)


async def test_errors_map_to_types(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    with pytest.raises(NotFoundError) as missing:
        await make_client(http, upper_upstream.url).get_task_run("no-such-run")
    assert missing.value.title == "Resource not found" and "no-such-run" in (missing.value.detail or "")
    bad = ArizeClient(http, upper_upstream.url, SecretStr("nope"), retry=POLICY)
    with pytest.raises(AuthenticationError):
        await bad.list_tasks()


@pytest.mark.parametrize(
    ("value", "segment"),
    [("a/b+c=", "a%2Fb%2Bc%3D"), ("x?y#z", "x%3Fy%23z"), ("%2F", "%252F"), ("a..b", "a..b")],
)
def test_ids_are_encoded_as_one_segment(value: str, segment: str) -> None:
    assert encode_segment(value) == segment


@pytest.mark.parametrize("run_id", [".", "..", "..."])
async def test_dot_segment_ids_are_refused_locally(
    http: httpx2.AsyncClient, upper_upstream: Upstream, run_id: str
) -> None:
    # Sent as %2E%2E, a proxy normalising per RFC 3986 may turn it back into `..` and climb a level.
    with pytest.raises(InvalidRequestError):
        await make_client(http, upper_upstream.url).get_task_run(run_id)
    with pytest.raises(InvalidRequestError):
        await make_client(http, upper_upstream.url).list_task_runs(run_id)
    assert upper_upstream.count() == 0


def test_retry_after_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_backoff_is_bounded_with_jitter() -> None:
    policy = RetryPolicy(base_delay_seconds=1, max_delay_seconds=4)
    delays = [policy.delay(attempt, None) for attempt in range(1, 10) for _ in range(20)]
    assert all(0.5 <= d <= 4 for d in delays)
    assert len({round(d, 6) for d in delays}) > 10


def _html(_: bytes) -> bytes:
    return b"<html><body>Service temporarily rerouted</body></html>"


def _truncated(body: bytes) -> bytes:
    return body[:60]


def _id_and_garbage(body: bytes) -> bytes:
    # An id alone reads as a run (the official SDK's models require nothing); a field of the wrong shape does not.
    return json.dumps({"id": json.loads(body)["id"], "num_successes": {"not": "a count"}}).encode()


def _not_a_run(_: bytes) -> bytes:
    return b'{"ok": true}'


@pytest.mark.parametrize(
    ("rewrite", "id_readable", "problem"),
    [
        (_html, False, "an HTML page"),
        (_truncated, True, "a body that is not JSON"),
        (_id_and_garbage, True, "not a TaskRun"),
        (_not_a_run, False, "a body without a run id"),
    ],
)
async def test_a_2xx_trigger_with_an_unreadable_body_says_a_run_exists(
    http: httpx2.AsyncClient,
    upper_upstream: Upstream,
    rewrite: Callable[[bytes], bytes],
    id_readable: bool,
    problem: str,
) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(route="trigger", status=201, rewrite_body=rewrite)
    with pytest.raises(RunIdUnreadableError) as info:
        await make_client(http, upper_upstream.url).trigger_task(task_id, TriggerRunRequest())
    runs = emulator.runs(task_id)
    assert upper_upstream.count(route="trigger") == 1 and len(runs) == 1
    assert info.value.status == 201 and problem in str(info.value)
    assert info.value.run_id == (runs[0].id if id_readable else None)


def _with_byte_order_mark(body: bytes) -> bytes:
    return b"\xef\xbb\xbf" + body


def _null_id(body: bytes) -> bytes:
    return json.dumps({**json.loads(body), "id": None}).encode()


def _lone_surrogate_reason(body: bytes) -> bytes:
    # Valid JSON that Python reads but a strict parser refuses (an unpaired UTF-16 escape).
    return json.dumps({**json.loads(body), "failure_reason": "\ud800"}).encode()


@pytest.mark.parametrize(
    ("rewrite", "reason"), [(_with_byte_order_mark, None), (_null_id, None), (_lone_surrogate_reason, "\ud800")]
)
async def test_reads_the_one_pass_parser_refuses_are_read_the_lenient_way(
    http: httpx2.AsyncClient, upper_upstream: Upstream, rewrite: Callable[[bytes], bytes], reason: str | None
) -> None:
    emulator = upper_upstream.emulator
    client = make_client(http, upper_upstream.url)
    run = await client.trigger_task(emulator.task_id("Hallucination check"), TriggerRunRequest())
    emulator.faults.inject(route="get_run", status=200, rewrite_body=rewrite)
    read = await client.get_task_run(run.id)
    # A null id is the one asked for, as when the body leaves it out.
    assert (read.id, read.task_id, read.created_at, read.failure_reason) == (
        run.id,
        run.task_id,
        run.created_at,
        reason,
    )
    assert upper_upstream.count(route="get_run") == 1


async def test_a_read_that_is_not_json_is_an_unexpected_response(
    http: httpx2.AsyncClient, upper_upstream: Upstream
) -> None:
    emulator = upper_upstream.emulator
    emulator.faults.inject(route="get_task", status=200, rewrite_body=_truncated)
    with pytest.raises(UnexpectedResponseError) as info:
        await make_client(http, upper_upstream.url).get_task(emulator.task_id("Hallucination check"))
    assert "non-JSON body" in str(info.value)


async def test_each_request_has_a_total_deadline(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    # One byte every 50 ms: each read is quick, the whole body would take over 30 s.
    emulator.faults.inject(route="get_task", status=200, trickle_seconds=0.05, times=10)
    emulator.faults.inject(route="trigger", status=201, trickle_seconds=0.05, after_handling=True)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(2.0)) as http:
        client = ArizeClient(http, upper_upstream.url, SecretStr(API_KEY), retry=POLICY, deadline_seconds=0.5)
        with anyio.fail_after(10):
            with pytest.raises(TransportError) as read:
                await client.get_task(task_id)
            with pytest.raises(TransportError) as trigger:
                await client.trigger_task(task_id, TriggerRunRequest())
    assert "no complete answer within 0.5 s" in str(read.value)
    assert upper_upstream.count(route="get_task") == POLICY.max_attempts
    assert trigger.value.may_have_reached_server and upper_upstream.count(route="trigger") == 1


def _huge_reason(body: bytes) -> bytes:
    run = json.loads(body)
    run["failure_reason"] = "x" * (9 * 1024 * 1024)
    return json.dumps(run).encode()


@functools.cache
def _gzip_bomb_bytes() -> bytes:
    # 200 MB of zeros is about 200 KB compressed.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(200)) + packer.flush()


def _gzip_bomb(_: bytes) -> bytes:
    return _gzip_bomb_bytes()


@pytest.mark.parametrize(("rewrite", "headers"), [(_huge_reason, None), (_gzip_bomb, {"content-encoding": "gzip"})])
async def test_response_bodies_are_capped_after_decompression(
    http: httpx2.AsyncClient, upper_upstream: Upstream, rewrite: Callable[[bytes], bytes], headers: dict | None
) -> None:
    emulator = upper_upstream.emulator
    run = await make_client(http, upper_upstream.url).trigger_task(
        emulator.task_id("Hallucination check"), TriggerRunRequest()
    )
    # Compressed here, not while the emulator answers: on a busy machine that could take longer
    # than the client's timeout, and the retry would then read the run unharmed.
    _gzip_bomb_bytes()
    emulator.faults.inject(route="get_run", status=200, rewrite_body=rewrite, headers=headers)
    with pytest.raises(ResponseTooLargeError) as info:
        await make_client(http, upper_upstream.url).get_task_run(run.id)
    assert info.value.limit_bytes == MAX_RESPONSE_BYTES and "8,388,608 bytes" in str(info.value)


async def test_a_small_gzip_body_is_decoded(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    task_id = emulator.task_id("Hallucination check")
    emulator.faults.inject(
        route="get_task", status=200, rewrite_body=gzip.compress, headers={"content-encoding": "gzip"}
    )
    assert (await make_client(http, upper_upstream.url).get_task(task_id)).id == task_id


async def test_retry_sleeps_stop_at_the_budget(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    # Retry-After: 99999 must not hold a call for attempts x the cap: past the budget it answers at once.
    policy = RetryPolicy(max_attempts=4, max_retry_after_seconds=0.8, sleep_budget_seconds=1.0)
    upper_upstream.emulator.faults.inject(route="get_run", status=429, times=10, retry_after=99999)
    sleep = SleepRecorder()
    client = ArizeClient(http, upper_upstream.url, SecretStr(API_KEY), retry=policy, sleep=sleep)
    with pytest.raises(RateLimitError) as info:
        await client.get_task_run("abc")
    assert sleep.delays == [0.8] and upper_upstream.count(route="get_run") == 2
    assert info.value.retry_after == 99999


async def test_requests_in_one_scope_share_the_budget(http: httpx2.AsyncClient, upper_upstream: Upstream) -> None:
    policy = RetryPolicy(max_attempts=4, max_retry_after_seconds=0.6, sleep_budget_seconds=1.0)
    upper_upstream.emulator.faults.inject(route="get_run", status=429, times=1, retry_after=5)
    upper_upstream.emulator.faults.inject(route="list_tasks", status=429, times=1, retry_after=5)
    sleep = SleepRecorder()
    client = ArizeClient(http, upper_upstream.url, SecretStr(API_KEY), retry=policy, sleep=sleep)
    with shared_sleep_budget():
        with pytest.raises(NotFoundError):
            await client.get_task_run("abc")  # sleeps 0.6 of the 1.0 s budget, then 404
        with pytest.raises(RateLimitError):
            await client.list_tasks()  # 0.6 more would overdraw it
    assert sleep.delays == [0.6]
