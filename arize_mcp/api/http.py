"""The one way this package builds its HTTP pool: proxy and trust settings applied explicitly.

The environment is never consulted here (`trust_env=False`): config.py resolves the proxy and CA
bundle with the official SDK's variables and precedence, and what it decided is what is used.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx2


def new_http_client(
    *,
    timeout_seconds: float,
    proxy_url: str | None = None,
    ca_bundle: str | None = None,
    verify_tls: bool = True,
) -> httpx2.AsyncClient:
    timeout = httpx2.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds))
    return httpx2.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        proxy=proxy_url,
        verify=tls_verification(ca_bundle, verify_tls),
    )


def tls_verification(ca_bundle: str | None, verify_tls: bool) -> ssl.SSLContext | bool:
    """False when verification is off; else a context trusting `ca_bundle` (a PEM file or a
    directory of hashed certificates) or, without one, the default trust store."""
    if not verify_tls:
        return False
    if ca_bundle is None:
        return True
    if Path(ca_bundle).is_dir():
        return ssl.create_default_context(capath=ca_bundle)
    return ssl.create_default_context(cafile=ca_bundle)
