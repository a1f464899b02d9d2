"""The TLS checks against a local TLS server (no nginx): the served chain is read from the scan's own handshake,
in order and bounded, with the same evidence the openssl command gave; the verdicts of the fewer handshakes are
those of one handshake per question."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import trustme

from strapi_console.checks import tls
from strapi_console.checks.registry import REGISTRY, ScanContext, run_checks
from strapi_console.client import ServerInfo
from strapi_console.config import Profile

TLS_IDS = [i for i in REGISTRY if i.startswith("TLS-")]


@contextmanager
def serving(pems: list[bytes], key: bytes, tmp_path):
    """A TLS server on loopback sending exactly `pems` (leaf first) until the block ends."""
    chain = tmp_path / "served.pem"
    chain.write_bytes(key + b"".join(pems))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(chain))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def answer(conn):
        conn.settimeout(5)
        try:
            with server.wrap_socket(conn, server_side=True) as tls_conn:
                tls_conn.recv(1)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def scan(port: int, ca: trustme.CA | None, tmp_path, ids=TLS_IDS) -> dict:
    bundle = None
    if ca is not None:
        bundle = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
    profile = Profile("t", f"https://127.0.0.1:{port}", ca_bundle=str(bundle) if bundle else None)
    ctx = ScanContext(client=SimpleNamespace(profile=profile), info=ServerInfo(reachable=True), credentials=None)
    return {f.check_id: f for f in asyncio.run(run_checks(ctx, ids))}


def pems(cert: trustme.LeafCert, count: int | None = None) -> list[bytes]:
    return [blob.bytes() for blob in cert.cert_chain_pems[:count]]


def names(cert_pem: bytes) -> tuple[str, str]:
    """(subject, issuer) as the openssl command prints them, decoded by the stdlib."""
    info = tls._decode(ssl.PEM_cert_to_DER_cert(cert_pem.decode()))
    return tls._oneline(info["subject"]), tls._oneline(info["issuer"])


@pytest.fixture
def no_processes(monkeypatch):
    """Any subprocess fails the test: the chain comes from the scan's own handshake."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args[0]!r}")
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_leaf_and_intermediate_are_listed_in_the_order_sent(tmp_path, no_processes):
    ca = trustme.CA()
    leaf = ca.create_child_ca().issue_cert("127.0.0.1")
    with serving(pems(leaf), leaf.private_key_pem.bytes(), tmp_path) as port:
        found = scan(port, ca, tmp_path)
    assert {k: f.status for k, f in found.items()} == dict.fromkeys(TLS_IDS, "pass") | {
        "TLS-PROTO-LEGACY": found["TLS-PROTO-LEGACY"].status}
    served = found["TLS-CHAIN-SERVED"].evidence["served"]
    assert [(s["subject"], s["issuer"]) for s in served] == [names(p) for p in pems(leaf)]
    assert served[0]["issuer"] == served[1]["subject"]  # leaf first, then what signed it
    assert found["TLS-CHAIN-SERVED"].title == "2 certificate(s) served in order"


def test_leaf_alone_fails_and_a_root_sent_along_warns(tmp_path, no_processes):
    ca = trustme.CA()
    leaf = ca.create_child_ca().issue_cert("127.0.0.1")
    with serving(pems(leaf, 1), leaf.private_key_pem.bytes(), tmp_path) as port:
        half = scan(port, ca, tmp_path)
    assert half["TLS-CHAIN-SERVED"].status == "fail" and "Only the leaf" in half["TLS-CHAIN-SERVED"].title
    assert half["TLS-CERT-TRUST"].status == "fail" and half["TLS-CERT-HOSTNAME"].status == "skip"
    with serving(pems(leaf) + [ca.cert_pem.bytes()], leaf.private_key_pem.bytes(), tmp_path) as port:
        rooted = scan(port, ca, tmp_path)
    assert rooted["TLS-CHAIN-SERVED"].status == "warn" and len(rooted["TLS-CHAIN-SERVED"].evidence["served"]) == 3
    direct = ca.issue_cert("127.0.0.1")
    with serving(pems(direct), direct.private_key_pem.bytes(), tmp_path) as port:
        found = scan(port, ca, tmp_path)
    assert found["TLS-CHAIN-SERVED"].status == "pass" and "signed directly" in found["TLS-CHAIN-SERVED"].title


def test_a_long_chain_is_read_up_to_the_bound(tmp_path, no_processes):
    ca = trustme.CA(path_length=tls.CHAIN_MAX + 4)
    issuer = ca
    for _ in range(tls.CHAIN_MAX + 2):
        issuer = issuer.create_child_ca()
    leaf = issuer.issue_cert("127.0.0.1")
    sent = pems(leaf)
    assert len(sent) == tls.CHAIN_MAX + 3
    with serving(sent, leaf.private_key_pem.bytes(), tmp_path) as port:
        found = scan(port, ca, tmp_path, ["TLS-CHAIN-SERVED"])["TLS-CHAIN-SERVED"]
    assert len(found.evidence["served"]) == tls.CHAIN_MAX and found.evidence["served_total"] == len(sent)
    assert [(s["subject"], s["issuer"]) for s in found.evidence["served"]] == [names(p) for p in sent[:tls.CHAIN_MAX]]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="compares with the openssl command's listing")
