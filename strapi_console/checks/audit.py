"""AUD checks: is there an audit trail, how far back does it go, and what changed that it missed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .. import bounds, shared_reads
from ..audit import snapshots
from ..audit.community import CANNOT_SEE
from ..times import parse_time
from ..audit.tail import audit_logs_licensed
from ..errors import NotFound, NotJSON
from .registry import ScanContext, check, spec

AUDIT_DOC = "https://docs.strapi.io/cms/features/audit-logs"


async def _first_entry(ctx: ScanContext, order: str) -> tuple[int, dict | None] | None:
    """(total, first entry in that order), or None when the route does not answer JSON audit logs."""
    async def fetch():
        try:
            answer = await ctx.client.get("/admin/audit-logs", params={"page": 1, "pageSize": 1, "sort": order})
        except (NotFound, NotJSON):  # an admin panel may answer its HTML page with 200 for unknown routes
            return None
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            return None
        pagination = answer.get("pagination") if isinstance(answer.get("pagination"), dict) else {}
        total = bounds.integer(pagination.get("total"), 0, bounds.MAX_SAFE_INTEGER) or len(answer["results"])
        return total, (answer["results"][0] if answer["results"] else None)
    return await ctx.memo(f"audit-first:{order}", fetch)


@check("AUD-AVAILABLE", "An admin audit trail exists", "medium", panel="audit", needs=("sign-in",),
       references=(AUDIT_DOC,))
async def available(ctx: ScanContext):
    me = spec("AUD-AVAILABLE")
    licensed = audit_logs_licensed(ctx.info.project_type)
    evidence = {"request": "GET /admin/project-type; GET /admin/audit-logs?pageSize=1", "licensed": licensed}
    if not licensed:
        evidence["derived_feed_cannot_see"] = list(CANNOT_SEE)
        return me.finding("info", "Community edition: no native audit trail. `strapi-console tail` derives an activity "
                          "feed from the admin API, and AUD-DRIFT tracks changes between scans", evidence=evidence,
                          fix={"kind": "manual", "summary": "Ship the proxy's access logs off the host, and scan on a "
                               "schedule so AUD-DRIFT keeps a record"})
    first = await _first_entry(ctx, "date:DESC")
    if first is None:
        return me.finding("warn", "Audit logs are licensed but the route does not answer (auditLogs.enabled is false?)",
                          evidence=evidence, fix={"kind": "config", "summary": "Enable audit logs",
                                                  "file": "config/admin.js",
                                                  "snippet": "auditLogs: { enabled: true, retentionDays: 90 },"})
    total, _ = first
    evidence["entries"] = total
    if total == 0:
        return me.finding("warn", "Audit logs are enabled but empty", evidence=evidence)
    return me.finding("pass", f"Audit logs are on ({total} entries)", evidence=evidence)


@check("AUD-RETENTION", "Retention is long enough to investigate", "low", panel="audit", needs=("sign-in",),
       references=(AUDIT_DOC,))
async def retention(ctx: ScanContext):
    me = spec("AUD-RETENTION")
    if not audit_logs_licensed(ctx.info.project_type):
        return me.not_applicable("no audit logs on this server (Community edition or not licensed)")
    first = await _first_entry(ctx, "date:ASC")
    if first is None or first[1] is None:
        return me.finding("skip", reason="no audit-log entry to date the history from")
    oldest = parse_time(first[1].get("date"))
    if oldest is None:
        return me.finding("error", reason="the oldest audit-log entry has no readable date")
    days = (datetime.now(timezone.utc) - oldest).days
    evidence = {"request": "GET /admin/audit-logs?sort=date:ASC&pageSize=1", "oldest": first[1].get("date"),
                "days_of_history": days}
    if days >= 90:
        return me.finding("pass", f"{days} days of audit history", evidence=evidence)
    # a young instance cannot have 90 days: its first admin tells its age
    users = await shared_reads.admin_users(ctx.client, ctx.memo)
    born = min((t for t in (parse_time(u.get("createdAt")) for u in users) if t), default=None)
    if born is not None and oldest - born < timedelta(days=1):
        return me.finding("pass", f"{days} days of audit history: the whole life of this instance", evidence=evidence)
    return me.finding("warn", f"Only {days} days of audit history", evidence=evidence,
                      fix={"kind": "config", "summary": "Keep at least 90 days", "file": "config/admin.js",
                           "snippet": "auditLogs: { retentionDays: 90 },"})


@check("AUD-DRIFT", "Changes that audit logs miss are tracked", "medium", panel="audit", needs=("sign-in",),
       references=("https://github.com/strapi/strapi/issues/23493",))
async def drift(ctx: ScanContext):
    me = spec("AUD-DRIFT")
    previous, changes = await snapshots.drift(ctx.client, memo=ctx.memo)
    evidence = {"sections": list(snapshots.SECTIONS), "stored_in": "the console's data dir (snapshots/)"}
    if previous is None:
        return me.finding("pass", "First snapshot stored: the next scan reports what changed since", evidence=evidence)
    evidence["previous_scan"] = previous.get("taken_at")
    unexplained = [c for c in changes if not c.by_console]
    evidence["changes"] = [c.describe() + (f" (strapi-console, journal {c.by_console})" if c.by_console else "")
                           for c in changes[:50]]
    if not unexplained:
        return me.finding("pass", "No unexplained change since the last scan" + (
            f" ({len(changes)} made by strapi-console)" if changes else ""), evidence=evidence)
    return me.finding("warn", f"{len(unexplained)} change(s) since the last scan that no audit log records: "
                      + "; ".join(c.describe() for c in unexplained[:2]), evidence=evidence,
                      fix={"kind": "manual", "summary": "Review who made these changes; strapi-console tail follows "
                           "them live"})


@check("AUD-TAIL", "Live tail with alert rules", "info", panel="audit", references=(AUDIT_DOC,))
async def tail_info(ctx: ScanContext):
    me = spec("AUD-TAIL")
    if audit_logs_licensed(ctx.info.project_type):
        return me.finding("info", "Live tail from the Enterprise audit logs: strapi-console tail, or panel 4")
    return me.finding("info", "Live tail from a derived activity feed (Community edition): strapi-console tail, or "
                      "panel 4", evidence={"cannot_see": list(CANNOT_SEE)})
