"""TLS checks: is HTTPS served, is the certificate trusted, right for the host and valid long enough,
which protocols and cipher. Handshakes use this machine's OpenSSL (in a thread, bounded by a timeout);
what it cannot test is reported as `skip` with the reason, never guessed.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import warnings
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


# Handshake contexts are built once per process and never changed afterwards (they are shared by the
# handshake threads): loading a CA file costs a millisecond or more, a scan makes several handshakes per server.
def _no_verify() -> ssl.SSLContext:
    """A client context that accepts any certificate: the probes report on trust themselves."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@functools.lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    return _no_verify()


@functools.lru_cache(maxsize=16)
def _verified_context(cafile: str | None, mtime_ns: int, size: int, hostname: bool) -> ssl.SSLContext:
    """Keyed by the bundle's path, mtime and size: an edited bundle gets a fresh context."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = hostname
    return ctx


def _context(cafile: str | None, verify: bool, hostname: bool = True) -> ssl.SSLContext:
    """The shared context for these settings. Raises OSError when the CA bundle cannot be read."""
    if not verify:
        return _unverified_context()
    if not cafile:
        return _verified_context(None, 0, 0, hostname)
    path = os.path.expanduser(cafile)
    stat = os.stat(path)
    return _verified_context(path, stat.st_mtime_ns, stat.st_size, hostname)


def _handshake(host: str, port: int, ctx: ssl.SSLContext, chain: bool = False) -> dict:
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            out = {"version": tls.version(), "cipher": tls.cipher(), "der": tls.getpeercert(binary_form=True)}
            if chain:
                out.update(_read_chain(tls, out["der"]))
            return out


def _decode(der: bytes) -> dict:
    """Certificate fields from DER without verifying it (stdlib decoder; cryptography is not needed). Goes
    through a temporary file: only used when the served chain could not be read (see `_read_chain`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as fh:
        fh.write(ssl.DER_cert_to_PEM_cert(der))
        path = fh.name
    try:
        return ssl._ssl._test_decode_cert(path)  # noqa: SLF001 - the documented-by-tests decoder CPython ships
    finally:
        os.unlink(path)


CHAIN_MAX = 16  # certificates of a served chain read at most (real chains have 2 to 4)
_DER = getattr(ssl._ssl, "ENCODING_DER", 2)  # noqa: SLF001 - Certificate.public_bytes' format argument


def _chain_reader(tls: ssl.SSLSocket):
    """The served-chain reader this Python has, or None. CPython 3.10+ has the private
    `_sslobj.get_unverified_chain()`, returning certificate objects that decode themselves (`get_info()`); the
    public `SSLSocket.get_unverified_chain()` (3.13+) returns DER bytes, which need a decode through a temporary
    file, so it comes second. Neither: TLS-CHAIN-SERVED falls back to the openssl command (`_served_chain`)."""
    return getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None) or \
        getattr(tls, "get_unverified_chain", None)


def _read_chain(tls: ssl.SSLSocket, der: bytes | None) -> dict:
    """The certificates the server sent, in its order (leaf first), as (subject, issuer) in the openssl
    command's one-line form; the leaf's decoded fields when the chain gives them (no temporary file). At most
    CHAIN_MAX are read; `served_total` says how many were sent."""
    reader = _chain_reader(tls)
    if reader is None:
        return {}
    try:
        certs = list(reader() or ())
        infos = [c.get_info() if hasattr(c, "get_info") else _decode(c) for c in certs[:CHAIN_MAX]]
        out: dict = {"served": [(_oneline(i.get("subject")), _oneline(i.get("issuer"))) for i in infos],
                     "served_total": len(certs)}
        if infos and der and hasattr(certs[0], "public_bytes") and certs[0].public_bytes(_DER) == der:
            out["cert"] = infos[0]  # the leaf getpeercert returned, already decoded
    except (ssl.SSLError, OSError, ValueError, TypeError, AttributeError):
        return {}
    return out


@functools.lru_cache(maxsize=64)
def _short_name(attribute: str) -> str:
    try:
        return ssl._ASN1Object.fromname(attribute).shortname or attribute  # noqa: SLF001 - OpenSSL's own table
    except ValueError:  # an OID OpenSSL has no name for: shown dotted, as openssl does
        return attribute


def _escape(value: str) -> str:
    """A name's value as openssl's one-line form shows it: quoted when it holds a separator, control and other
    unprintable characters as hex escapes (the server chose them: never raw into a terminal)."""
    quoted = any(c in value for c in ',+"\\<>;')
    if quoted:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    text = "".join(c if c.isprintable() else _hex(ord(c)) for c in value)
    return f'"{text}"' if quoted else text


def _hex(code: int) -> str:
    return f"\\{code:02X}" if code < 0x100 else f"\\U{code:04X}" if code < 0x10000 else f"\\W{code:08X}"


