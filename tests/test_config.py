from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

import arize_mcp
from arize_mcp.config import CommandDefaults, ConfigError, Connection, ServiceSettings, Settings, base_url_from_env
from arize_mcp.logs import RedactingFormatter
from arize_mcp.redaction import register_secret
from tests.tls import unopenable_file


@pytest.mark.parametrize(
    ("env", "url", "decided_by"),
    [
        ({}, "https://api.arize.com", "default"),
        ({"ARIZE_REGION": "eu-west-1a"}, "https://api.eu-west-1a.arize.com", "ARIZE_REGION"),
        # The region wins over ARIZE_API_HOST, as in the SDK.
        (
            {"ARIZE_API_HOST": "arize.internal.example", "ARIZE_REGION": "eu-west-1a"},
            "https://api.eu-west-1a.arize.com",
            "ARIZE_REGION",
        ),
        (
            {"ARIZE_API_SCHEME": "http", "ARIZE_API_HOST": "127.0.0.1", "ARIZE_API_PORT": "8787"},
            "http://127.0.0.1:8787",
            "ARIZE_API_HOST",
        ),
        ({"ARIZE_API_HOST": "api.arize.com", "ARIZE_API_PORT": "0"}, "https://api.arize.com", "ARIZE_API_HOST"),
        (
            {"ARIZE_SINGLE_HOST": "arize.corp", "ARIZE_SINGLE_PORT": "4040"},
            "https://arize.corp:4040",
            "ARIZE_SINGLE_HOST+ARIZE_SINGLE_PORT",
        ),
        ({"ARIZE_BASE_DOMAIN": "corp.example"}, "https://api.corp.example", "ARIZE_BASE_DOMAIN"),
        # Where the SDK would build an unusable URL: a host written as a URL, an empty variable.
        ({"ARIZE_API_HOST": "http://localhost:9000/"}, "http://localhost:9000", "ARIZE_API_HOST"),
        ({"ARIZE_API_HOST": "https://arize.corp"}, "https://arize.corp", "ARIZE_API_HOST"),
        ({"ARIZE_API_HOST": " ", "ARIZE_API_PORT": "", "ARIZE_REGION": ""}, "https://api.arize.com", "default"),
    ],
)
def test_endpoint_follows_the_sdk_rules_and_says_what_decided_it(
    env: dict[str, str], url: str, decided_by: str
) -> None:
    connection = Connection.from_env(env)
    assert (connection.base_url, connection.decided_by, connection.problem) == (url, decided_by, None)
    assert base_url_from_env(env) == url


def test_a_setting_without_effect_is_noted() -> None:
    notes = Connection.from_env({"ARIZE_API_HOST": "old.example", "ARIZE_REGION": "us-east-1b"}).notes
    assert notes == ("ARIZE_API_HOST=old.example has no effect: ARIZE_REGION chooses the host",)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"ARIZE_API_SCHEME": "ftp"}, ["ARIZE_API_SCHEME"]),
        ({"ARIZE_API_HOST": "a.com/evil?x"}, ["ARIZE_API_HOST", "ARIZE_API_SCHEME"]),
        ({"ARIZE_API_HOST": "https://a.com/v2"}, ["ARIZE_API_HOST", "nothing after the host"]),
        ({"ARIZE_REGION": "eu west"}, ["ARIZE_REGION", "us-east-1b"]),
        ({"ARIZE_REGION": "US-EAST-1B"}, ["ARIZE_REGION", "did you mean 'us-east-1b'"]),
        ({"ARIZE_API_PORT": "http"}, ["ARIZE_API_PORT"]),
        ({"ARIZE_API_PORT": "70000"}, ["ARIZE_API_PORT"]),
        ({"ARIZE_REGION": "eu-west-1a", "ARIZE_SINGLE_PORT": "1"}, ["ARIZE_REGION and ARIZE_SINGLE_HOST", "unset"]),
        (
            {"ARIZE_BASE_DOMAIN": "a.b", "ARIZE_SINGLE_HOST": "h"},
            ["ARIZE_SINGLE_HOST/ARIZE_SINGLE_PORT and ARIZE_BASE_DOMAIN"],
        ),
        ({"ARIZE_PROXY_URL": "proxy:3128"}, ["ARIZE_PROXY_URL", "http://"]),
        ({"ARIZE_SSL_CA_CERT": "/no/such/ca.pem"}, ["ARIZE_SSL_CA_CERT=/no/such/ca.pem", "unset it"]),
        ({"ARIZE_REQUEST_VERIFY": "maybe"}, ["ARIZE_REQUEST_VERIFY"]),
    ],
)
def test_a_bad_setting_becomes_a_problem_naming_the_variable(env: dict[str, str], names: list[str]) -> None:
    problem = Connection.from_env(env).problem
    assert problem is not None
    for name in names:
        assert name in problem


