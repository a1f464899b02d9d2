"""AUTH-ADMIN-SESSION: how long one stolen admin access token stays useful."""

from __future__ import annotations

from .. import jwt
from .registry import ScanContext, check, spec


def _human(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@check("AUTH-ADMIN-SESSION", "Admin session tokens are short-lived", "medium", panel="headers", needs=("sign-in",),
       references=("https://docs.strapi.io/cms/configurations/admin-panel", "https://github.com/strapi/strapi/issues/22854"))
async def admin_session(ctx: ScanContext):
    me = spec("AUTH-ADMIN-SESSION")
    decoded = jwt.decode(ctx.credentials.access_token)
    if decoded is None:
        return me.finding("skip", reason="the profile signs in with an admin token (opaque, not a JWT)")
    lifetime = decoded.lifetime
    mode = "session (5.24+)" if decoded.payload.get("type") == "access" else "legacy long-lived JWT"
    evidence = {"inspected": "the admin access JWT the console holds (offline)", "exp_minus_iat_seconds": lifetime, "mode": mode}
    if lifetime is None:
        return me.finding("error", reason="the admin JWT has no iat/exp", evidence=evidence)
    if lifetime <= 1800:
        return me.finding("pass", f"Admin access tokens live {_human(lifetime)} (session mode)", evidence=evidence)
    fix = {"kind": "manual", "summary": "Upgrade to Strapi 5.24 or later (short access tokens, revocable sessions); "
           "then keep admin.auth.sessions.accessTokenLifespan at 1800 s or less"}
    if lifetime < 7 * 86400:
        return me.finding("warn", f"Admin access tokens live {_human(lifetime)}", evidence=evidence, fix=fix)
    return me.finding("fail", f"Admin access tokens live {_human(lifetime)} and logout does not revoke them",
                      evidence=evidence, fix=fix)


@check("AUTH-UP-JWT-MODE", "End-user JWTs are not long-lived", "medium", panel="headers", needs=("end-user",),
       references=("https://docs.strapi.io/cms/features/users-permissions",))
async def up_jwt_mode(ctx: ScanContext):
    me = spec("AUTH-UP-JWT-MODE")
    decoded = jwt.decode(ctx.end_user.access_token)
    lifetime = decoded.lifetime if decoded else None
    refresh = bool(ctx.end_user.refresh_cookie or ctx.end_user.extra.get("refresh"))
    evidence = {"inspected": "the test end user's JWT (offline)", "exp_minus_iat_seconds": lifetime,
                "refresh_mode": refresh}
    fix = {"kind": "config", "summary": "Use refresh mode with short access tokens", "file": "config/plugins.js",
           "snippet": "module.exports = {\n  'users-permissions': { config: { jwtManagement: 'refresh',\n    "
                      "sessions: { accessTokenLifespan: 1800, httpOnly: true } } },\n};"}
    if refresh or (lifetime is not None and lifetime <= 7 * 86400):
        return me.finding("pass", "End-user tokens are short-lived" + (" (refresh mode)" if refresh else
                                                                       f" ({_human(lifetime)})"), evidence=evidence)
    if lifetime is None:
        return me.finding("warn", "End-user tokens never expire (no exp claim)", evidence=evidence, fix=fix)
    status = "warn" if lifetime <= 30 * 86400 else "fail"
    return me.finding(status, f"End-user tokens live {_human(lifetime)}", evidence=evidence, fix=fix)