def test_same_evidence_as_the_openssl_command(tmp_path, monkeypatch):
    """Names with separators and control characters read the same as openssl prints them; without a chain
    reader (an older Python) the check falls back to that command."""
    ca = trustme.CA(organization_name="Example, Inc.")
    leaf = ca.create_child_ca().issue_cert("127.0.0.1", organization_name='Shop "A\\B"; <x>',
                                           organization_unit_name="tab\there")
    with serving(pems(leaf), leaf.private_key_pem.bytes(), tmp_path) as port:
        ours = scan(port, ca, tmp_path, ["TLS-CHAIN-SERVED"])["TLS-CHAIN-SERVED"]
        monkeypatch.setattr(tls, "_chain_reader", lambda _tls: None)
        command = scan(port, ca, tmp_path, ["TLS-CHAIN-SERVED"])["TLS-CHAIN-SERVED"]
    assert ours.status == command.status == "pass"
    assert ours.evidence == command.evidence
    assert "\t" not in str(ours.evidence)


def test_the_public_method_returning_der_gives_the_same_names():
    """Python 3.13's SSLSocket.get_unverified_chain() returns DER bytes: decoded to the same listing."""
    ca = trustme.CA()
    leaf = ca.create_child_ca().issue_cert("127.0.0.1")
    ders = [ssl.PEM_cert_to_DER_cert(p.decode()) for p in pems(leaf)]
    public_only = SimpleNamespace(get_unverified_chain=lambda: ders)
    got = tls._read_chain(public_only, ders[0])
    assert got["served"] == [names(p) for p in pems(leaf)] and got["served_total"] == 2


@pytest.mark.parametrize("kind", ["good", "wronghost", "expired", "untrusted"])
def test_verdicts_match_one_handshake_per_question(tmp_path, kind):
    """The scan verifies once and asks the chain-only question only when the name step failed first: the
    verdicts are what a handshake per question gives."""
    ca = trustme.CA()
    past = datetime.now(timezone.utc) - timedelta(days=400)
    leaf = {"good": lambda: ca.issue_cert("127.0.0.1"),
            "wronghost": lambda: ca.issue_cert("elsewhere.example"),
            "expired": lambda: ca.issue_cert("127.0.0.1", not_before=past, not_after=past + timedelta(days=30)),
            "untrusted": lambda: trustme.CA().issue_cert("127.0.0.1")}[kind]()
    with serving(pems(leaf), leaf.private_key_pem.bytes(), tmp_path) as port:
        found = scan(port, ca, tmp_path)
        bundle = str(tmp_path / "ca.pem")
        expected = {}
        for name, host in (("chain", False), ("hostname", True)):
            try:
                tls._handshake("127.0.0.1", port, tls._context(bundle, True, host))
                expected[name] = None
            except (OSError, ssl.SSLError) as exc:
                expected[name] = tls._verdict(exc)
        ctx = ScanContext(client=SimpleNamespace(profile=Profile("t", f"https://127.0.0.1:{port}", ca_bundle=bundle)),
                          info=ServerInfo(reachable=True), credentials=None)
        probe = asyncio.run(tls._probe(ctx))
    assert (probe["chain"], probe["hostname"]) == (expected["chain"], expected["hostname"])
    statuses = {k: found[k].status for k in ("TLS-CERT-TRUST", "TLS-CERT-HOSTNAME", "TLS-CERT-EXPIRY")}
    assert statuses == {"good": {"TLS-CERT-TRUST": "pass", "TLS-CERT-HOSTNAME": "pass", "TLS-CERT-EXPIRY": "pass"},
                        "wronghost": {"TLS-CERT-TRUST": "pass", "TLS-CERT-HOSTNAME": "fail", "TLS-CERT-EXPIRY": "pass"},
                        "expired": {"TLS-CERT-TRUST": "pass", "TLS-CERT-HOSTNAME": "pass", "TLS-CERT-EXPIRY": "fail"},
                        "untrusted": {"TLS-CERT-TRUST": "fail", "TLS-CERT-HOSTNAME": "skip",
                                      "TLS-CERT-EXPIRY": "pass"}}[kind]


def test_contexts_are_built_once_and_a_changed_bundle_gets_a_new_one(tmp_path):
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    first = tls._context(str(bundle), True, True)
    assert tls._context(str(bundle), True, True) is first
    assert tls._context(str(bundle), True, False) is not first
    assert tls._context(None, False) is tls._context(None, False)
    trustme.CA().cert_pem.write_to_path(str(bundle))
    os.utime(bundle, ns=(1, 1))
    assert tls._context(str(bundle), True, True) is not first
    with pytest.raises(OSError):
        tls._context(str(tmp_path / "missing.pem"), True, True)