def test_proxy_and_ca_bundle_follow_the_documented_chains(certificate: tuple[Path, Path]) -> None:
    ca = certificate[0]
    both = {"HTTPS_PROXY": "http://general:3128", "HTTP_PROXY": "http://plain:3128"}
    assert Connection.from_env(both).proxy_from == "HTTPS_PROXY"
    assert Connection.from_env({**both, "ARIZE_PROXY_URL": "http://arize:3128"}).proxy_url == "http://arize:3128"
    # NO_PROXY exempts the endpoint from the general-purpose variables only.
    assert Connection.from_env({**both, "NO_PROXY": ".arize.com"}).proxy_url is None
    assert Connection.from_env({"ARIZE_PROXY_URL": "http://a:1", "NO_PROXY": "*"}).proxy_url == "http://a:1"
    chain = {"SSL_CERT_FILE": str(ca), "REQUESTS_CA_BUNDLE": str(ca)}
    assert Connection.from_env(chain).ca_bundle_from == "REQUESTS_CA_BUNDLE"
    assert Connection.from_env({**chain, "ARIZE_SSL_CA_CERT": str(ca)}).ca_bundle_from == "ARIZE_SSL_CA_CERT"
    assert Connection.from_env({"ARIZE_REQUEST_VERIFY": "false"}).verify_tls is False


@pytest.mark.parametrize("name", ["ARIZE_SSL_CA_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_ca_bundle_that_cannot_be_used_is_a_problem_naming_the_variable_and_path(
    name: str, tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    text = tmp_path / "ca.txt"
    text.write_text("not a certificate\n")
    no_pem = "holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)"
    with unopenable_file() as unopenable:
        for path, why in (
            (text, no_pem),
            (certificate[1], no_pem),  # the private key, the file next to the certificate
            (unopenable, "cannot be read (No such device or address)"),
        ):
            connection = Connection.from_env({name: str(path)})
            assert connection.problem is not None and connection.ca_bundle is None
            assert connection.problem.startswith(f"{name}={path} {why}: point it at a PEM file"), connection.problem
    assert Connection.from_env({name: str(tmp_path)}).ca_bundle == str(tmp_path)  # a directory of hashed certificates


def test_a_ca_bundle_refused_when_loaded_is_the_same_problem(certificate: tuple[Path, Path]) -> None:
    connection = Connection.from_env({"SSL_CERT_FILE": str(certificate[0])})
    assert connection.problem is None and connection.ca_bundle == str(certificate[0])
    refused = connection.refusing_ca_bundle("is refused by OpenSSL ([X509] PEM lib)")
    assert refused == Connection(problem=refused.problem)
    assert str(refused.problem).startswith(f"SSL_CERT_FILE={certificate[0]} is refused by OpenSSL ([X509] PEM lib): ")


@pytest.mark.parametrize("text", [None, "", "  "])
def test_a_blank_flag_takes_its_default(text: str | None) -> None:
    env = {} if text is None else {"ARIZE_REQUEST_VERIFY": text, "ARIZE_MCP_READ_ONLY": text, "ARIZE_MCP_SANDBOX": text}
    assert Connection.from_env(env).verify_tls is True
    assert Settings.from_env(env).read_only is False and CommandDefaults.from_env(env).sandbox is False


def test_proxy_password_is_never_shown() -> None:
    connection = Connection.from_env({"ARIZE_PROXY_URL": "http://me:s3cret@proxy:3128"})
    assert connection.proxy_display == "http://me:***@proxy:3128"
    assert "s3cret" not in repr(connection) and "s3cret" not in repr(Settings(connection=connection))


def test_key_is_read_and_never_shown() -> None:
    settings = Settings.from_env({"ARIZE_API_KEY": "  sk-secret-123  "})
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-secret-123"
    for text in (repr(settings), str(settings), f"{settings.api_key}", repr(settings.api_key)):
        assert "sk-secret-123" not in text
    assert Settings.from_env({"ARIZE_API_KEY": "  "}).api_key is None
    assert SecretStr("a") == SecretStr("a") and SecretStr("a") != SecretStr("b")


def test_service_settings_and_command_defaults_come_from_the_environment() -> None:
    env = {
        "ARIZE_MCP_AUTH_TOKEN": " tok-123 ",
        "ARIZE_MCP_ALLOWED_HOSTS": "a.example:*, b.example",
        "ARIZE_MCP_REQUEST_TIMEOUT": "90",
        "ARIZE_MCP_SANDBOX": "yes",
        "ARIZE_MCP_SANDBOX_RUN_SECONDS": "3.5",
        "ARIZE_MCP_LOG_LEVEL": "debug",
    }
    service = ServiceSettings.from_env(env)
    assert service.auth_token is not None and service.auth_token.get_secret_value() == "tok-123"
    assert "tok-123" not in repr(service)
    assert service.allowed_hosts == ("a.example:*", "b.example") and service.request_timeout_seconds == 90.0
    assert CommandDefaults.from_env(env) == CommandDefaults(sandbox=True, sandbox_run_seconds=3.5, log_level="DEBUG")
    assert CommandDefaults.from_env({}) == CommandDefaults()


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"ARIZE_MCP_READ_ONLY": "maybe"}, "ARIZE_MCP_READ_ONLY"),
        ({"ARIZE_MCP_HTTP_TIMEOUT": "0"}, "ARIZE_MCP_HTTP_TIMEOUT"),
        ({"ARIZE_MCP_POLL_INITIAL_SECONDS": "inf"}, "ARIZE_MCP_POLL_INITIAL_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


def test_the_environment_is_read_only_in_config() -> None:
    # demo.py hands its whole environment to the server it starts, which reads it through config.py.
    allowed = {"config.py", "demo.py"}
    package = Path(arize_mcp.__file__).parent
    readers = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"\bos\.environ\b|\bgetenv\(|\benviron\b", path.read_text())
    }
    assert readers <= allowed, f"only config.py reads the environment; also found in {sorted(readers - allowed)}"


