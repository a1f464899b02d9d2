"""AUTH checks on the end-user roles (users-permissions): what anonymous and signed-up users can do.

Each failing check carries an API fix plan (fix.kind = "api") that `strapi-console fix` and the TUI
apply through the one safe write path.
"""

from __future__ import annotations

from .. import shared_reads
from ..permissions import SENSITIVE_NAMES, Role, is_write, label, risk
from ..targets import advanced_plan, role_plan
from .registry import ScanContext, check, spec

UP_DOCS = "https://docs.strapi.io/cms/features/users-permissions"


async def _role(ctx: ScanContext, role_type: str) -> Role | None:
    return await shared_reads.up_role_by_type(ctx.client, ctx.memo, role_type)


async def _advanced(ctx: ScanContext) -> dict:
    return await shared_reads.up_advanced(ctx.client, ctx.memo)


def _no_role(me, role_type: str):
    return me.finding("error", reason=f"no role of type '{role_type}' on this server")


def _fix(plan, summary: str) -> dict:
    return {"kind": "api", "summary": summary, "request": plan.request()}


def _role_finding(me, role: Role, bad: list[str], fail_title: str, pass_title: str, summary: str):
    evidence = {"request": f"GET /users-permissions/roles/{role.id}", "role": role.name,
                "enabled": sorted(label(a) for a in bad)}
    if not bad:
        return me.finding("pass", pass_title, evidence=evidence)
    plan = role_plan(role, {a: False for a in bad})
    finding = me.finding("fail", fail_title, evidence=evidence, fix=_fix(plan, summary))
    finding.plan = plan
    return finding


@check("AUTH-PUBLIC-WRITE", "Public role has no write access", "critical", panel="permissions", needs=("sign-in",),
       references=(UP_DOCS,))
async def public_write(ctx: ScanContext):
    me = spec("AUTH-PUBLIC-WRITE")
    role = await _role(ctx, "public")
    if role is None:
        return _no_role(me, "public")
    bad = sorted(a for a in role.enabled() if risk("public", a) == "AUTH-PUBLIC-WRITE")
    return _role_finding(me, role, bad, f"Anonymous visitors can change content: {', '.join(label(a) for a in bad)}",
                         "The Public role cannot create, update or delete content",
                         "Deny these actions on the Public role")


@check("AUTH-PUBLIC-USERS", "Anonymous users cannot list end users", "high", panel="permissions", needs=("sign-in",),
       references=(UP_DOCS,))
async def public_users(ctx: ScanContext):
    me = spec("AUTH-PUBLIC-USERS")
    role = await _role(ctx, "public")
    if role is None:
        return _no_role(me, "public")
    bad = sorted(a for a in role.enabled() if risk("public", a) == "AUTH-PUBLIC-USERS")
    finding = _role_finding(me, role, bad, "Anonymous visitors can list your end users (e-mails and profile data)",
                            "Anonymous visitors cannot list end users", "Deny user listing on the Public role")
    if bad:
        probe = await ctx.client.probe("GET", "/api/users", params={"pagination[pageSize]": "1"})
        finding.evidence["confirmed_by"] = f"anonymous GET /api/users answered {probe.status}"
    return finding


@check("AUTH-PUBLIC-UPLOAD", "Anonymous upload and delete of media is off", "high", panel="permissions",
       needs=("sign-in",),
       references=(UP_DOCS,))
async def public_upload(ctx: ScanContext):
    me = spec("AUTH-PUBLIC-UPLOAD")
    role = await _role(ctx, "public")
    if role is None:
        return _no_role(me, "public")
    bad = sorted(a for a in role.enabled() if risk("public", a) == "AUTH-PUBLIC-UPLOAD")
    return _role_finding(me, role, bad, "Anonymous visitors can upload or delete media files",
                         "Anonymous visitors cannot upload or delete media", "Deny upload and delete on Public")


@check("AUTH-PUBLIC-READ", "Inventory of anonymously readable content", "medium", panel="permissions",
       needs=("sign-in",),
       references=(UP_DOCS,))
async def public_read(ctx: ScanContext):
    me = spec("AUTH-PUBLIC-READ")
    role = await _role(ctx, "public")
    if role is None:
        return _no_role(me, "public")
    readable = sorted(a for a in role.enabled() if a.startswith("api::") and a.rsplit(".", 1)[1] in ("find", "findOne"))
    types = sorted({a.rsplit(".", 1)[0] for a in readable})
    sensitive = [a for a in readable if SENSITIVE_NAMES.search(a.rsplit(".", 1)[0].split("::", 1)[1])]
    evidence = {"request": f"GET /users-permissions/roles/{role.id}", "public_types": types}
    if sensitive:
        plan = role_plan(role, {a: False for a in sensitive})
        finding = me.finding("warn", f"Types with sensitive names are public: {', '.join(label(a) for a in sensitive)}",
                             evidence=evidence, fix=_fix(plan, "Deny anonymous reading of these types after review"))
        finding.plan = plan
        return finding
    if types:
        return me.finding("info", f"{len(types)} content type(s) are readable anonymously", evidence=evidence)
    return me.finding("pass", "No content type is readable anonymously", evidence=evidence)


