"""AUTH checks on what connects to Strapi from outside: login providers, webhooks, a second factor."""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import shared_reads, targets
from ..errors import NotFound
from ..hosts import host_of, recognised
from ..redact import redact_url
from ..semver import Version
from .registry import ScanContext, check, spec

UP_DOC = "https://docs.strapi.io/cms/features/users-permissions"


def _version(ctx: ScanContext) -> Version | None:
    raw = ctx.info.information.get("strapiVersion")
    try:
        return Version.parse(str(raw)) if raw else None
    except ValueError:
        return None


@check("AUTH-PROVIDERS", "Enabled OAuth providers are intended and safe", "high", panel="headers", needs=("sign-in",),
       settings=("declared_providers",),
       references=(UP_DOC, "https://nvd.nist.gov/vuln/detail/CVE-2023-22893"))
async def providers(ctx: ScanContext):
    me = spec("AUTH-PROVIDERS")
    found = await shared_reads.up_providers(ctx.client, ctx.memo)
    enabled = {n: p for n, p in found.items() if p.get("enabled")}
    declared = set(me.setting(ctx, "declared_providers")) | {"email"}
    undeclared = sorted(n for n in enabled if n not in declared)
    weak = sorted(n for n, p in enabled.items() if n != "email" and (
        urlsplit(str(p.get("callback") or p.get("redirectUri") or "")).scheme == "http" or not p.get("secret")))
    evidence = {"request": "GET /users-permissions/providers", "enabled": sorted(enabled),
                "declared": sorted(declared)}
    version = _version(ctx)
    if "cognito" in enabled and version is not None and version <= Version.parse("4.5.6"):
        evidence["strapiVersion"] = str(version)
        return me.finding("fail", "Cognito login is enabled on a version open to forged tokens (CVE-2023-22893)",
                          evidence=evidence, plan=targets.providers_plan(found, {"cognito": False}),
                          fix={"kind": "api", "summary": "Disable Cognito now, then upgrade Strapi",
                               "request": {"method": "PUT", "path": "/users-permissions/providers"}})
    if undeclared:
        plan = targets.providers_plan(found, {n: False for n in undeclared})
        return me.finding("warn", f"Login provider(s) enabled but not declared: {', '.join(undeclared)}",
                          evidence=evidence, plan=plan,
                          fix={"kind": "api", "summary": "Disable them, or list them in the profile's "
                               "declared_providers", "request": plan.request()})
    if weak:
        return me.finding("warn", f"Provider(s) with an http:// callback or an empty secret: {', '.join(weak)}",
                          evidence=evidence, fix={"kind": "manual", "summary": "Use https callbacks and set the "
                                                  "client secret (Settings → Providers)"})
    return me.finding("pass", f"Enabled providers are declared: {', '.join(sorted(enabled)) or 'none'}",
                      evidence=evidence)


@check("AUTH-WEBHOOKS", "Webhooks use TLS and do not leak secrets", "medium", panel="headers", needs=("sign-in",),
       settings=("known_webhook_hosts",), references=("https://docs.strapi.io/cms/features/webhooks",))
async def webhooks(ctx: ScanContext):
    me = spec("AUTH-WEBHOOKS")
    hooks = await shared_reads.webhooks(ctx.client, ctx.memo)
    plain = [h for h in hooks if urlsplit(str(h.get("url") or "")).scheme == "http"]
    with_creds = [h for h in hooks if any(k.lower() in ("authorization", "x-api-key", "api-key", "x-auth-token")
                                          or "token" in k.lower() or "secret" in k.lower()
                                          for k in (h.get("headers") or {}))]
    evidence = {"request": "GET /admin/webhooks",
                "webhooks": [{"name": h.get("name"), "url": redact_url(h.get("url")),
                              "header_names": sorted(h.get("headers") or {}), "enabled": h.get("isEnabled")}
                             for h in hooks]}
    if plain:
        names = ", ".join(str(h.get("name")) for h in plain)
        creds = " (with credential headers, sent in clear)" if any(h in with_creds for h in plain) else ""
        return me.finding("fail", f"Webhook(s) post over plain http{creds}: {names}", evidence=evidence,
                          fix={"kind": "api", "summary": "Point them at the https:// URL the receiver serves: "
                               "strapi-console webhooks PROFILE set-url NAME https://... (it cannot be guessed), then "
                               "rotate any credential they carried",
                               "request": {"method": "PUT", "path": "/admin/webhooks/:id", "body": {"url": "https://..."}}})
    known = list(me.setting(ctx, "known_webhook_hosts"))
    strangers = [h for h in hooks if known and h.get("isEnabled") is not False
                 and not recognised(host_of(h.get("url")), known)]
    if strangers:  # where content events go is where content leaks: a host nobody declared is worth a look
        names = ", ".join(f"{h.get('name')} ({host_of(h.get('url')) or 'no host'})" for h in strangers)
        return me.finding("warn", f"Webhook(s) post to hosts not in known_webhook_hosts: {names}", evidence=evidence,
                          fix={"kind": "manual", "summary": "Check who runs these hosts; disable the webhooks you do "
                               "not recognise (strapi-console contain PROFILE does it as a reviewed change), or add "
                               "the host to known_webhook_hosts"})
    if with_creds:
        names = ", ".join(str(h.get("name")) for h in with_creds)
        return me.finding("warn", f"Webhook(s) hold credentials readable by any admin with webhooks.read: {names}",
                          evidence=evidence, fix={"kind": "manual", "summary": "Prefer a signature the receiver "
                                                  "checks; rotate these credentials on a schedule"})
    return me.finding("pass", f"{len(hooks)} webhook(s), all over https" if hooks else "No webhooks",
                      evidence=evidence)


@check("AUTH-ADMIN-MFA", "Second factor or SSO for admins", "medium", panel="headers", needs=("sign-in",),
       references=("https://docs.strapi.io/cms/features/sso",))
async def admin_mfa(ctx: ScanContext):
    me = spec("AUTH-ADMIN-MFA")
    features = ctx.info.features
    evidence = {"request": "GET /admin/project-type", "features": features}
    try:
        settings = await ctx.client.get("/admin/security-settings")
    except NotFound:
        settings = None
    if settings is not None:
        mode = str(((settings or {}).get("data") or {}).get("mfa") or "unknown")
        evidence["mfa"] = mode
        if mode == "required":
            return me.finding("pass", "A second factor is required for admins", evidence=evidence)
        return me.finding("warn", f"A second factor is available but {mode}", evidence=evidence,
                          fix={"kind": "manual", "summary": "Require the second factor for every admin"})
    if "sso" in features:
        return me.finding("info", "SSO is available on this licence: enforce it for admins (the console cannot see "
                          "whether it is enforced)", evidence=evidence)
    return me.finding("info", "Neither SSO nor a second factor is available on this version or edition: put the "
                      "admin behind an SSO proxy or an allow-list", evidence=evidence)
