"""EXP checks that need nothing but the anonymous probes and /admin/information."""

from __future__ import annotations

from .registry import ScanContext, check, spec

STRAPI_DOCS = "https://docs.strapi.io/cms/configurations/admin-panel"


@check("EXP-INSTALLER", "First-admin registration is closed", "critical",
       references=("https://github.com/projectdiscovery/nuclei-templates (strapi-admin-installer)",))
async def installer(ctx: ScanContext):
    me = spec("EXP-INSTALLER")
    has_admin = ctx.info.has_admin
    evidence = {"request": "GET /admin/init", "hasAdmin": has_admin}
    if has_admin is True:
        return me.finding("pass", "An admin exists: first-admin registration is closed", evidence=evidence)
    if has_admin is False:
        return me.finding(
            "fail", "No admin exists: anyone who reaches the server can register as Super Admin", evidence=evidence,
            fix={"kind": "manual", "summary": "Create the first admin now, or firewall the host until you do "
                 "(strapi-console demo shows how: POST /admin/register-admin with your own credentials)."})
    return me.finding("error", reason="GET /admin/init did not say whether an admin exists", evidence=evidence)


@check("EXP-FINGERPRINT", "Strapi is detected and the version is not leaked to anonymous users", "low",
       references=("https://docs.strapi.io/cms/configurations/server",))
async def fingerprint(ctx: ScanContext):
    me = spec("EXP-FINGERPRINT")
    info = ctx.info
    evidence = {"requests": ["GET /_health", "GET /admin/init", "GET /admin/project-type", "POST /admin/access-token"],
                "_health strapi header": info.health_header, "x-powered-by": info.powered_by,
                "auth generation": {True: "5.24+ sessions", False: "v4 / 5.0-5.23 long-lived JWT", None: "unknown"}[
                    info.session_auth]}
    if "ai" in info.project_type:
        evidence["project-type"] = "has the 'ai' key (5.40 or later)"
    if info.anonymous_version:
        evidence["anonymous strapiVersion"] = info.anonymous_version
        return me.finding("warn", f"Anonymous users can read the Strapi version ({info.anonymous_version})",
                          evidence=evidence, fix={"kind": "manual", "summary": "Upgrade Strapi: current versions do "
                                                  "not expose strapiVersion in /admin/init."})
    return me.finding("info", "Strapi detected; the exact version is not shown to anonymous users", evidence=evidence)


@check("EXP-DEV-MODE", "Production is not running `strapi develop`", "high", needs_auth=True,
       references=(STRAPI_DOCS,))
async def dev_mode(ctx: ScanContext):
    me = spec("EXP-DEV-MODE")
    data = ctx.info.information
    env, reload_ = data.get("currentEnvironment"), data.get("autoReload")
    evidence = {"request": "GET /admin/information", "currentEnvironment": env, "autoReload": reload_}
    if env == "production" and reload_ is False:
        return me.finding("pass", "Runs in production mode without auto-reload", evidence=evidence)
    problems = []
    if env != "production":
        problems.append(f"environment is '{env}'")
    if reload_:
        problems.append("auto-reload is on (strapi develop: the Content-Type Builder can write code)")
    return me.finding("fail", "Not running in production mode: " + "; ".join(problems), evidence=evidence,
                      fix={"kind": "config", "summary": "Run `NODE_ENV=production strapi start` (never `strapi develop`) "
                           "on shared or internet-facing servers", "file": ".env / process manager",
                           "snippet": "NODE_ENV=production\n# start command: npm run start  (strapi start)"})