def test_poll_interval_grows_to_its_cap() -> None:
    poll = Settings.from_env({"ARIZE_MCP_POLL_INITIAL_SECONDS": "1", "ARIZE_MCP_POLL_MAX_SECONDS": "60"}).poll
    intervals = [poll.interval(n) for n in range(1, 12)]
    assert intervals[0] == 1.0
    assert intervals == sorted(intervals)
    assert max(intervals) == 10.0  # never above 10 s, whatever the environment says


def test_poll_cap_defaults_to_the_official_sdks_interval() -> None:
    # Without a prediction, reads settle at the SDK's fixed 5 s: never later than it.
    assert Settings.from_env({}).poll.max_seconds == 5.0


def test_redacting_formatter_masks_secrets_in_any_record() -> None:
    register_secret("sk-secret-123")
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "header Bearer %s", ("sk-secret-123",), None)
    assert formatter.format(record) == "header Bearer ********"


@pytest.mark.parametrize("name", ["ARIZE_API_KEY", "ARIZE_MCP_AUTH_TOKEN"])
@pytest.mark.parametrize("value", ["key-canary-1\nx", "key-canary-1\r\nX: 1", "key canary-1", "key-canary-é", "k\x00y"])
def test_keys_and_tokens_no_header_can_carry_are_refused_by_name(name: str, value: str) -> None:
    env = {name: value}
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env) if name == "ARIZE_API_KEY" else ServiceSettings.from_env(env)
    assert name in str(info.value) and "canary" not in str(info.value)


def test_service_limits_from_the_environment() -> None:
    service = ServiceSettings.from_env(
        {"ARIZE_MCP_MAX_SESSIONS": "50", "ARIZE_MCP_MAX_SESSIONS_PER_CLIENT": "5", "ARIZE_MCP_HEADER_TIMEOUT": "2"}
    )
    assert (service.max_sessions, service.max_sessions_per_client, service.header_timeout_seconds) == (50, 5, 2.0)
    assert service.max_connections is None
    with pytest.raises(ConfigError, match="ARIZE_MCP_MAX_SESSIONS"):
        ServiceSettings.from_env({"ARIZE_MCP_MAX_SESSIONS": "0"})
    assert Settings.from_env({"ARIZE_MCP_RETRY_BUDGET": "20"}).retry.sleep_budget_seconds == 20.0
    assert CommandDefaults.from_env({"ARIZE_MCP_OTEL": "1"}).otel and not CommandDefaults.from_env({}).otel


def test_task_secret_is_read_trimmed_kept_secret_and_unset_when_empty() -> None:
    settings = Settings.from_env({"ARIZE_MCP_TASK_SECRET": "  shared-7d1e  "})
    assert settings.task_secret is not None
    assert settings.task_secret.get_secret_value() == "shared-7d1e"
    assert "shared-7d1e" not in repr(settings)
    assert Settings.from_env({"ARIZE_MCP_TASK_SECRET": " "}).task_secret is None
    assert Settings.from_env({}).task_secret is None
