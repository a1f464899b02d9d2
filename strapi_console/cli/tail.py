"""`tail`: the audit tail of one or many servers, as text or JSON Lines."""

from __future__ import annotations

import asyncio
import sys

from ..display import json_text, safe
from ..errors import ConfigError, ConsoleError

from .common import EXIT_INCOMPLETE, EXIT_OK, _err, _load_config, _store


def parse_age(text: str) -> float:
    """'90s', '15m', '1h', '2d' → seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    try:
        value, unit = (float(text[:-1]), units[text[-1]]) if text and text[-1] in units else (float(text), 1)
    except (ValueError, KeyError):
        raise ConfigError(f"'{text}' is not an age: use a number with s, m, h or d (e.g. 15m).") from None
    if value < 0:
        raise ConfigError("--since must not be negative.")
    return value * unit
def cmd_tail(args) -> int:
    from datetime import datetime, timedelta, timezone

    from ..audit.community import CANNOT_SEE
    from ..audit.filters import compile_filter
    from ..audit.tail import Tail

    cfg = _load_config(args)
    profiles = [cfg.get(n) for n in dict.fromkeys(args.names)] if args.names else list(cfg.profiles.values())
    if not profiles:
        raise ConfigError(f"No profiles in {cfg.path}.", hint="Add one: strapi-console profile add NAME --url URL")
    since = datetime.now(timezone.utc) - timedelta(seconds=parse_age(args.since))
    keep = compile_filter(args.filter)
    fmt = args.format or ("text" if sys.stdout.isatty() else "jsonl")
    store = _store(cfg)
    said: dict[str, str] = {}

    async def on_events(events) -> None:
        for e in events:
            if not keep(e):
                continue
            if fmt == "jsonl":
                whole = None
                if e.truncated:  # the tail keeps a preview of a large payload: the stream gets the whole one
                    try:
                        whole = await tail.whole_payload(e)
                    except ConsoleError as exc:
                        _err(f"{e.profile}: event {e.source_id}: only a preview of its payload is written ({exc})")
                sys.stdout.write(json_text(e.to_dict(whole)) + "\n")
            else:
                mark = f" [ALERT: {safe(e.alert, 120)}]" if e.alert else ""
                sys.stdout.write(f"{e.time.astimezone().strftime('%Y-%m-%d %H:%M:%S')}  {safe(e.profile, 40):<12} "
                                 f"{safe(e.who, 28):<28} {safe(e.action, 60):<24} {safe(e.summary, 300)}{mark}\n")
        sys.stdout.flush()

    reported: set[str] = set()
    failed: set[str] = set()  # servers whose latest state is an error

    def on_status(status) -> None:
        if status.polls or status.error:
            reported.add(status.profile)
        (failed.add if status.error else failed.discard)(status.profile)
        note = status.error or (f"{status.mode} feed" + (" (derived: cannot see " + ", ".join(CANNOT_SEE) + ")"
                                                         if status.mode == "derived" else ""))
        if not status.error and status.clock_skew is not None and abs(status.clock_skew) >= 2:
            note += f"; its clock is {status.clock_skew:+.0f} s off ours (events keep the server's times)"
        if said.get(status.profile) != note:
            said[status.profile] = note
            _err(f"{status.profile}: {note}")

    tail = Tail(profiles, store, since=since, on_events=on_events, on_status=on_status)

    async def run():
        if args.once:
            task = asyncio.ensure_future(tail.run())
            while len(reported) < len(profiles) and not task.done():
                await asyncio.sleep(0.1)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            return
        await tail.run()

    asyncio.run(run())
    # --once: like scan, a server that could not be read makes the run incomplete (the others are printed)
    return EXIT_INCOMPLETE if args.once and failed else EXIT_OK