@check("AUTH-AUTHENTICATED-ROLE", "Authenticated role is not over-privileged", "high", panel="permissions",
       needs=("sign-in",),
       references=(UP_DOCS,))
async def authenticated_role(ctx: ScanContext):
    me = spec("AUTH-AUTHENTICATED-ROLE")
    role = await _role(ctx, "authenticated")
    if role is None:
        return _no_role(me, "authenticated")
    enabled = role.enabled()
    bad = sorted(a for a in enabled if risk("authenticated", a) == "AUTH-AUTHENTICATED-ROLE")
    listing = sorted(a for a in enabled if a in ("plugin::users-permissions.user.find",
                                                 "plugin::users-permissions.user.count"))
    if bad:
        return _role_finding(me, role, bad, "Every signed-up user can manage users or roles: "
                             + ", ".join(label(a) for a in bad), "", "Deny user and role management to Authenticated")
    if listing:
        plan = role_plan(role, {a: False for a in listing})
        finding = me.finding("warn", "Every signed-up user can list all users", fix=_fix(plan, "Deny user listing"),
                             evidence={"role": role.name, "enabled": [label(a) for a in listing]})
        finding.plan = plan
        return finding
    return me.finding("pass", "The Authenticated role cannot manage users or roles", evidence={"role": role.name})


@check("AUTH-DEFAULT-ROLE", "New users get the least-privileged role", "high", panel="headers", needs=("sign-in",),
       references=(UP_DOCS,))
async def default_role(ctx: ScanContext):
    me = spec("AUTH-DEFAULT-ROLE")
    settings = await _advanced(ctx)
    default = settings.get("default_role")
    evidence = {"request": "GET /users-permissions/advanced", "default_role": default,
                "allow_register": settings.get("allow_register")}
    if default == "authenticated":
        return me.finding("pass", "New users get the Authenticated role", evidence=evidence)
    role = await _role(ctx, str(default))
    baseline = await _role(ctx, "authenticated")
    if role is None:
        return me.finding("warn", f"The default role '{default}' does not exist", evidence=evidence)
    extra = sorted(role.enabled() - (baseline.enabled() if baseline else set()))
    risky = [a for a in extra if is_write(a) or a.startswith(("plugin::users-permissions.user.",
                                                              "plugin::users-permissions.role."))]
    evidence["beyond_authenticated"] = [label(a) for a in extra]
    if not risky:
        return me.finding("pass", f"New users get '{role.name}', no more privileged than Authenticated",
                          evidence=evidence)
    plan = advanced_plan(settings, {"default_role": "authenticated"})
    finding = me.finding("fail", f"New users get '{role.name}', which can {', '.join(label(a) for a in risky[:4])}",
                         evidence=evidence, fix=_fix(plan, "Give new users the Authenticated role"))
    finding.plan = plan
    return finding


@check("AUTH-REGISTRATION", "Self sign-up is deliberate", "medium", panel="headers", needs=("sign-in",),
       settings=("expects_signups",), references=(UP_DOCS,))
async def registration(ctx: ScanContext):
    """Open sign-up passes when the profile declares it intended (expects_signups), as the contract says."""
    me = spec("AUTH-REGISTRATION")
    settings = await _advanced(ctx)
    expected = me.setting(ctx, "expects_signups")
    evidence = {"request": "GET /users-permissions/advanced", "allow_register": settings.get("allow_register"),
                "expects_signups": expected}
    if not settings.get("allow_register"):
        return me.finding("pass", "Anyone cannot sign up (registration is off)", evidence=evidence)
    if expected:
        return me.finding("pass", "Anyone can create an end-user account, as the profile declares (expects_signups)",
                          evidence=evidence)
    plan = advanced_plan(settings, {"allow_register": False})
    finding = me.finding("warn", "Anyone can create an end-user account (POST /api/auth/local/register), and the "
                         "profile does not declare it (expects_signups)", evidence=evidence,
                         fix=_fix(plan, "Turn self sign-up off (other settings unchanged), or set expects_signups = "
                                        "true in the profile if it is intended"))
    finding.plan = plan
    return finding


@check("AUTH-EMAIL-CONFIRM", "Email confirmation is on when sign-up is open", "medium", panel="headers",
       needs=("sign-in",),
       references=(UP_DOCS,))
async def email_confirm(ctx: ScanContext):
    me = spec("AUTH-EMAIL-CONFIRM")
    settings = await _advanced(ctx)
    evidence = {"allow_register": settings.get("allow_register"), "email_confirmation":
                settings.get("email_confirmation"), "unique_email": settings.get("unique_email")}
    if not settings.get("allow_register") or (settings.get("email_confirmation") and settings.get("unique_email")):
        return me.finding("pass", "Sign-up is off, or needs a confirmed, unique e-mail", evidence=evidence)
    changes = {k: True for k in ("email_confirmation", "unique_email") if not settings.get(k)}
    plan = advanced_plan(settings, changes)
    finding = me.finding("warn", "Open sign-up without " + " and ".join(
        {"email_confirmation": "e-mail confirmation", "unique_email": "unique e-mails"}[k] for k in changes),
        evidence=evidence, fix=_fix(plan, "Require a confirmed, unique e-mail (an e-mail provider must be set up)"))
    finding.plan = plan
    return finding
