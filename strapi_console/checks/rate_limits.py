"""RATE checks (only with --aggressive): are login routes throttled, and can the throttle be dodged?

Probes use random identities that cannot exist (``ratelimit-probe-…@invalid.example``), so no real
account is ever locked and no e-mail is ever sent. Strapi puts ``X-RateLimit-*`` headers on every
answer of a limited route, so one attempt usually tells the limit; more are sent only when needed.
"""

from __future__ import annotations

import asyncio
import secrets

from .. import bounds
from ..errors import StrapiError
from .registry import ScanContext, check, spec

SIGN_INS = "failed sign-in attempts with a made-up identity"
ADMIN_DOC = "https://docs.strapi.io/cms/configurations/admin-panel"
UP_DOC = "https://docs.strapi.io/cms/features/users-permissions"


def _probe_identity() -> tuple[str, str]:
    tag = secrets.token_hex(6)
    return f"ratelimit-probe-{tag}@invalid.example", secrets.token_urlsafe(18)


async def _attempts(ctx: ScanContext, path: str, body: dict, most: int, headers: dict | None = None,
                    pause: float = 0.2) -> list[tuple[int, dict]]:
    """Send up to ``most`` failing attempts; stop at the first 429. Returns (status, rate headers) each."""
    out = []
    for n in range(most):
        try:
            resp = await ctx.client.probe("POST", path, json_body=body, headers=headers, retries=0)
        except StrapiError as exc:
            out.append((0, {"error": exc.message}))
            break
        rate = {k: resp.headers.get(k) for k in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
                if resp.headers.get(k) is not None}
        out.append((resp.status, rate))
        if resp.status == 429 or resp.status == 404:
            break
        if n + 1 < most:
            await asyncio.sleep(pause)
    return out


def _limit_of(attempts: list[tuple[int, dict]]) -> int | None:
    for _, rate in attempts:
        limit = bounds.integer(rate.get("x-ratelimit-limit"), 0, bounds.MAX_SAFE_INTEGER)
        if limit is not None:
            return limit
    return None


async def _admin_probe(ctx: ScanContext):
    """Drive one made-up admin identity into the limiter (shared by RATE-ADMIN-LOGIN and RATE-PROXY-TRUST)."""
    email, password = _probe_identity()
    attempts = await _attempts(ctx, "/admin/login", {"email": email, "password": password}, 8)
    return email, password, attempts


@check("RATE-ADMIN-LOGIN", "Admin login is throttled", "high", panel="headers", needs=("aggressive",), probe=SIGN_INS,
       references=(ADMIN_DOC,))
async def admin_login(ctx: ScanContext):
    me = spec("RATE-ADMIN-LOGIN")
    _, _, attempts = await ctx.memo("rate-admin", lambda: _admin_probe(ctx))
    statuses = [s for s, _ in attempts]
    evidence = {"request": "POST /admin/login with a made-up e-mail", "statuses": statuses,
                "x-ratelimit-limit": _limit_of(attempts)}
    fix = {"kind": "config", "summary": "Keep the admin login limiter on", "file": "config/admin.js",
           "snippet": "module.exports = ({ env }) => ({\n  // ...\n  rateLimit: { enabled: true, interval: { min: 5 }, "
                      "max: 5 },\n});"}
    if 429 in statuses:
        at = statuses.index(429) + 1
        if at <= 6:
            return me.finding("pass", f"Throttled at attempt {at}", evidence=evidence)
        return me.finding("warn", f"Throttled only at attempt {at}", evidence=evidence, fix=fix)
    return me.finding("warn" if _limit_of(attempts) else "fail",
                      f"Not throttled within {len(statuses)} attempts", evidence=evidence, fix=fix)


@check("RATE-UP-LOGIN", "End-user login is throttled", "high", panel="headers", needs=("aggressive",), probe=SIGN_INS,
       references=(UP_DOC,))