def _oneline(rdns) -> str:
    """'O = Example, CN = host', in the certificate's order (openssl's one-line name form)."""
    return ", ".join(" + ".join(f"{_short_name(str(k))} = {_escape(str(v))}" for k, v in rdn) for rdn in rdns or ())


HOST_NAME_CODES = frozenset({62, 63, 64})  # X509_V_ERR_{HOSTNAME,EMAIL,IP_ADDRESS}_MISMATCH: the name step's errors


def _verdict(exc: Exception) -> tuple[int, str]:
    """(OpenSSL verify code, message) of a failed verified handshake; -1 when it failed before verifying."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_code, TLS_VERIFY_CODES.get(exc.verify_code, exc.verify_message)
    return -1, str(getattr(exc, "reason", None) or exc)


async def _hello(ctx: ScanContext) -> dict:
    """Version, cipher, leaf and served chain, from as few handshakes as give them: a verified handshake (trust
    store and host name) first, which on a sound server also answers both verification questions; only when it
    fails, an unverified one for the certificate. TLS-PROTO-13 needs only this, the certificate checks `_probe`."""
    async def run():
        host, port = _target(ctx)
        out: dict = {"host": host, "port": port}
        try:
            verified = _context(ctx.client.profile.ca_bundle, True, True)
            got = await asyncio.to_thread(_handshake, host, port, verified, True)
            out.update(chain=None, hostname=None)
        except (OSError, ssl.SSLError) as exc:
            out["hostname"] = _verdict(exc)
            try:
                got = await asyncio.to_thread(_handshake, host, port, _context(None, False), True)
            except (OSError, ssl.SSLError) as exc:
                out["error"] = f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"
                return out
        out.update(got)
        if "cert" not in out:
            try:
                out["cert"] = _decode(got["der"]) if got.get("der") else {}
            except (ssl.SSLError, OSError, AttributeError):
                out["cert"] = {}
        return out

    return await ctx.memo("tls-hello", run)


async def _probe(ctx: ScanContext) -> dict:
    """`_hello` plus both verification verdicts: "chain" (trust store only) and "hostname" (trust store and host
    name), each None when it passes or (verify code, message)."""
    async def run():
        out = dict(await _hello(ctx))
        if "error" in out or "chain" in out:
            return out
        if out["hostname"][0] not in HOST_NAME_CODES and out["hostname"][0] != -1:
            # the failure came from a step the chain-only verification runs too, on the same certificates
            out["chain"] = out["hostname"]
            return out
        try:  # the host name step failed first (or nothing was verified): the chain alone is still unknown
            await asyncio.to_thread(_handshake, out["host"], out["port"],
                                    _context(ctx.client.profile.ca_bundle, True, False))
            out["chain"] = None
        except (OSError, ssl.SSLError) as exc:
            out["chain"] = _verdict(exc)
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


@functools.lru_cache(maxsize=1)
def _legacy_setup() -> tuple[ssl.SSLContext | None, str | None]:
    """The TLS 1.0/1.1-only context, or why this OpenSSL cannot build it (remembered too: it will not change)."""
    ctx = _no_verify()
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():  # deprecated on purpose: the check asks whether the server still accepts them
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError) as exc:
        return None, str(exc)
    return ctx, None


def _legacy_context() -> ssl.SSLContext:
    ctx, problem = _legacy_setup()
    if ctx is None:
        raise Local(problem)
    return ctx


@functools.lru_cache(maxsize=1)
def _tls13_context() -> ssl.SSLContext:
    ctx = _no_verify()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
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
    hello = await _hello(ctx)
    if hello.get("version") == "TLSv1.3":  # the first handshake, offering every version, already got 1.3
        return me.finding("pass", "TLS 1.3 is offered", evidence={"version": hello["version"]})
    host, port = _target(ctx)
    try:
        got = await asyncio.to_thread(_handshake, host, port, _tls13_context())
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
    """(subject, issuer) of each certificate the server sends, in order, read with the openssl command: only
    for a Python whose ssl module cannot list them (a second connection and a process per server)."""
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
    chain, total = probe.get("served"), probe.get("served_total", 0)
    if chain is None:  # this Python's ssl module could not list them (see _chain_reader): the openssl command can
        if shutil.which("openssl") is None:
            return me.finding("skip", reason="this machine has no openssl command to list the certificates the "
                                             "server sends (this Python's ssl module does not expose them)")
        try:
            every = await asyncio.to_thread(_served_chain, probe["host"], probe["port"])
        except (OSError, subprocess.SubprocessError) as exc:
            return me.finding("skip", reason=f"openssl s_client failed: {exc}")
        chain, total = every[:CHAIN_MAX], len(every)
    if not chain:
        return me.finding("skip", reason="the server sent no certificate")
    evidence = {"served": [{"subject": s, "issuer": i} for s, i in chain]}
    if total > len(chain):
        evidence["served_total"] = total  # only the first CHAIN_MAX are listed
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
