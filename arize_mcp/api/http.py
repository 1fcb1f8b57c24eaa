"""The one way this package builds its HTTP pool: proxy and trust settings applied explicitly.

The environment is never consulted here (`trust_env=False`): config.py resolves the proxy and CA
bundle with the official SDK's variables and precedence, and what it decided is what is used.
"""

from __future__ import annotations

import os
import re
import ssl
import threading
from pathlib import Path

import httpx2

# The blocks OpenSSL takes a trusted certificate from in a CA file (PEM only: a DER file is refused).
_PEM_CERTIFICATE = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----")
_SSL_SOURCE_LINE = re.compile(r"\s*\(_ssl\.c:\d+\)$")


class CaBundleError(ValueError):
    """A CA bundle that cannot be trusted from: unreadable, or holding no certificate OpenSSL loads.

    The message says what is wrong with the file, to follow its path (`<path> <message>`)."""


def new_http_client(
    *,
    timeout_seconds: float,
    proxy_url: str | None = None,
    ca_bundle: str | None = None,
    verify_tls: bool = True,
) -> httpx2.AsyncClient:
    return http_client_with(
        timeout_seconds=timeout_seconds, proxy_url=proxy_url, verify=tls_verification(ca_bundle, verify_tls)
    )


def http_client_with(
    *, timeout_seconds: float, proxy_url: str | None, verify: ssl.SSLContext | bool
) -> httpx2.AsyncClient:
    """The pool, with a TLS verification already built (see `PreparedTls`)."""
    timeout = httpx2.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds))
    return httpx2.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False, proxy=proxy_url, verify=verify)


def check_ca_bundle(ca_bundle: str) -> None:
    """CaBundleError unless `ca_bundle` can be read and, for a file, holds a PEM certificate: the
    mistakes that can be found without loading it (which takes tens of milliseconds, see
    `PreparedTls`). A file that passes may still be refused by `tls_verification`."""
    try:
        if Path(ca_bundle).is_dir():
            with os.scandir(ca_bundle):
                return
        with open(ca_bundle, "rb") as file:
            text = file.read()
    except OSError as exc:
        raise _unreadable(exc) from None
    if not _PEM_CERTIFICATE.search(text):
        raise CaBundleError("holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)")


def tls_verification(ca_bundle: str | None, verify_tls: bool) -> ssl.SSLContext | bool:
    """False when verification is off; else a context trusting `ca_bundle` (a PEM file or a
    directory of hashed certificates) or, without one, the default trust store. CaBundleError
    when the bundle cannot be loaded."""
    if not verify_tls:
        return False
    if ca_bundle is None:
        return True
    try:
        if Path(ca_bundle).is_dir():
            return ssl.create_default_context(capath=ca_bundle)
        return ssl.create_default_context(cafile=ca_bundle)
    except ssl.SSLError as exc:
        raise CaBundleError(f"is refused by OpenSSL ({_SSL_SOURCE_LINE.sub('', str(exc))})") from None
    except OSError as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: OSError) -> CaBundleError:
    return CaBundleError(f"cannot be read ({exc.strerror or exc})")


class PreparedTls:
    """`tls_verification(ca_bundle, verify_tls)`, built on a thread from the moment this is made.

    Loading a CA bundle takes tens of milliseconds, during which CPython's ssl module releases the
    GIL: made before the rest of the server is imported, it is ready by the time the pool needs it."""

    def __init__(self, ca_bundle: str | None, verify_tls: bool) -> None:
        self._done = threading.Event()
        self._verification: ssl.SSLContext | bool = False
        self._error: Exception | None = None
        thread = threading.Thread(target=self._build, args=(ca_bundle, verify_tls), name="arize-mcp-tls", daemon=True)
        thread.start()

    def _build(self, ca_bundle: str | None, verify_tls: bool) -> None:
        try:
            self._verification = tls_verification(ca_bundle, verify_tls)
        except Exception as exc:  # raised where the verification is asked for, as without the thread
            self._error = exc
        finally:
            self._done.set()

    def verification(self) -> ssl.SSLContext | bool:
        """The verification, once built (waiting for it); raises what building it raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._verification
