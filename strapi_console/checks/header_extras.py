"""HDR checks beyond the Observatory's: HSTS preload readiness, the loosened CSP of the documentation
and GraphQL pages, caching of authenticated answers, and how uploaded files are served."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .headers import _https, hsts_age, surfaces
from .registry import SURFACE, ScanContext, check, spec

OSHP = "https://owasp.org/www-project-secure-headers/"
ACTIVE_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


@check("HDR-HSTS-PRELOAD", "HSTS preload readiness", "info", panel="headers", settings=SURFACE,
       references=("https://hstspreload.org/",))
async def hsts_preload(ctx: ScanContext):
    me = spec("HDR-HSTS-PRELOAD")
    if not _https(ctx):
        return me.not_applicable("the profile URL is plain HTTP")
    values = (await surfaces(ctx))["admin"].headers.get_list("strict-transport-security")
    value = values[0] if len(values) == 1 else ""
    m = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.I)
    age = hsts_age(m.group(1)) if m else 0
    flags = {f.strip().lower() for f in value.split(";")[1:]}
    evidence = {"strict-transport-security": values, "note": "the preload list itself is not queried (no call to "
                "hstspreload.org from the console)"}
    if age >= 31536000 and "includesubdomains" in flags and "preload" in flags:
        return me.finding("pass", "HSTS is preload-ready (a year, includeSubDomains, preload)", evidence=evidence)
    return me.finding("info", "Not preload-ready (a deliberate choice for many sites: preloading is hard to undo)",
                      evidence=evidence)


@check("HDR-CSP-DOCS", "Documentation or GraphQL pages get a loosened CSP", "low", panel="headers",
       settings=SURFACE + ("tags",), references=("https://docs.strapi.io/cms/configurations/middlewares#security",))
async def csp_docs(ctx: ScanContext):
    me = spec("HDR-CSP-DOCS")
    loosened = {}
    for path in ("/documentation", "/graphql"):
        resp = await ctx.page(path)
        if resp is None:
            continue
        csp = " ".join(resp.headers.get_list("content-security-policy"))
        if resp.status == 200 and "'unsafe-inline'" in csp and "script-src" in csp:
            loosened[path] = csp[:300]
    evidence = {"requests": ["GET /documentation", "GET /graphql"], "loosened": loosened}
    if not loosened:
        return me.finding("pass", "No public page with a loosened CSP", evidence=evidence)
    production = (ctx.info.information.get("currentEnvironment") == "production"
                  or "production" in me.setting(ctx, "tags"))
    status = "warn" if production else "info"
    return me.finding(status, f"{', '.join(loosened)} allow inline scripts (Strapi loosens the CSP there on "
                      "purpose)" + (" on a production server" if production else ""), evidence=evidence,
                      fix={"kind": "manual", "summary": "Restrict or disable those pages (EXP-DOCS, EXP-GQL-SANDBOX) "
                           "rather than editing the CSP"})


@check("HDR-CACHE-AUTH", "Authenticated API responses are not cacheable", "low", panel="headers", settings=SURFACE,
       needs=("sign-in",),
       references=(OSHP,))
async def cache_auth(ctx: ScanContext):
    me = spec("HDR-CACHE-AUTH")
    token = ctx.credentials.access_token
    resp = await ctx.client.http.send("GET", "/admin/users/me", headers={"Authorization": f"Bearer {token}"})
    value = (resp.headers.get("cache-control") or "").lower()
    evidence = {"request": "GET /admin/users/me (signed in)", "status": resp.status, "cache-control": value or None}
    if "no-store" in value or ("private" in value and "no-cache" in value):
        return me.finding("pass", f"Cache-Control: {value}", evidence=evidence)
    return me.finding("warn", "Authenticated answers carry no Cache-Control: no-store (a shared cache or the browser "
                      "may keep them)", evidence=evidence,
                      fix={"kind": "config", "summary": "Mark admin and API answers uncacheable at the proxy",
                           "file": "nginx server block",
                           "snippet": "location /admin/ {\n    proxy_pass http://127.0.0.1:1337;\n    add_header "
                                      "Cache-Control \"no-store\" always;\n}"})


@check("HDR-UPLOADS", "Uploaded files cannot run as active content", "medium", panel="headers", settings=SURFACE,
       needs=("sign-in",),
       references=(OSHP, "https://docs.strapi.io/cms/features/media-library"))
async def uploads(ctx: ScanContext):
    me = spec("HDR-UPLOADS")
    answer = await ctx.client.get("/upload/files", params={"page": 1, "pageSize": 50, "sort": "createdAt:DESC"})
    files = answer.get("results") if isinstance(answer, dict) else answer
    files = [f for f in files or [] if isinstance(f, dict) and f.get("url")]
    if not files:
        return me.finding("pass", "No uploaded file to test", evidence={"request": "GET /upload/files"})
    active = [f for f in files if str(f.get("mime") or "").split(";")[0] in ACTIVE_TYPES]
    chosen = (active or files)[0]
    url = str(chosen["url"])
    evidence = {"request": "GET /upload/files, then the file", "file": chosen.get("name"), "mime": chosen.get("mime")}
    if url.startswith(("http://", "https://")) and urlsplit(url).netloc != urlsplit(ctx.client.profile.url).netloc:
        evidence["served_from"] = urlsplit(url).netloc
        return me.finding("pass", "Uploads are served from another origin (a bucket or CDN)", evidence=evidence)
    resp = await ctx.client.probe("GET", urlsplit(url).path, retries=0)
    served = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    nosniff = (resp.headers.get("x-content-type-options") or "").lower() == "nosniff"
    sandboxed = "sandbox" in (resp.headers.get("content-security-policy") or "").lower()
    attachment = "attachment" in (resp.headers.get("content-disposition") or "").lower()
    evidence.update({"status": resp.status, "content-type": served, "nosniff": nosniff, "csp-sandbox": sandboxed,
                     "attachment": attachment})
    fix = {"kind": "config", "summary": "Serve uploads with a sandboxing CSP (or as attachments), or from another "
           "origin", "file": "nginx server block",
           "snippet": "location /uploads/ {\n    proxy_pass http://127.0.0.1:1337;\n    add_header "
                      "Content-Security-Policy \"sandbox; default-src 'none'\" always;\n    add_header "
                      "X-Content-Type-Options nosniff always;\n}"}
    if served in ACTIVE_TYPES and not sandboxed and not attachment:
        return me.finding("fail", f"{chosen.get('name')} is served inline as {served} from the admin's origin "
                          "without a sandbox: a stored-XSS vector", evidence=evidence, fix=fix)
    if not nosniff:
        return me.finding("warn", "Uploads are served without X-Content-Type-Options: nosniff", evidence=evidence,
                          fix=fix)
    return me.finding("pass", "Uploads cannot run as active content here", evidence=evidence)
