"""TOK checks: API, admin and transfer tokens that give more, for longer, than anyone needs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .. import shared_reads, targets, tokens
from .registry import ScanContext, check, spec

API_TOKENS_DOC = "https://docs.strapi.io/cms/features/api-tokens"
TRANSFER_DOC = "https://docs.strapi.io/cms/data-management/transfer"
PREGENERATED = {"Full Access": "full-access", "Read Only": "read-only"}


async def _tokens(ctx: ScanContext, kind: str) -> list[tokens.Token] | None:
    return await shared_reads.token_list(ctx.client, ctx.memo, kind)


async def _api_and_transfer(ctx: ScanContext) -> list[tokens.Token] | None:
    """API and transfer tokens together, or None when the server has neither route."""
    api, transfer = await _tokens(ctx, "api"), await _tokens(ctx, "transfer")
    return None if api is None and transfer is None else (api or []) + (transfer or [])


def _names(found: list[tokens.Token]) -> str:
    shown = ", ".join(f"'{t.name}'" for t in found[:4])
    return shown + (f" and {len(found) - 4} more" if len(found) > 4 else "")


def _api_fix(action: str, found: list[tokens.Token], summary: str):
    plan = targets.token_plan(action, found)
    return {"kind": "api", "summary": summary, "request": plan.request()}, plan


@check("TOK-FULL-ACCESS", "No full-access API tokens except declared ones", "high", panel="headers", needs=("sign-in",),
       settings=("allowed_full_access_tokens",),
       references=(API_TOKENS_DOC,))
async def full_access(ctx: ScanContext):
    me = spec("TOK-FULL-ACCESS")
    found = await _tokens(ctx, "api")
    if found is None:
        return me.not_applicable("this server has no API tokens route")
    allowed = set(me.setting(ctx, "allowed_full_access_tokens"))
    full = [t for t in found if t.type == "full-access"]
    undeclared = [t for t in full if t.name not in allowed]
    evidence = {"request": "GET /admin/api-tokens", "tokens": len(found),
                "full_access": [t.summary() for t in full], "declared": sorted(allowed)}
    if not undeclared:
        return me.finding("pass", "No undeclared full-access API token" + (f" ({len(full)} declared)" if full else ""),
                          evidence=evidence)
    fix, plan = _api_fix("read-only", undeclared,
                         "Make them read-only (or give them a custom scope); declare intended ones in the profile's "
                         "allowed_full_access_tokens")
    return me.finding("fail", f"{len(undeclared)} full-access API token(s) not declared: {_names(undeclared)}",
                      evidence=evidence, fix=fix, plan=plan)


@check("TOK-UNLIMITED", "Tokens expire", "medium", panel="headers", needs=("sign-in",), references=(API_TOKENS_DOC,))
async def unlimited(ctx: ScanContext):
    me = spec("TOK-UNLIMITED")
    everything = await _api_and_transfer(ctx)
    if everything is None:
        return me.not_applicable("this server has no token routes")
    forever = [t for t in everything if t.unlimited]
    writers = [t for t in forever if t.can_write]
    evidence = {"requests": ["GET /admin/api-tokens", "GET /admin/transfer/tokens"],
                "never_expiring": [t.summary() for t in forever]}
    fix = {"kind": "manual", "summary": "Strapi cannot give an existing token an expiry: create a replacement with a "
           "7, 30 or 90 day lifespan, hand it over, then delete the old one (TOK-* fixes delete)"}
    if writers:
        return me.finding("fail", f"{len(writers)} write-capable token(s) never expire: {_names(writers)}",
                          evidence=evidence, fix=fix)
    if forever:
        return me.finding("warn", f"{len(forever)} read-only token(s) never expire: {_names(forever)}",
                          evidence=evidence, fix=fix)
    return me.finding("pass", f"All {len(everything)} token(s) expire", evidence=evidence)


@check("TOK-STALE", "Unused tokens are removed", "medium", panel="headers", needs=("sign-in",),
       settings=("stale_token_days",),
       references=(API_TOKENS_DOC,))
async def stale(ctx: ScanContext):
    me = spec("TOK-STALE")
    everything = await _api_and_transfer(ctx)
    if everything is None:
        return me.not_applicable("this server has no token routes")
    now = datetime.now(timezone.utc)
    days = me.setting(ctx, "stale_token_days")
    cutoff = now - timedelta(days=days)

    def is_stale(t: tokens.Token) -> bool:
        if t.expired(now):
            return False  # TOK-EXPIRED reports those
        seen = t.last_used_at or t.created_at  # never used: stale once it is older than the cut-off
        return seen is not None and seen < cutoff

    found = [t for t in everything if is_stale(t)]
    evidence = {"stale_after_days": days, "stale": [t.summary() for t in found]}
    if not found:
        return me.finding("pass", f"Every live token was used in the last {days} days (or is newer)",
                          evidence=evidence)
    fix, plan = _api_fix("delete", found, f"Delete tokens unused for {days} days (typed confirmation); clients still "
                         "holding them will get 401")
    status = "fail" if any(t.can_write for t in found) else "warn"
    return me.finding(status, f"{len(found)} token(s) unused for {days}+ days: {_names(found)}", evidence=evidence,
                      fix=fix, plan=plan)


@check("TOK-EXPIRED", "Expired tokens are cleaned up", "low", panel="headers", needs=("sign-in",),
       references=(API_TOKENS_DOC,))
async def expired(ctx: ScanContext):
    me = spec("TOK-EXPIRED")
    everything = await _api_and_transfer(ctx)
    if everything is None:
        return me.not_applicable("this server has no token routes")
    now = datetime.now(timezone.utc)
    found = [t for t in everything if t.expired(now)]
    evidence = {"expired": [t.summary() for t in found]}
    if not found:
        return me.finding("pass", "No expired token left behind", evidence=evidence)
    fix, plan = _api_fix("delete", found, "Delete them: they no longer work, and clutter hides the live ones")
    return me.finding("warn", f"{len(found)} expired token(s) still listed: {_names(found)}", evidence=evidence,
                      fix=fix, plan=plan)


@check("TOK-PREGENERATED", "Install-time tokens were not left as they are", "medium", panel="headers",
       needs=("sign-in",),
       references=(API_TOKENS_DOC,))
async def pregenerated(ctx: ScanContext):
    me = spec("TOK-PREGENERATED")
    found = await _tokens(ctx, "api")
    if found is None:
        return me.not_applicable("this server has no API tokens route")
    left = [t for t in found if PREGENERATED.get(t.name) == t.type and t.last_used_at is None]
    evidence = {"request": "GET /admin/api-tokens", "unused_install_tokens": [t.summary() for t in left]}
    if not left:
        return me.finding("pass", "No unused install-time token", evidence=evidence)
    fix, plan = _api_fix("delete", left, "Strapi 5 creates 'Full Access' and 'Read Only' tokens at install, never "
                         "expiring. Delete them if nobody uses them (or regenerate: strapi-console tokens)")
    return me.finding("warn", f"Install-time token(s) never used: {_names(left)}", evidence=evidence, fix=fix,
                      plan=plan)


@check("TOK-ADMIN-KIND", "Admin-kind tokens have live owners and expire", "medium", panel="headers", needs=("sign-in",),
       settings=("departed_admins",),
       references=("https://docs.strapi.io/cms/features/admin-tokens",))
async def admin_kind(ctx: ScanContext):
    me = spec("TOK-ADMIN-KIND")
    found = await _tokens(ctx, "admin")
    if found is None:
        return me.not_applicable("admin tokens need Strapi 5.45 or later")
    evidence = {"request": "GET /admin/admin-tokens", "tokens": [t.summary() for t in found]}
    if not found:
        return me.finding("pass", "No admin tokens", evidence=evidence)
    users = await shared_reads.admin_users(ctx.client, ctx.memo)
    active = {u.get("email") for u in users if u.get("isActive") and not u.get("blocked")}
    departed = set(me.setting(ctx, "departed_admins"))
    orphaned = [t for t in found if (t.raw.get("adminUserOwner") or {}).get("email") not in active - departed]
    forever = [t for t in found if t.unlimited]
    if orphaned:
        fix, plan = _api_fix("delete", orphaned, "Delete tokens whose owner is gone or deactivated")
        return me.finding("fail", f"{len(orphaned)} admin token(s) owned by an inactive or departed admin: "
                          f"{_names(orphaned)}", evidence=evidence, fix=fix, plan=plan)
    if forever:
        return me.finding("warn", f"{len(forever)} admin token(s) never expire: {_names(forever)}", evidence=evidence,
                          fix={"kind": "manual", "summary": "The owner creates a replacement with a lifespan and "
                               "deletes the old one"})
    return me.finding("pass", f"{len(found)} admin token(s), owners active, all expiring", evidence=evidence)


@check("TOK-TRANSFER", "Transfer tokens are minimal", "high", panel="headers", needs=("sign-in",),
       references=(TRANSFER_DOC,))
async def transfer(ctx: ScanContext):
    me = spec("TOK-TRANSFER")
    found = await _tokens(ctx, "transfer")
    if found is None:
        return me.finding("pass", "Remote data transfer is disabled (the transfer routes answer 404)",
                          evidence={"request": "GET /admin/transfer/tokens", "status": 404})
    evidence = {"request": "GET /admin/transfer/tokens", "tokens": [t.summary() for t in found]}
    if not found:
        return me.finding("pass", "No transfer tokens", evidence=evidence)
    dangerous = [t for t in found if "push" in t.permissions and t.unlimited]
    loose = [t for t in found if t not in dangerous and ("push" in t.permissions or t.unlimited)]
    if dangerous:
        fix, plan = _api_fix("delete", dangerous, "Delete push tokens that never expire (a push overwrites the "
                             "whole database); disable remote transfer when not in use")
        return me.finding("fail", f"{len(dangerous)} never-expiring push transfer token(s): {_names(dangerous)}",
                          evidence=evidence, fix=fix, plan=plan)
    if loose:
        return me.finding("warn", f"Transfer token(s) that push or never expire: {_names(loose)}", evidence=evidence,
                          fix={"kind": "config", "summary": "Keep transfer tokens pull-only with an expiry, and turn "
                               "remote transfer off when not in use", "file": "config/server.js",
                               "snippet": "module.exports = ({ env }) => ({\n  // ...\n  transfer: { remote: "
                                          "{ enabled: false } },\n});"})
    return me.finding("pass", f"{len(found)} pull-only transfer token(s), all expiring", evidence=evidence)
