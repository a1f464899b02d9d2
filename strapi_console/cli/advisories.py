"""`advisories info|list|show|update`: the advisory data the version checks use."""

from __future__ import annotations

import asyncio
import json

from ..display import safe
from ..errors import ConfigError

from .common import EXIT_OK, _err, _load_config


def cmd_advisories(args) -> int:
    from datetime import datetime, timezone

    from .. import advisories

    action = args.action or "info"
    if action == "update":
        from ..osv_update import update

        result = asyncio.run(update())
        print(f"Stored {result.stored} advisories from OSV in {result.path}.")
        if result.skipped:
            _err("Warning: " + advisories.describe_skipped(result.skipped))
        return EXIT_OK
    db = advisories.load()
    if action == "info":
        s = db.summary()
        where = "bundled with strapi-console" if db.source == "bundled" else f"updated copy {db.path}"
        fetched = f", fetched {db.fetched_at}" if db.fetched_at else ""
        print(f"{s['records']} advisories, newest published {s['newest']} ({where}{fetched}).")
        fresh = db.freshness(datetime.now(timezone.utc).date(), _load_config(args).advisory_max_age_days)
        print(f"Data as of {fresh.as_of}, {fresh.age_text}"
              + (f", older than {fresh.max_age_days} days: advisories published since are unknown, and scans "
                 "cannot report a clean result." if fresh.stale else "."))
        if db.note:
            _err("Note: " + db.note)
        if db.skipped:
            _err("Warning: " + db.skipped_text())
        print("Refresh with: strapi-console advisories update")
        return EXIT_OK
    if action == "show":
        adv = db.get(args.id)
        if adv is None:
            raise ConfigError(f"No advisory {args.id} in the {db.source} data ({len(db.advisories)} records).")
        if args.json:
            print(json.dumps(_advisory_dict(adv), indent=2))
            return EXIT_OK
        print(safe(f"{adv.id}  {adv.severity.upper()}  {' '.join(adv.aliases)}", 300))
        if adv.severity_note:
            print(safe(f"severity: {adv.severity_note}", 400))
        print(safe(adv.summary, 1000))
        print(safe(f"published {adv.published[:10]}, modified {adv.modified[:10]}"
                   + (f", {', '.join(adv.cwes)}" if adv.cwes else ""), 400))
        for aff in adv.affected:
            fixes = ", ".join(str(f) for f in aff.fixes()) or "no fixed version named"
            print(safe(f"  {aff.name}: affected {aff.range_text}; fixed in {fixes}", 600))
        if adv.details and adv.details != adv.summary:
            print("\n" + safe(adv.details, 20000, multiline=True))
        for ref in adv.references:
            print(safe(f"  {ref}", 400))
        return EXIT_OK
    rank = advisories.SEVERITY_RANK
    chosen = [a for a in db.advisories
              if (not args.package or args.package in a.packages)
              and (not args.severity or rank[a.severity] <= rank[args.severity])]
    chosen.sort(key=lambda a: a.published, reverse=True)
    if args.json:
        print(json.dumps([_advisory_dict(a) for a in chosen], indent=2))
        return EXIT_OK
    for a in chosen:
        print(f"{safe(a.id, 40)}  {safe(a.severity, 10):<8} {safe(a.published[:10], 10)}  "
              f"{safe(', '.join(a.packages), 40):<40}  {safe(a.summary, 70)}")
    print(f"{len(chosen)} of {len(db.advisories)} advisories ({db.source} data).")
    return EXIT_OK
def _advisory_dict(a) -> dict:
    return {"id": a.id, "aliases": list(a.aliases), "severity": a.severity, "summary": a.summary,
            "published": a.published, "packages": [{"name": x.name, "affected": x.range_text,
                                                     "fixed": [str(f) for f in x.fixes()]} for x in a.affected],
            "references": list(a.references), **({"severity_source": a.severity_note} if a.severity_note else {})}
