"""EXP checks on what the host offers beyond the content API: the admin panel, its bundle, remote transfer."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urljoin, urlsplit

from .. import shared_reads
from ..errors import StrapiError
from .headers import surfaces
from .registry import ScanContext, check, spec

SCRIPT_SRC = re.compile(rb"<script[^>]+src=[\"']([^\"']+\.js)[\"']", re.I)


async def _admin_page(ctx: ScanContext):
    """The admin page the header checks fetched already (one request for both)."""
    try:
        return (await surfaces(ctx))["admin"]
    except StrapiError:
        return None


def _is_html(resp) -> bool:
    return resp is not None and resp.status == 200 and "html" in (resp.headers.get("content-type") or "")


@check("EXP-ADMIN-PUBLIC", "Admin panel reachability is restricted", "medium", panel="headers", settings=("tags",),
       references=("https://docs.strapi.io/cms/configurations/middlewares#ip",))
async def admin_public(ctx: ScanContext):
    me = spec("EXP-ADMIN-PUBLIC")
    page = await _admin_page(ctx)
    api_open = ctx.info.has_admin is not None  # /admin/init answered: the admin API is reachable from here
    evidence = {"requests": ["GET /admin/", "GET /admin/init"], "admin_page_status": page.status if page else None,
                "admin_api_reachable": api_open}
    if page is not None and page.status == 403 and not api_open:
        return me.finding("pass", "The admin panel answers 403 from here (an allow-list is in force)", evidence=evidence)
    fix = {"kind": "config", "summary": "Allow the admin panel only from your networks (strapi::ip middleware or the "
           "proxy), or serve it on a separate internal host", "file": "config/middlewares.js",
           "snippet": "module.exports = [\n  // ...\n  { name: 'strapi::ip', config: { whitelist: ['10.0.0.0/8', "
                      "'203.0.113.7'] } },\n];"}
    if "internet-facing" in me.setting(ctx, "tags") and api_open:
        return me.finding("warn", "The admin API is reachable on an internet-facing host with no allow-list seen",
                          evidence=evidence, fix=fix)
    if not api_open:
        return me.finding("pass", "The admin API did not answer from here", evidence=evidence)
    return me.finding("info", "The admin panel is reachable from this console (tag the profile internet-facing to "
                      "grade it)", evidence=evidence, fix=fix)


@check("EXP-SOURCEMAPS", "Admin bundle source maps are not public", "low", panel="headers")
async def sourcemaps(ctx: ScanContext):
    me = spec("EXP-SOURCEMAPS")
    page = await _admin_page(ctx)
    if not _is_html(page):
        return me.finding("pass", "The admin panel is not served on this host, so neither are its source maps",
                          evidence={"request": "GET /admin/", "status": page.status if page else None})
    base = ctx.client.profile.url.rstrip("/") + "/admin/"
    scripts = []
    for src in SCRIPT_SRC.findall(page.body[:500_000])[:8]:
        url = urljoin(base, src.decode("latin-1"))
        if urlsplit(url).netloc == urlsplit(base).netloc:  # only this server's own bundle
            scripts.append(urlsplit(url).path)

    async def one(path):
        try:
            resp = await ctx.client.probe("GET", path + ".map", retries=0)
        except StrapiError:
            return None
        return path + ".map" if resp.status == 200 and b"\"mappings\"" in resp.body[:4096] else None

    served = [p for p in await asyncio.gather(*(one(p) for p in scripts)) if p]
    evidence = {"scripts": scripts, "maps_served": served}
    if served:
        return me.finding("warn", f"{len(served)} source map(s) of the admin bundle are public", evidence=evidence,
                          fix={"kind": "config", "summary": "Build the admin without source maps, or refuse *.map at "
                               "the proxy", "file": "nginx server block",
                               "snippet": "location ~* \\.map$ {\n    return 404;\n}"})
    return me.finding("pass", "No source map of the admin bundle is served", evidence=evidence)


@check("EXP-TRANSFER", "Remote data transfer is disabled or tightly held", "medium", panel="headers",
       needs=("sign-in",),
       references=("https://docs.strapi.io/cms/data-management/transfer",))
async def transfer(ctx: ScanContext):
    me = spec("EXP-TRANSFER")
    found = await shared_reads.token_list(ctx.client, ctx.memo, "transfer")
    evidence = {"request": "GET /admin/transfer/tokens", "enabled": found is not None,
                "tokens": len(found) if found is not None else 0}
    if found is None:
        return me.finding("pass", "Remote data transfer is disabled", evidence=evidence)
    if not found:
        return me.finding("pass", "Remote data transfer is enabled but no transfer token exists", evidence=evidence)
    return me.finding("warn", f"Remote data transfer is enabled with {len(found)} token(s) (see TOK-TRANSFER)",
                      evidence=evidence,
                      fix={"kind": "config", "summary": "Turn remote transfer off except while you use it",
                           "file": "config/server.js",
                           "snippet": "module.exports = ({ env }) => ({\n  // ...\n  transfer: { remote: { enabled: "
                                      "false } },\n});"})
