"""TLS checks: is HTTPS served, is the certificate trusted, right for the host and valid long enough,
which protocols and cipher. Handshakes use this machine's OpenSSL (in a thread, bounded by a timeout);
what it cannot test is reported as `skip` with the reason, never guessed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..config import is_loopback_host
from ..http import TLS_VERIFY_CODES
from .registry import SURFACE, ScanContext, check, spec

TIMEOUT = 8.0
TSSL = "https://github.com/testssl/testssl.sh"
PROXY = "nginx server block"


class Local(Exception):
    """This machine cannot run the probe (its OpenSSL lacks the protocol)."""


def _target(ctx: ScanContext) -> tuple[str, int] | None:
    parts = urlsplit(ctx.client.profile.url)
    if parts.scheme == "https":
        return parts.hostname, parts.port or 443
    return None


def _context(cafile: str | None, verify: bool, hostname: bool = True) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context(cafile=os.path.expanduser(cafile) if cafile else None)
    ctx.check_hostname = hostname
    return ctx


def _handshake(host: str, port: int, ctx: ssl.SSLContext) -> dict:
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            return {"version": tls.version(), "cipher": tls.cipher(), "der": tls.getpeercert(binary_form=True)}


def _decode(der: bytes) -> dict:
    """Certificate fields from DER without verifying it (stdlib decoder; cryptography is not needed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as fh:
        fh.write(ssl.DER_cert_to_PEM_cert(der))
        path = fh.name
    try:
        return ssl._ssl._test_decode_cert(path)  # noqa: SLF001 - the documented-by-tests decoder CPython ships
    finally:
        os.unlink(path)


async def _probe(ctx: ScanContext) -> dict:
    """One unverified and one verified handshake, shared by the certificate checks."""
    async def run():
        host, port = _target(ctx)
        out: dict = {"host": host, "port": port}
        try:
            got = await asyncio.to_thread(_handshake, host, port, _context(None, False))
        except (OSError, ssl.SSLError) as exc:
            out["error"] = f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"
            return out
        out.update(got)
        try:
            out["cert"] = _decode(got["der"]) if got.get("der") else {}
        except (ssl.SSLError, OSError, AttributeError):
            out["cert"] = {}
        for name, verify_host in (("chain", False), ("hostname", True)):
            try:
                await asyncio.to_thread(_handshake, host, port, _context(ctx.client.profile.ca_bundle, True, verify_host))
                out[name] = None
            except ssl.SSLCertVerificationError as exc:
                out[name] = (exc.verify_code, TLS_VERIFY_CODES.get(exc.verify_code, exc.verify_message))
            except (OSError, ssl.SSLError) as exc:
                out[name] = (-1, str(getattr(exc, "reason", None) or exc))
        return out

    return await ctx.memo("tls-probe", run)


def _skip_reason(ctx: ScanContext) -> str | None:
    if _target(ctx) is not None:
        return None
    host = urlsplit(ctx.client.profile.url).hostname or ""
    return ("the profile URL is plain HTTP on loopback (TLS is terminated elsewhere)" if is_loopback_host(host)
            else "the profile URL is plain HTTP: see TLS-AVAILABLE")


@check("TLS-AVAILABLE", "HTTPS is served", "critical", panel="headers", settings=SURFACE, references=(TSSL,))
async def available(ctx: ScanContext):
    me = spec("TLS-AVAILABLE")
    parts = urlsplit(ctx.client.profile.url)
    if parts.scheme == "http":
        if is_loopback_host(parts.hostname or ""):
            return me.not_applicable("the profile URL is plain HTTP on loopback")
        return me.finding("fail", "The server is reached over plain HTTP: passwords and tokens cross the network "
                          "unencrypted", evidence={"url": ctx.client.profile.url},
                          fix={"kind": "config", "summary": "Terminate TLS in front of Strapi (Caddy, certbot + nginx)",
                               "file": PROXY, "snippet": "listen 443 ssl;\nssl_certificate /etc/letsencrypt/live/HOST/"
                               "fullchain.pem;\nssl_certificate_key /etc/letsencrypt/live/HOST/privkey.pem;"})
    probe = await _probe(ctx)
    if "error" in probe:
        return me.finding("fail", f"No TLS handshake on {probe['host']}:{probe['port']}", evidence={
            "error": probe["error"]})
    return me.finding("pass", f"HTTPS is served ({probe['version']})", evidence={
        "host": probe["host"], "port": probe["port"], "version": probe["version"]})


async def _cert_check(ctx: ScanContext, check_id: str):
    me = spec(check_id)
    reason = _skip_reason(ctx)
    if reason:
        return me, None, me.not_applicable(reason)
    probe = await _probe(ctx)
    if "error" in probe:
        return me, None, me.finding("skip", reason=f"no TLS handshake ({probe['error']})")
    return me, probe, None


@check("TLS-CERT-TRUST", "Chain validates against the trust store", "critical", panel="headers", settings=SURFACE,
       references=(TSSL,))
async def trust(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CERT-TRUST")
    if early:
        return early
    store = ctx.client.profile.ca_bundle or "the system trust store"
    problem = probe["chain"]
    evidence = {"trust_store": store, "issuer": _name(probe["cert"].get("issuer"))}
    if problem is None or problem[0] == 10:  # expiry is TLS-CERT-EXPIRY's finding
        return me.finding("pass", f"The chain validates against {store}", evidence=evidence)
    return me.finding("fail", f"The certificate is not trusted: {problem[1]}", evidence={**evidence, "verify_code":
                      problem[0]}, fix={"kind": "config", "summary": "Serve the full chain from a public CA (or name "
                      "your private CA with --ca-bundle)", "file": PROXY, "snippet": "ssl_certificate fullchain.pem;"})


@check("TLS-CERT-HOSTNAME", "Certificate matches the hostname", "critical", panel="headers", settings=SURFACE,
       references=(TSSL,))
async def hostname(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CERT-HOSTNAME")
    if early:
        return early
    names = [v for k, v in probe["cert"].get("subjectAltName", ()) if k in ("DNS", "IP Address")]
    evidence = {"host": probe["host"], "subject_alt_names": names}
    if probe["chain"] not in (None,) and probe["chain"][0] != 10:
        return me.finding("skip", reason="the chain is not trusted, so the name check cannot be verified "
                                         "(see TLS-CERT-TRUST)", evidence=evidence)
    problem = probe["hostname"]
    if problem is None or problem[0] == 10:
        return me.finding("pass", f"The certificate names {probe['host']}", evidence=evidence)
    return me.finding("fail", f"The certificate does not name {probe['host']}", evidence=evidence,
                      fix={"kind": "manual", "summary": "Reissue the certificate with this host name in its SAN"})


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), timezone.utc) if text else None
    except ValueError:
        return None


def _name(rdns) -> str:
    return ", ".join(f"{k}={v}" for rdn in rdns or () for k, v in rdn)


@check("TLS-CERT-EXPIRY", "Days until expiry", "high", panel="headers", settings=SURFACE, references=(TSSL,))
async def expiry(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CERT-EXPIRY")
    if early:
        return early
    not_after = _when(probe["cert"].get("notAfter"))
    if not_after is None:
        return me.finding("skip", reason="the certificate's dates could not be read on this machine")
    days = (not_after - datetime.now(timezone.utc)).days
    short = "Let's Encrypt" in _name(probe["cert"].get("issuer"))
    evidence = {"not_after": not_after.strftime("%Y-%m-%d"), "days_left": days}
    fix = {"kind": "manual", "summary": "Renew the certificate and check automatic renewal"}
    if not_after < datetime.now(timezone.utc):
        return me.finding("fail", f"The certificate expired on {evidence['not_after']}", evidence=evidence, fix=fix)
    if days < 7:
        return me.finding("fail", f"The certificate expires in {days} days", evidence=evidence, fix=fix)
    if days < (15 if short else 30):
        return me.finding("warn", f"The certificate expires in {days} days", evidence=evidence, fix=fix)
    return me.finding("pass", f"The certificate is valid for {days} more days", evidence=evidence)


@check("TLS-CERT-LIFETIME", "Certificate validity period is reasonable", "low", panel="headers", settings=SURFACE,
       references=(TSSL,))
async def lifetime(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CERT-LIFETIME")
    if early:
        return early
    start, end = _when(probe["cert"].get("notBefore")), _when(probe["cert"].get("notAfter"))
    if not start or not end:
        return me.finding("skip", reason="the certificate's dates could not be read on this machine")
    days = (end - start).days
    evidence = {"validity_days": days}
    if days > 398 and start > datetime(2020, 9, 1, tzinfo=timezone.utc):
        return me.finding("warn", f"Valid for {days} days (browsers accept at most 398)", evidence=evidence)
    return me.finding("pass", f"Valid for {days} days", evidence=evidence)


def _legacy_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError) as exc:
        raise Local(str(exc)) from None
    return ctx


@check("TLS-PROTO-LEGACY", "TLS 1.0 and 1.1 not accepted", "high", panel="headers", settings=SURFACE,
       references=(TSSL,))
async def legacy(ctx: ScanContext):
    me = spec("TLS-PROTO-LEGACY")
    reason = _skip_reason(ctx)
    if reason:
        return me.not_applicable(reason)
    host, port = _target(ctx)
    try:
        got = await asyncio.to_thread(_handshake, host, port, _legacy_context())
    except Local as exc:
        return me.finding("skip", reason=f"this machine's OpenSSL cannot offer TLS 1.0/1.1 ({exc})")
    except ssl.SSLError as exc:
        text = f"{exc.reason or exc}".upper()
        if "NO_PROTOCOLS_AVAILABLE" in text or "NO PROTOCOLS AVAILABLE" in text or "UNSUPPORTED_PROTOCOL" in text \
                and "ALERT" not in text:
            return me.finding("skip", reason=f"this machine's OpenSSL cannot offer TLS 1.0/1.1 ({exc.reason})")
        return me.finding("pass", "TLS 1.0 and 1.1 are refused", evidence={"server_said": exc.reason})
    except OSError as exc:
        return me.finding("error", reason=f"legacy handshake failed: {exc}")
    return me.finding("fail", f"The server accepts {got['version']}", evidence={"version": got["version"]},
                      fix={"kind": "config", "summary": "Allow only TLS 1.2 and 1.3", "file": PROXY,
                           "snippet": "ssl_protocols TLSv1.2 TLSv1.3;"})


@check("TLS-PROTO-13", "TLS 1.3 offered", "low", panel="headers", settings=SURFACE, references=(TSSL,))
async def tls13(ctx: ScanContext):
    me = spec("TLS-PROTO-13")
    reason = _skip_reason(ctx)
    if reason:
        return me.not_applicable(reason)
    host, port = _target(ctx)
    context = _context(None, False)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    try:
        got = await asyncio.to_thread(_handshake, host, port, context)
    except (OSError, ssl.SSLError):
        return me.finding("warn", "TLS 1.3 is not offered", fix={"kind": "config", "summary": "Enable TLS 1.3",
                                                                "file": PROXY, "snippet": "ssl_protocols TLSv1.2 TLSv1.3;"})
    return me.finding("pass", "TLS 1.3 is offered", evidence={"version": got["version"]})


@check("TLS-CIPHER", "Negotiated cipher is strong", "medium", panel="headers", settings=SURFACE, references=(TSSL,))
async def cipher(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CIPHER")
    if early:
        return early
    name, version, bits = probe["cipher"]
    evidence = {"cipher": name, "protocol": version, "bits": bits}
    aead = "GCM" in name or "CHACHA20" in name
    forward = version == "TLSv1.3" or "ECDHE" in name or "DHE" in name
    if bits and bits < 112:
        return me.finding("fail", f"{name} has {bits}-bit strength", evidence=evidence)
    if aead and forward and (bits or 0) >= 128:
        return me.finding("pass", f"{name} ({version})", evidence=evidence)
    return me.finding("warn", f"{name}: " + ("no forward secrecy" if not forward else "not an AEAD cipher"),
                      evidence=evidence, fix={"kind": "config", "summary": "Use Mozilla's intermediate cipher list",
                                              "file": PROXY, "snippet": "ssl_prefer_server_ciphers off;"})


@check("TLS-CERT-KEY", "Key strength and signature", "high", panel="headers", settings=SURFACE, references=(TSSL,))
async def cert_key(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CERT-KEY")
    if early:
        return early
    try:  # optional: the console does not depend on it
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
    except ImportError:
        return me.finding("skip", reason="the 'cryptography' package is not installed, so the key cannot be read "
                                         "(pip install cryptography)")
    cert = x509.load_der_x509_certificate(probe["der"])
    key = cert.public_key()
    algorithm = cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else "none"
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits, weak = "RSA", key.key_size, key.key_size < 2048
    elif isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits, weak = f"EC {key.curve.name}", key.curve.key_size, key.curve.key_size < 256
    else:
        kind, bits, weak = type(key).__name__.replace("PublicKey", ""), None, False
    evidence = {"key": kind, "bits": bits, "signature_hash": algorithm}
    if algorithm == "md5":
        return me.finding("fail", "The certificate is signed with MD5", evidence=evidence)
    if algorithm == "sha1":
        return me.finding("fail", "The certificate is signed with SHA-1", evidence=evidence)
    if weak:
        return me.finding("fail", f"{kind} key of {bits} bits is too short", evidence=evidence,
                          fix={"kind": "config", "summary": "Reissue with RSA 2048+ or EC P-256", "file": PROXY,
                               "snippet": "# reissue, e.g.: certbot certonly --key-type ecdsa ..."})
    return me.finding("pass", f"{kind}{f' {bits} bits' if bits else ''}, signed with {algorithm}", evidence=evidence)


def _served_chain(host: str, port: int) -> list[tuple[str, str]]:
    """(subject, issuer) of each certificate the server sends, in order, read with the openssl command."""
    out = subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", "-servername", host, "-showcerts"],
                         input=b"", capture_output=True, timeout=TIMEOUT).stdout.decode("utf-8", "replace")
    chain, subject = [], None
    for line in out.splitlines():
        m = re.match(r"\s*\d+\s+s:(.*)", line)
        if m:
            subject = m.group(1).strip()
            continue
        m = re.match(r"\s*i:(.*)", line)
        if m and subject is not None:
            chain.append((subject, m.group(1).strip()))
            subject = None
    return chain


@check("TLS-CHAIN-SERVED", "Intermediates are served", "medium", panel="headers", settings=SURFACE, references=(TSSL,))
async def chain_served(ctx: ScanContext):
    me, probe, early = await _cert_check(ctx, "TLS-CHAIN-SERVED")
    if early:
        return early
    if shutil.which("openssl") is None:
        return me.finding("skip", reason="this machine has no openssl command to list the certificates the server "
                                         "sends (Python 3.11's ssl module does not expose them)")
    try:
        chain = await asyncio.to_thread(_served_chain, probe["host"], probe["port"])
    except (OSError, subprocess.SubprocessError) as exc:
        return me.finding("skip", reason=f"openssl s_client failed: {exc}")
    if not chain:
        return me.finding("skip", reason="openssl s_client showed no certificate")
    evidence = {"served": [{"subject": s, "issuer": i} for s, i in chain]}
    fix = {"kind": "config", "summary": "Serve the full chain (leaf then intermediates), not the leaf alone",
           "file": PROXY, "snippet": "ssl_certificate /etc/letsencrypt/live/HOST/fullchain.pem;"}
    leaf_self_signed = chain[0][0] == chain[0][1]
    if len(chain) == 1 and not leaf_self_signed and probe.get("chain") is None:
        return me.finding("pass", "The leaf is signed directly by a trusted root: nothing else to send",
                          evidence=evidence)
    if len(chain) == 1 and not leaf_self_signed:
        return me.finding("fail", "Only the leaf certificate is served: clients without the intermediate cannot "
                          "build the chain", evidence=evidence, fix=fix)
    if len(chain) > 1 and chain[-1][0] == chain[-1][1]:
        return me.finding("warn", "The root certificate is sent too (useless bytes on every handshake)",
                          evidence=evidence, fix=fix)
    return me.finding("pass", f"{len(chain)} certificate(s) served in order", evidence=evidence)
