"""The pool's TLS verification built on a thread (PreparedTls) is the one built in place."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from arize_mcp.api.http import CaBundleError, PreparedTls, tls_verification
from tests.tls import unopenable_file


def test_a_prepared_bundle_is_trusted(certificate: tuple[Path, Path]) -> None:
    context = PreparedTls(str(certificate[0]), verify_tls=True).verification()
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
    subjects = [dict(part[0] for part in ca["subject"]) for ca in context.get_ca_certs()]
    assert subjects == [{"commonName": "localhost"}]


@pytest.mark.parametrize(("ca_bundle", "verify_tls", "expected"), [(None, True, True), (None, False, False)])
def test_without_a_bundle_or_verification_it_is_what_the_pool_is_told(
    ca_bundle: str | None, verify_tls: bool, expected: bool
) -> None:
    assert PreparedTls(ca_bundle, verify_tls).verification() is expected is tls_verification(ca_bundle, verify_tls)


def test_a_bundle_that_cannot_be_loaded_raises_where_it_is_asked_for(tmp_path: Path) -> None:
    bundle = tmp_path / "not-a-bundle.pem"
    bundle.write_text("not a certificate\n")
    prepared = PreparedTls(str(bundle), verify_tls=True)
    for _ in range(2):  # every time it is asked, as building it in place would
        with pytest.raises(CaBundleError, match=r"^is refused by OpenSSL \(.*NO_CERTIFICATE_OR_CRL_FOUND.*\)$"):
            prepared.verification()


def test_a_bundle_that_cannot_be_read_raises_a_bundle_error() -> None:
    with unopenable_file() as unreadable:
        with pytest.raises(CaBundleError, match=r"^cannot be read \(No such device or address\)$"):
            tls_verification(str(unreadable), verify_tls=True)
