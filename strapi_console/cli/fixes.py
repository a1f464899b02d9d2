"""Changes to a server, all through the write engine: `fix`, `tokens`, `webhooks`, `journal`, `permissions`."""

from __future__ import annotations

import json
import os
import sys

from .. import loops
from ..display import safe
from ..errors import ConfigError, ConsoleError
from ..redact import redact_url

from .common import EXIT_OK, EXIT_USAGE, _confirm_and_apply, _load_config, _store, _with_client, _writable


def cmd_fix(args) -> int:
    from ..checks import REGISTRY
    from ..scan import scan_profile

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    check_id = args.check_id.upper()
    if check_id not in REGISTRY:
        raise ConfigError(f"Unknown check ID {check_id}. Known: {', '.join(sorted(REGISTRY))}.")
    _writable(profile, args.allow_write)
    store = _store(cfg)
    result = loops.run(scan_profile(profile, store, check_ids=[check_id]))
    if not result.reachable or result.error:
        raise ConsoleError(result.error or "unreachable", title="Server unreachable")
    if result.auth_error:
        raise ConsoleError(result.auth_error, title="Not signed in")
    finding = result.findings[0]
    if finding.status in ("pass", "info"):
        print(f"{check_id} passes on {profile.name}: nothing to fix.")
        return EXIT_OK
    plan = finding.plan
    if plan is None:
        summary = (finding.fix or {}).get("summary") or finding.reason or "no fix known"
        print(f"{check_id} ({finding.status}) has no fix the console can apply: {safe(summary, 600)}")
        return EXIT_USAGE
    print(f"{check_id}: {safe(finding.title, 300)}")
    return _confirm_and_apply(args, profile, store, plan, source=f"fix {check_id}")
def cmd_webhooks(args) -> int:
    from urllib.parse import urlsplit

    from ..shared_reads import no_memo, webhooks
    from ..targets import webhook_plan

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)
    hooks = _with_client(profile, store, lambda client: webhooks(client, no_memo))
    if args.action == "list":
        for h in hooks:
            headers = ", ".join(sorted(h.get("headers") or {})) or "no headers"
            print(f"{safe(h.get('id'), 12):>4}  {safe(h.get('name', ''), 60):<24} "
                  f"{safe(redact_url(str(h.get('url', ''))), 300)}  ({safe(headers, 300)})")
        return EXIT_OK
    if not args.webhook or not args.url:
        raise ConfigError("Usage: strapi-console webhooks PROFILE set-url WEBHOOK https://new.url/...")
    if urlsplit(args.url).scheme != "https" or not urlsplit(args.url).hostname:
        raise ConfigError(f"'{redact_url(args.url)}' is not an https:// URL: the point is to stop sending webhooks "
                          "in clear.")
    match = [h for h in hooks if h.get("name") == args.webhook or str(h.get("id")) == args.webhook]
    if not match:
        raise ConfigError(f"No webhook named '{args.webhook}' on {profile.name} "
                          f"(known: {', '.join(str(h.get('name')) for h in hooks) or 'none'}).")
    _writable(profile, args.allow_write)
    hook = match[0]
    plan = webhook_plan(hook, args.url)
    return _confirm_and_apply(args, profile, store, plan, source="webhooks set-url")
def cmd_tokens(args) -> int:
    from .. import targets, tokens

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)
    found = _with_client(profile, store, lambda client: tokens.list_tokens(client, args.kind))
    if found is None:
        raise ConsoleError(f"{profile.url} has no {tokens.KINDS[args.kind][1]} route (an older version, or remote "
                           "transfer is off).", title="Not available")
    if args.action == "list":
        rows = [t.summary() for t in found]
        if args.json:
            print(json.dumps(rows, indent=2))
        for row in [] if args.json else rows:
            kind = row.get("type", ",".join(str(p) for p in row.get("permissions", [])))
            print(f"{safe(row['id'], 12):>4}  {safe(row['name'], 60):<28} {safe(kind, 60):<12} "
                  f"expires {safe(row['expiresAt'] or 'never', 40):<26} last used {safe(row['lastUsedAt'] or 'never', 40)}")
        return EXIT_OK
    if not args.token:
        raise ConfigError(f"Name the token to {args.action} (its name or id).")
    match = [t for t in found if t.name == args.token or str(t.id) == args.token]
    if not match:
        raise ConfigError(f"No {tokens.KINDS[args.kind][1]} named '{args.token}' on {profile.name} "
                          f"(known: {', '.join(t.name for t in found) or 'none'}).")
    if args.action == "read-only" and args.kind != "api":
        raise ConfigError("Only API tokens have a type to make read-only.")
    _writable(profile, args.allow_write)
    plan = targets.token_plan(args.action, match[:1])
    return _confirm_and_apply(args, profile, store, plan, source=f"tokens {args.action}")
