"""On call: `triage` (what happened) and `contain` (shut the doors as one journal group)."""

from __future__ import annotations

import sys

from ..display import json_text, safe

from .common import EXIT_OK, _confirm_and_apply, _err, _load_config, _store, _with_client, _writable
from .tail import parse_age


def cmd_triage(args) -> int:
    from datetime import datetime, timedelta, timezone

    from .. import triage

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    since = datetime.now(timezone.utc) - timedelta(seconds=parse_age(args.since))
    found = _with_client(profile, _store(cfg), lambda client: triage.gather(client, since=since))
    if args.format == "json":
        text = json_text(triage.as_json(found), indent=2) + "\n"
    elif args.format == "markdown":
        text = triage.markdown(found)
    else:
        text = "\n".join(triage.text_lines(found, safe)) + "\n"
    if args.output:
        from ..files import write_private

        write_private(args.output, text)
        print(f"Wrote the triage of {profile.name} ({len(found.events)} events) to {args.output}.")
    else:
        sys.stdout.write(text)
    return EXIT_OK
def cmd_contain(args) -> int:
    from ..containment_cli import run_contain

    return run_contain(args, load_config=_load_config, store=_store, with_client=_with_client,
                       confirm_and_apply=_confirm_and_apply, writable=_writable, err=_err)
