"""SEC checks on the tokens and signed cookies the console holds: offline, nothing is sent to the server."""

from __future__ import annotations

import base64
import hashlib
import hmac

from .. import jwt
from ..client import REFRESH_COOKIE
from .registry import ScanContext, check, spec

OPAQUE = "the profile signs in with an admin token, which is opaque (not a JWT); sign in with a password to test"


@check("SEC-ADMIN-JWT-DEFAULT", "ADMIN_JWT_SECRET is not a known default", "critical", panel="headers",
       needs=("sign-in",),
       references=("https://docs.strapi.io/cms/configurations/environment",))
async def admin_jwt_default(ctx: ScanContext):
    return _default_secret_finding(spec("SEC-ADMIN-JWT-DEFAULT"), ctx.credentials.access_token, "ADMIN_JWT_SECRET",
                                   "admin access JWT", "mint admin tokens")


def _default_secret_finding(me, token: str, variable: str, what: str, consequence: str):
    decoded = jwt.decode(token)
    if decoded is None:
        return me.finding("skip", reason=OPAQUE)
    evidence = {"inspected": f"the {what} the console holds (offline)", "alg": decoded.alg,
                "candidates_tested": len(jwt.known_default_secrets())}
    if decoded.alg not in jwt.HMAC_ALGS:
        return me.finding("pass", f"The {what} is signed with {decoded.alg}, not a shared HMAC secret",
                          evidence=evidence)
    secret = jwt.find_default_secret(token)
    if secret is None:
        return me.finding("pass", f"{variable} is none of the known defaults", evidence=evidence)
    evidence["matched_default"] = secret  # a public placeholder, not a private secret
    return me.finding(
        "fail", f"{variable} is the public default '{secret}': anyone can {consequence}", evidence=evidence,
        fix={"kind": "config", "summary": f"Set a random {variable} and restart; every session it signed ends",
             "file": ".env", "snippet": f"{variable}=<output of: openssl rand -base64 32>"})


@check("SEC-UP-JWT-DEFAULT", "Users & Permissions JWT_SECRET is not a default", "critical", panel="headers",
       needs=("end-user",),
       references=("https://docs.strapi.io/cms/features/users-permissions",))
async def up_jwt_default(ctx: ScanContext):
    me = spec("SEC-UP-JWT-DEFAULT")
    return _default_secret_finding(me, ctx.end_user.access_token, "JWT_SECRET", "end-user JWT",
                                   "forge any end user's token")


def keygrip_sign(data: str, key: str) -> str:
    """The signature Koa's cookies (keygrip) put in NAME.sig: HMAC-SHA1, base64url without padding."""
    digest = hmac.new(key.encode(), data.encode(), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@check("SEC-APP-KEYS-DEFAULT", "APP_KEYS are not the template values", "high", panel="headers",
       references=("https://docs.strapi.io/cms/configurations/environment",))
async def app_keys_default(ctx: ScanContext):
    me = spec("SEC-APP-KEYS-DEFAULT")
    creds = ctx.credentials
    if not creds or not creds.refresh_cookie or not creds.refresh_sig:
        return me.finding("skip", reason="no signed session cookie seen (a password sign-in on Strapi 5.24+ "
                                         "receives one)")
    data = f"{REFRESH_COOKIE}={creds.refresh_cookie}"
    evidence = {"inspected": f"the signature of the {REFRESH_COOKIE} cookie the console holds (offline)",
                "candidates_tested": len(jwt.known_default_secrets())}
    for candidate in jwt.known_default_secrets():
        if hmac.compare_digest(keygrip_sign(data, candidate), creds.refresh_sig):
            evidence["matched_default"] = candidate
            return me.finding("fail", f"APP_KEYS holds the public default '{candidate}': signed cookies can be forged",
                              evidence=evidence,
                              fix={"kind": "config", "summary": "Set four random APP_KEYS and restart", "file": ".env",
                                   "snippet": "APP_KEYS=<key1>,<key2>,<key3>,<key4>   # each: openssl rand -base64 16"})
    return me.finding("pass", "APP_KEYS is none of the known defaults", evidence=evidence)


@check("SEC-SALTS-HINT", "Token salts were rotated from template values", "medium", panel="headers", needs=("sign-in",),
       references=("https://docs.strapi.io/cms/features/api-tokens",))
async def salts_hint(ctx: ScanContext):
    me = spec("SEC-SALTS-HINT")
    decoded = jwt.decode(ctx.credentials.access_token)
    if decoded is None:
        return me.finding("info", "API_TOKEN_SALT and TRANSFER_TOKEN_SALT cannot be tested remotely")
    secret = jwt.find_default_secret(ctx.credentials.access_token)
    if secret:
        return me.finding("warn", "The admin JWT secret is a template value, so the token salts probably are too",
                          evidence={"derived_from": "SEC-ADMIN-JWT-DEFAULT"},
                          fix={"kind": "config", "summary": "Set random salts; changing API_TOKEN_SALT invalidates "
                               "every existing API token (create new ones after)", "file": ".env",
                               "snippet": "API_TOKEN_SALT=<openssl rand -base64 16>\nTRANSFER_TOKEN_SALT=<openssl "
                                          "rand -base64 16>"})
    return me.finding("info", "API_TOKEN_SALT and TRANSFER_TOKEN_SALT cannot be tested remotely; the admin JWT secret "
                      "is not a template value", evidence={"derived_from": "SEC-ADMIN-JWT-DEFAULT"})


@check("SEC-JWT-ALG", "Admin JWTs use a strong algorithm", "critical", panel="headers", needs=("sign-in",))
async def jwt_alg(ctx: ScanContext):
    me = spec("SEC-JWT-ALG")
    decoded = jwt.decode(ctx.credentials.access_token)
    if decoded is None:
        return me.finding("skip", reason=OPAQUE)
    alg = decoded.alg
    evidence = {"inspected": "the admin access JWT the console holds (offline)", "header": decoded.header}
    if alg.lower() == "none" or not alg:
        return me.finding("fail", "The admin JWT is unsigned (alg none)", evidence=evidence,
                          fix={"kind": "config", "summary": "Remove the algorithm override", "file": "config/admin.js",
                               "snippet": "auth: { options: { algorithm: 'HS256' } }"})
    if alg in jwt.HMAC_ALGS or alg[:2] in ("RS", "ES", "PS") or alg == "EdDSA":
        return me.finding("pass", f"The admin JWT uses {alg}", evidence=evidence)
    return me.finding("warn", f"The admin JWT uses an unusual algorithm: {alg}", evidence=evidence)
