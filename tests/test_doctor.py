"""`arize-mcp doctor` as a user runs it, against servers on loopback that fail in each way it names:
a closed port, a rejected key, a TLS certificate it does not trust, a proxy that refuses."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import API_KEY, Upstream
from tests.tls import UNLOADABLE_PEM, clean_env, http_server, https_env

DOCTOR_TIMEOUT_SECONDS = 60


def doctor(env: dict[str, str], *args: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "arize_mcp", *args, "doctor", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=DOCTOR_TIMEOUT_SECONDS,
    )
    assert API_KEY not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sandbox_answers_and_exits_zero() -> None:
    code, report = doctor(clean_env(), "--sandbox")
    assert code == 0, report
    assert report["check"]["status"] == 200 and report["check"]["latency_ms"] >= 0
    assert report["api_key_set"] is True and report["endpoint"].startswith("http://127.0.0.1:")


def test_emulator_reached_with_the_right_key(upper_upstream: Upstream) -> None:
    code, report = doctor(upper_upstream.env())
    assert code == 0 and report["endpoint"] == upper_upstream.url
    assert report["endpoint_from"] == "ARIZE_API_HOST" and report["check"]["status"] == 200


def test_rejected_key_says_how_to_fix_it(upper_upstream: Upstream) -> None:
    code, report = doctor(upper_upstream.env(ARIZE_API_KEY="not-a-key"))
    assert code == 1 and report["check"]["status"] == 401
    assert "ARIZE_API_KEY" in report["check"]["diagnosis"] and "ARIZE_REGION" in report["check"]["diagnosis"]


def test_closed_port_names_the_endpoint_variables() -> None:
    code, report = doctor(
        clean_env(ARIZE_API_SCHEME="http", ARIZE_API_HOST="127.0.0.1", ARIZE_API_PORT=str(free_port()))
    )
    assert code == 2 and report["check"]["status"] is None
    assert "Could not connect" in report["check"]["diagnosis"] and "ARIZE_REGION" in report["check"]["diagnosis"]


def test_untrusted_certificate_names_the_ca_variable_and_trusting_it_works(
    tls_server: int, certificate: tuple[Path, Path]
) -> None:
    code, report = doctor(https_env(tls_server))
    assert code == 2 and "TLS verification" in report["check"]["diagnosis"]
    assert "ARIZE_SSL_CA_CERT" in report["check"]["diagnosis"]
    code, report = doctor(https_env(tls_server, ARIZE_SSL_CA_CERT=str(certificate[0])))
    assert code == 0 and report["check"]["status"] == 200, report
    assert report["ca_bundle_from"] == "ARIZE_SSL_CA_CERT"
    # The generic variables reach the same trust, in the SDK's order.
    code, report = doctor(https_env(tls_server, SSL_CERT_FILE=str(certificate[0])))
    assert code == 0 and report["ca_bundle_from"] == "SSL_CERT_FILE"
    code, report = doctor(https_env(tls_server, ARIZE_REQUEST_VERIFY="false"))
    assert code == 0 and report["verify_tls"] is False


def test_refusing_proxy_is_named(tls_server: int, certificate: tuple[Path, Path]) -> None:
    with http_server() as (proxy_port, seen):
        proxy = f"http://user:pw-123@127.0.0.1:{proxy_port}"
        code, report = doctor(https_env(tls_server, ARIZE_SSL_CA_CERT=str(certificate[0]), HTTPS_PROXY=proxy))
    assert seen == [f"CONNECT 127.0.0.1:{tls_server} HTTP/1.1"]
    assert code == 2 and "proxy" in report["check"]["diagnosis"] and "HTTPS_PROXY" in report["check"]["diagnosis"]
    assert "pw-123" not in json.dumps(report) and report["proxy"] == f"http://user:***@127.0.0.1:{proxy_port}"


def test_proxy_is_used_and_no_proxy_exempts_the_endpoint() -> None:
    target = f"127.0.0.1:{free_port()}"  # nothing listens there: only the proxy can answer
    with http_server() as (proxy_port, seen):
        env = clean_env(ARIZE_API_KEY=API_KEY, ARIZE_API_SCHEME="http", ARIZE_API_HOST="127.0.0.1")
        env["ARIZE_API_PORT"] = target.rpartition(":")[2]
        code, report = doctor({**env, "ARIZE_PROXY_URL": f"http://127.0.0.1:{proxy_port}"})
        assert code == 0 and report["proxy_from"] == "ARIZE_PROXY_URL"
        assert seen == [f"GET http://{target}/v2/tasks?limit=1 HTTP/1.1"]
        code, report = doctor({**env, "HTTP_PROXY": f"http://127.0.0.1:{proxy_port}", "NO_PROXY": "127.0.0.1"})
        assert code == 2 and report["proxy"] is None and len(seen) == 1


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("not a certificate\n", "holds no PEM certificate"),  # found when the settings are read
        (UNLOADABLE_PEM, "is refused by OpenSSL"),  # found only when the bundle is loaded
    ],
    ids=["not-pem", "refused-by-openssl"],
)
def test_a_ca_bundle_that_cannot_be_loaded_is_reported_not_raised(
    tls_server: int, tmp_path: Path, content: str, why: str
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(content)
    code, report = doctor(https_env(tls_server, REQUESTS_CA_BUNDLE=str(bundle)))
    assert code == 2 and report["check"]["status"] is None
    assert report["config_problem"].startswith(f"REQUESTS_CA_BUNDLE={bundle} {why}"), report
    assert f"Fix the setting first: REQUESTS_CA_BUNDLE={bundle} {why}" in report["check"]["diagnosis"]


def test_a_setting_that_cannot_work_is_reported_not_raised() -> None:
    code, report = doctor(clean_env(ARIZE_REGION="mars-1"))
    assert code == 2 and "ARIZE_REGION" in report["config_problem"] and report["check"]["status"] is None
    text = subprocess.run(
        [sys.executable, "-m", "arize_mcp", "doctor"],
        env=clean_env(ARIZE_REGION="mars-1"),
        capture_output=True,
        text=True,
        timeout=DOCTOR_TIMEOUT_SECONDS,
    ).stdout
    assert "not resolved" in text and "ARIZE_REGION must be one of" in text
