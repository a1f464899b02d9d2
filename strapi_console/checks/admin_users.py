"""AUTH-ADMIN-USERS: admin account hygiene (super admins, stale invitations, generic addresses)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .. import shared_reads
from ..targets import admin_users_plan
from .registry import ScanContext, check, spec

GENERIC = re.compile(r"^(admin|administrator|root|test|demo|info|webmaster|dev)@", re.I)


@check("AUTH-ADMIN-USERS", "Admin account hygiene", "medium", panel="permissions", needs=("sign-in",),
       settings=("departed_admins",),
       references=("https://docs.strapi.io/cms/features/rbac",))
async def admin_users(ctx: ScanContext):
    me = spec("AUTH-ADMIN-USERS")
    users = await shared_reads.admin_users(ctx.client, ctx.memo)
    now = datetime.now(timezone.utc)
    supers = [u for u in users if u.get("isActive") and any(r.get("code") == "strapi-super-admin"
                                                            for r in u.get("roles") or [])]
    stale = []
    for u in users:
        if u.get("isActive") is False:
            try:
                created = datetime.fromisoformat(str(u.get("createdAt")).replace("Z", "+00:00"))
            except ValueError:
                continue
            if (now - created).days > 7:
                stale.append(u.get("email"))
    generic = [u.get("email") for u in users if u.get("isActive") and GENERIC.match(str(u.get("email") or ""))]
    evidence = {"request": "GET /admin/users (paginated)", "admins": len(users), "active_super_admins": len(supers),
                "inactive_older_than_7_days": stale, "generic_addresses": generic}
    departed = {e.lower() for e in me.setting(ctx, "departed_admins")}
    still_active = [u for u in users if u.get("isActive") and str(u.get("email") or "").lower() in departed]
    if still_active:
        evidence["departed_but_active"] = [u.get("email") for u in still_active]
        plan = admin_users_plan(still_active)
        return me.finding("fail", f"{len(still_active)} admin(s) who left still have an active account: "
                          + ", ".join(str(u.get("email")) for u in still_active), evidence=evidence, plan=plan,
                          fix={"kind": "api", "summary": "Deactivate them now (their sessions and admin tokens stop "
                               "working); delete the accounts after review", "request": plan.request()})
    problems = []
    if len(supers) > 3:
        problems.append(f"{len(supers)} active Super Admins")
    if stale:
        problems.append(f"{len(stale)} invitation(s) or deactivated accounts older than 7 days")
    if generic:
        problems.append(f"shared-looking addresses ({', '.join(generic[:3])})")
    if problems:
        return me.finding("warn", "Admin accounts to review: " + "; ".join(problems), evidence=evidence,
                          fix={"kind": "manual", "summary": "Give most admins Editor or Author roles, delete stale "
                               "invitations, use personal addresses (PUT /admin/users/:id, after review)"})
    return me.finding("pass", f"{len(users)} admin account(s), {len(supers)} Super Admin(s)", evidence=evidence)
