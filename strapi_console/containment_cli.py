"""The ``contain`` command: print what the API cannot do, then the plan; apply it as one journal group
after the one confirmation policy, or print it as JSON for review (``--dry-run``). Kept apart from
``cli.py`` so the command line module stays a table of commands."""

from __future__ import annotations

import sys

from .display import json_text, safe

EXIT_OK, EXIT_USAGE = 0, 1


def add_contain_parser(sub, destructive_options) -> None:
    ct = sub.add_parser("contain", help="on call: shut the doors of a server as one reviewed, undoable change "
                        "(what cannot be undone is marked before you confirm)")
    ct.add_argument("name", metavar="PROFILE")
    ct.add_argument("--plan", metavar="FILE", help="apply a plan reviewed earlier (made with --dry-run); a step whose "
                    "object changed since is refused")
    ct.add_argument("--dry-run", action="store_true", help="print the plan as JSON (for review in a ticket) and "
                    "send nothing")
    ct.add_argument("--deactivate", action="append", default=[], metavar="EMAIL",
                    help="also deactivate this admin (repeatable)")
    ct.add_argument("--delete-token", action="append", default=[], metavar="NAME",
                    help="also delete this API token (repeatable; cannot be undone)")
    ct.add_argument("--regenerate-token", action="append", default=[], metavar="NAME",
                    help="also regenerate this API token (repeatable; cannot be undone; the new key is shown once)")
    ct.add_argument("--only", action="append", default=[], metavar="STEP",
                    help="select only these steps (an id such as token-delete:12, or a kind such as close-signup)")
    ct.add_argument("--skip", action="append", default=[], metavar="STEP", help="leave this step or kind out")
    ct.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    ct.add_argument("--allow-write", action="store_true", help="unlock a read-only profile for this command")
    destructive_options(ct)


def run_contain(args, *, load_config, store, with_client, confirm_and_apply, writable, err) -> int:
    from . import containment

    cfg = load_config(args)
    profile = cfg.get(args.name)
    secrets = store(cfg)
    doc = containment.load_file(args.plan) if args.plan else None
    names = containment.names_of(doc) if doc else containment.Names(
        args.delete_token, args.regenerate_token, args.deactivate)
    if doc and (args.delete_token or args.regenerate_token or args.deactivate or args.only or args.skip):
        from .errors import ConfigError

        raise ConfigError("--plan FILE already says what to do: edit the file (or make a new one with --dry-run) "
                          "instead of adding --deactivate, --delete-token, --regenerate-token, --only or --skip.")
    found = with_client(profile, secrets, lambda client: containment.build(client, names))
    notes = containment.apply_file(found, doc) if doc else []
    if not doc:
        found.select(args.only or None, skip=args.skip or None)
    found.notes += notes
    if args.dry_run:
        sys.stdout.write(json_text(found.to_dict(), indent=2) + "\n")
        return EXIT_OK
    out = containment.manual_lines(found) + [""] + containment.plan_lines(found, safe)
    print("\n".join(safe(line, 2000) for line in out))
    print()
    read_only = profile.default_read_only and not args.allow_write
    if read_only:
        print(f"{profile.name} is read-only: the plan above was printed, nothing was sent. To apply it, run this "
              "with --allow-write (you type the profile's name), or from a read-write profile.")
        return EXIT_OK
    writable(profile, args.allow_write)
    plan = found.plan()
    if not plan.steps:
        print("No step selected: nothing was sent.")
        return EXIT_OK
    kept = [f"{c.id}: {c.cannot_undo}" for c in containment.ordered(found.selected()) if not c.undoable]
    if kept:
        err("Group undo will restore every step except these, which cannot be undone: " + "; ".join(kept))
    return confirm_and_apply(args, profile, secrets, plan, source="contain",
                             title=f"Contain {profile.name}: {len(found.selected())} step(s) as one journal group?")