def cmd_journal(args) -> int:
    from .. import engine, journal

    if args.action == "list":
        found = journal.entries(args.name)
        if not found:
            print(f"No changes recorded in {journal.journal_dir()}.")
        for e in found:
            undone = f" (undone by {e.undone_by})" if e.undone_by else ""
            hint = " ← interrupted: run `journal check` to settle it" if e.status in ("pending", "uncertain") else ""
            group = f" [group {e.group} step {e.step + 1}]" if e.group else ""
            print(f"{e.id}  {safe(e.profile, 40):<12} {e.status:<9} {safe(e.target.get('name', '?'), 60):<28} "
                  f"{safe(e.source, 200)}{group}{undone}{hint}")
        return EXIT_OK
    if args.action == "show":
        e = journal.get(args.entry)
        server = e.server or {}
        print(safe(f"{e.id}  {e.status}  profile {e.profile} ({e.url})  by {e.operator} at {e.time}", 600))
        print(safe(f"server: {server.get('url', e.url)}; project {server.get('project') or 'not reported'}; "
                   f"instance {server.get('instance') or 'not reported'}", 600))
        print(safe(f"source: {e.source}" + (f"; undoes {e.undo_of}" if e.undo_of else "")
                   + (f"; {e.detail}" if e.detail else ""), 1000))
        for line in e.describe():
            print(f"  {safe(line, 1000)}")
        return EXIT_OK

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    if args.action == "check":
        open_entries = [e for e in journal.entries(profile.name) if e.status in ("pending", "uncertain")]
        if not open_entries:
            print(f"No interrupted change for {profile.name}.")
            return EXIT_OK

        async def settle(client):
            return [(e, await engine.settle(client, e)) for e in open_entries]

        for e, outcome in _with_client(profile, _store(cfg), settle):
            print(f"{e.id}: {safe(outcome, 300)}. " + ("Undo it with: strapi-console journal undo "
                                            f"{profile.name} {e.id}" if outcome != "not applied" else "Nothing to undo."))
        return EXIT_OK
    _writable(profile, args.allow_write)
    entry = journal.get(args.entry) if args.entry else journal.last_undoable(profile.name)
    if entry is None:
        print(f"Nothing to undo for {profile.name}.")
        return EXIT_OK
    store = _store(cfg)
    plan = _with_client(profile, store, lambda client: engine.plan_undo(client, entry))
    return _confirm_and_apply(args, profile, store, plan, source="undo",
                              title=f"Undo {entry.id} on {profile.name} (now → after undo)?")
def cmd_permissions(args) -> int:
    from .. import admin_roles, baselines

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)

    def read(prof, role_name):
        return _with_client(prof, store, lambda client: baselines.find_role(client, role_name, admin=args.admin))

    if args.action == "export":
        role = read(profile, args.role)
        text = json.dumps(baselines.export(role, profile.name), indent=2) + "\n"
        if args.output:
            from ..files import write_private

            write_private(args.output, text)
            print(f"Wrote {safe(role.name, 80)} ({len(baselines.granted(role))} permissions) to {args.output}.")
        else:
            sys.stdout.write(text)
        return EXIT_OK
    if args.action == "diff":
        role = read(profile, args.role)
        if os.path.isfile(args.other):
            doc = baselines.load_file(args.other)
            other_label = f"{args.other} ({doc.get('source')}: {doc.get('role')})"
            other = ({admin_roles.key_of(p["action"], p.get("subject")) for p in doc.get("permissions", [])}
                     if args.admin else set(doc.get("enabled", [])))
        else:
            other_profile, _, other_role = args.other.rpartition(":")
            prof2 = cfg.get(other_profile) if other_profile else profile
            role2 = read(prof2, other_role)
            other_label, other = f"{prof2.name}:{role2.name}", baselines.granted(role2)
        only_a, only_b = baselines.diff(baselines.granted(role), other)
        print(safe(f"{profile.name}:{role.name} vs {other_label}", 400))
        for a in only_a:
            print(safe(f"  + only in {profile.name}:{role.name}: {a}", 600))
        for b in only_b:
            print(safe(f"  - only in {other_label}: {b}", 600))
        if not only_a and not only_b:
            print("  identical")
        return EXIT_OK
    _writable(profile, args.allow_write)
    doc = baselines.load_file(args.file)
    role = read(profile, args.role)
    plan = baselines.plan_from_baseline(role, doc)
    if not plan.steps:
        print(safe(f"{role.name} on {profile.name} already matches {args.file}.", 400))
        return EXIT_OK
    print(safe(f"Make {profile.name}:{role.name} match {args.file} (from {doc.get('source')}: {doc.get('role')})", 600))
    return _confirm_and_apply(args, profile, store, plan, source=f"baseline {args.file}")
