"""SEC checks on the admin JWT the console holds: offline, nothing is sent to the server."""

from __future__ import annotations

from .. import jwt
from .registry import ScanContext, check, spec

OPAQUE = "the profile signs in with an admin token, which is opaque (not a JWT); sign in with a password to test"


@check("SEC-ADMIN-JWT-DEFAULT", "ADMIN_JWT_SECRET is not a known default", "critical", needs_auth=True,
       references=("https://docs.strapi.io/cms/configurations/environment",))
async def admin_jwt_default(ctx: ScanContext):
    me = spec("SEC-ADMIN-JWT-DEFAULT")
    token = ctx.credentials.access_token
    decoded = jwt.decode(token)
    if decoded is None:
        return me.finding("skip", reason=OPAQUE)
    evidence = {"inspected": "the admin access JWT the console holds (offline)", "alg": decoded.alg,
                "candidates_tested": len(jwt.known_default_secrets())}
    if decoded.alg not in jwt.HMAC_ALGS:
        return me.finding("pass", f"The admin JWT is signed with {decoded.alg}, not a shared HMAC secret",
                          evidence=evidence)
    secret = jwt.find_default_secret(token)
    if secret is None:
        return me.finding("pass", "The admin JWT secret is none of the known defaults", evidence=evidence)
    evidence["matched_default"] = secret  # a public placeholder, not a private secret
    return me.finding(
        "fail", f"ADMIN_JWT_SECRET is the public default '{secret}': anyone can mint admin tokens", evidence=evidence,
        fix={"kind": "config", "summary": "Set a random ADMIN_JWT_SECRET and restart; every admin session ends",
             "file": ".env", "snippet": "ADMIN_JWT_SECRET=<output of: openssl rand -base64 32>"})


@check("SEC-JWT-ALG", "Admin JWTs use a strong algorithm", "critical", needs_auth=True)
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
