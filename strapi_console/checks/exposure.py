"""EXP checks: what the server reveals or serves to anyone who can reach it."""

from __future__ import annotations

import asyncio

from .. import targets
from ..errors import StrapiError
from .registry import ScanContext, check, spec

STRAPI_DOCS = "https://docs.strapi.io/cms/configurations/admin-panel"


@check("EXP-INSTALLER", "First-admin registration is closed", "critical", panel="headers",
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


@check("EXP-FINGERPRINT", "Strapi is detected and the version is not leaked to anonymous users", "low", panel="headers",
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


@check("EXP-DEV-MODE", "Production is not running `strapi develop`", "high", panel="headers", needs=("sign-in",),
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


# --- files that must never be served --------------------------------------------------------------

ENV_PATHS = ("/.env", "/.env.production", "/.env.local", "/config/admin.js", "/package.json", "/.git/HEAD")
DB_PATHS = ("/.tmp/data.db", "/data.db", "/database/data.db")
SECRET_MARKERS = (b"ADMIN_JWT_SECRET", b"APP_KEYS", b"JWT_SECRET", b"API_TOKEN_SALT", b"ref: refs/",
                  b"\"dependencies\"", b"module.exports")
WEB_ROOT_FIX = {"kind": "config", "summary": "Point the web server only at Strapi (proxy_pass), never at the project "
                "directory; rotate every secret that was exposed", "file": "nginx server block",
                "snippet": "location / {\n    proxy_pass http://127.0.0.1:1337;\n}\n# no 'root' pointing at the "
                           "Strapi project directory"}


async def _fetch_all(ctx: ScanContext, paths: tuple[str, ...]):
    async def one(path):
        try:
            return path, await ctx.client.probe("GET", path, retries=0)
        except Exception:  # an unreachable path is as good as a 404 here
            return path, None

    return await asyncio.gather(*(one(p) for p in paths))


@check("EXP-ENV-FILES", "Secrets and config files are not served", "critical", panel="headers")
async def env_files(ctx: ScanContext):
    me = spec("EXP-ENV-FILES")
    served = {}
    for path, resp in await _fetch_all(ctx, ENV_PATHS):
        if resp is not None and resp.status == 200 and any(m in resp.body[:65536] for m in SECRET_MARKERS):
            served[path] = resp.status
    evidence = {"requests": [f"GET {p}" for p in ENV_PATHS], "served": sorted(served)}
    if served:
        return me.finding("fail", f"Project files are downloadable: {', '.join(sorted(served))}", evidence=evidence,
                          fix=WEB_ROOT_FIX)
    return me.finding("pass", "No project or secret file is served", evidence=evidence)


@check("EXP-DB-EXPORT", "Database files and exports are not served", "critical", panel="headers")
async def db_export(ctx: ScanContext):
    me = spec("EXP-DB-EXPORT")
    served = [path for path, resp in await _fetch_all(ctx, DB_PATHS)
              if resp is not None and resp.status == 200 and resp.body.startswith(b"SQLite format 3")]
    evidence = {"requests": [f"GET {p}" for p in DB_PATHS], "served": served}
    if served:
        return me.finding("fail", f"The database is downloadable: {', '.join(served)}", evidence=evidence,
                          fix=WEB_ROOT_FIX)
    return me.finding("pass", "No database file is served", evidence=evidence)


@check("EXP-OPENAPI", "Built-in OpenAPI spec is not anonymous", "low", panel="headers")
async def openapi(ctx: ScanContext):
    me = spec("EXP-OPENAPI")
    resp = await ctx.client.probe("GET", "/api/openapi.json", retries=0)
    evidence = {"request": "GET /api/openapi.json", "status": resp.status}
    if resp.status == 200 and resp.is_json:
        return me.finding("warn", "The content API's OpenAPI description is public", evidence=evidence,
                          fix={"kind": "config", "summary": "Disable the public OpenAPI document unless the API is "
                               "meant to be public", "file": "config/server.js",
                               "snippet": "openapi: { 'content-api': { access: 'disabled' } },"})
    return me.finding("pass", "No anonymous OpenAPI document", evidence=evidence)


@check("EXP-DOCS", "API documentation (Swagger UI) is not public", "medium", panel="headers")
async def docs(ctx: ScanContext):
    me = spec("EXP-DOCS")
    resp = None
    for _ in range(3):
        if resp is not None:
            await asyncio.sleep(0.3)
        resp = await ctx.client.probe("GET", "/documentation/v1.0.0", headers={"Accept": "text/html"},
                                      retries=1, follow=0)
        # Strapi's documentation plugin answers 200 with an empty body (or breaks its answer off) to requests
        # that arrive together while it reads its generated page: that says nothing about the page, ask again
        if not (resp.status == 200 and not resp.body.strip()):
            break
    evidence = {"request": "GET /documentation/v1.0.0", "status": resp.status, "location": resp.headers.get("location")}
    if resp.status == 200 and not resp.body.strip():
        return me.finding("error", reason="the documentation page answered 200 with an empty body three times: "
                                          "whether it is public is unknown", evidence=evidence)
    if resp.status == 200 and b"swagger" in resp.body[:20000].lower():
        fix = {"kind": "manual", "summary": "Settings → Documentation → Restricted access with a password, or "
               "uninstall the plugin in production"}
        plan = None
        if ctx.signed_in:
            try:
                if not await targets.read_docs_access(ctx.client):
                    plan = targets.docs_plan()
                    fix = {"kind": "api", "summary": "Require a password (the console generates one and shows it "
                           "once), or uninstall the plugin in production", "request": plan.request()}
            except StrapiError:
                pass  # no admin access to the plugin's settings: the manual fix stands
        return me.finding("fail", "The API documentation is open to anonymous users", evidence=evidence, fix=fix,
                          plan=plan)
    restricted = resp.status in (301, 302, 303, 307) and "login" in (resp.headers.get("location") or "")
    return me.finding("pass", "The API documentation asks for a password" if restricted
                      else "No public API documentation", evidence=evidence)
