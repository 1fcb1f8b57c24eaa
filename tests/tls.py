"""Loopback HTTP(S) servers for tests that reach Arize over TLS: a self-signed certificate, a server
that answers every GET with an empty task page, an environment pointing at it, and CA bundles that
cannot be loaded.

Registered as a plugin in conftest.py, so its fixtures serve every test module."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import API_KEY

# A CA bundle that passes for one until OpenSSL loads it: a certificate block that is not base64.
UNLOADABLE_PEM = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"


@contextmanager
def unopenable_file() -> Iterator[Path]:
    """A path that exists but that open() refuses, even for root (who may read any mode): a bound Unix socket."""
    with tempfile.TemporaryDirectory() as directory, socket.socket(socket.AF_UNIX) as bound:
        path = Path(directory) / "ca.pem"  # a short path: a socket's is limited to about 100 bytes
        bound.bind(str(path))
        yield path


def clean_env(**values: str) -> dict[str, str]:
    names = ("ARIZE_", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    env.pop("REQUESTS_CA_BUNDLE", None)
    env.pop("SSL_CERT_FILE", None)
    return {**env, **values}


class _Answer(BaseHTTPRequestHandler):
    """Answers every GET with an empty task page and remembers the request line it saw."""

    seen: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.seen.append(self.requestline)
        body = b'{"tasks": [], "pagination": {"has_more": false}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self) -> None:  # noqa: N802
        self.seen.append(self.requestline)
        self.send_response(403, "Forbidden by policy")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Answer,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the TLS diagnosis test needs the openssl command (Debian package openssl)")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with http_server(context) as (port, _):
        yield port


def https_env(port: int, **extra: str) -> dict[str, str]:
    return clean_env(ARIZE_API_KEY=API_KEY, ARIZE_API_HOST="127.0.0.1", ARIZE_API_PORT=str(port), **extra)