async def up_login(ctx: ScanContext):
    me = spec("RATE-UP-LOGIN")
    identifier, password = _probe_identity()
    # One attempt first: the X-RateLimit headers tell the limit without using up the console's bucket
    # (5.54 keys this route by IP only, so every extra attempt counts against this address).
    attempts = await _attempts(ctx, "/api/auth/local", {"identifier": identifier, "password": password}, 1)
    limit = _limit_of(attempts)
    evidence = {"request": "POST /api/auth/local with a made-up identifier", "statuses": [s for s, _ in attempts],
                "x-ratelimit-limit": limit}
    if attempts and attempts[0][0] == 404:
        return me.not_applicable("no /api/auth/local route (users-permissions not installed)", evidence=evidence)
    fix = {"kind": "config", "summary": "Set a tight limit on the end-user auth routes", "file": "config/plugins.js",
           "snippet": "module.exports = {\n  'users-permissions': { config: { ratelimit: { interval: 60000, max: 10 } } "
                      "},\n};"}
    if limit is None:
        attempts += await _attempts(ctx, "/api/auth/local", {"identifier": identifier, "password": password}, 7)
        statuses = [s for s, _ in attempts]
        evidence["statuses"] = statuses
        if 429 in statuses:
            return me.finding("pass", f"Throttled at attempt {statuses.index(429) + 1}", evidence=evidence)
        return me.finding("fail", f"No limiter seen after {len(statuses)} attempts", evidence=evidence, fix=fix)
    if limit <= 10:
        return me.finding("pass", f"Throttled: {limit} attempts per window", evidence=evidence)
    if limit > 100:
        return me.finding("warn", f"The limit is very high ({limit} attempts per window)", evidence=evidence, fix=fix)
    return me.finding("pass", f"Throttled: {limit} attempts per window", evidence=evidence)


@check("RATE-DOCS-LOGIN", "Documentation login is throttled", "medium", panel="headers", needs=("aggressive",),
       probe="wrong passwords to the documentation login",
       references=("https://docs.strapi.io/cms/plugins/documentation",))
async def docs_login(ctx: ScanContext):
    me = spec("RATE-DOCS-LOGIN")
    try:
        page = await ctx.client.probe("GET", "/documentation/v1.0.0", headers={"Accept": "text/html"},
                                      retries=0, follow=0)
    except StrapiError as exc:
        return me.finding("skip", reason=exc.message)
    if page.status == 404:
        return me.not_applicable("the documentation plugin is not installed")
    if "login" not in (page.headers.get("location") or ""):
        return me.not_applicable("the documentation is not password-protected (see EXP-DOCS)")
    attempts = await _attempts(ctx, "/documentation/login", {"password": secrets.token_urlsafe(18)}, 10, pause=0.1)
    statuses = [s for s, _ in attempts]
    evidence = {"request": "POST /documentation/login with a wrong password", "statuses": statuses}
    if 429 in statuses:
        return me.finding("pass", f"Throttled at attempt {statuses.index(429) + 1}", evidence=evidence)
    return me.finding("warn", f"No throttle after {len(statuses)} wrong passwords (the plugin has no limiter)",
                      evidence=evidence, fix={"kind": "config", "summary": "Limit it at the proxy",
                                              "file": "nginx server block",
                                              "snippet": "limit_req_zone $binary_remote_addr zone=docs:1m rate=5r/m;\n"
                                                         "location = /documentation/login {\n    limit_req zone=docs;\n"
                                                         "    proxy_pass http://127.0.0.1:1337;\n}"})


@check("RATE-PROXY-TRUST", "Rate-limit identity is the real client, not a spoofable header", "high", panel="headers",
       needs=("aggressive",), probe=SIGN_INS,
       references=("https://docs.strapi.io/cms/configurations/server",))
async def proxy_trust(ctx: ScanContext):
    me = spec("RATE-PROXY-TRUST")
    email, password, attempts = await ctx.memo("rate-admin", lambda: _admin_probe(ctx))
    if 429 not in [s for s, _ in attempts]:
        return me.finding("skip", reason="the admin login never answered 429, so there is no limit to dodge "
                                         "(see RATE-ADMIN-LOGIN)")
    spoof = f"203.0.113.{secrets.randbelow(250) + 1}"
    again = await _attempts(ctx, "/admin/login", {"email": email, "password": password}, 1,
                            headers={"X-Forwarded-For": spoof})
    status = again[0][0] if again else None
    evidence = {"request": f"POST /admin/login, same made-up e-mail, X-Forwarded-For: {spoof}", "status": status}
    if status == 429:
        return me.finding("pass", "A forged X-Forwarded-For does not reset the limit", evidence=evidence)
    return me.finding("fail", "A forged X-Forwarded-For header resets the login limit", evidence=evidence,
                      fix={"kind": "config", "summary": "Trust exactly the number of proxies in front of Strapi",
                           "file": "config/server.js",
                           "snippet": "module.exports = ({ env }) => ({\n  // ...\n  proxy: { koa: true },\n  app: { "
                                      "keys: env.array('APP_KEYS'), maxIpsCount: 1 },\n});"})


@check("RATE-LOCKOUT-NOTE", "Per-account protection beyond IP buckets", "info", panel="headers")
async def lockout_note(ctx: ScanContext):
    return spec("RATE-LOCKOUT-NOTE").finding(
        "info", "Strapi's limits are per address and account, with no lockout: distributed guessing stays possible. "
        "Prefer SSO or a second factor (AUTH-ADMIN-MFA) and a proxy-level limit")
