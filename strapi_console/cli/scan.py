"""`scan`: one or many servers, the report in the contract's formats, progress on a terminal."""

from __future__ import annotations

import shutil
import sys
import time

from .. import config as config_mod
from ..display import SafeStream, safe
from ..errors import ConfigError

from .common import _confirm, _err, _load_config, _store

CLEAR_LINE = "\r\x1b[2K"  # back to the line's start, erase it
PROGRESS_FROM = 3  # a scan of more servers than this shows its progress on a terminal's stderr
class _ScanProgress:
    """One status line on stderr, redrawn at most ten times a second: servers done of the total and the
    one running longest (a slow or hanging server is named while the rest wait for it)."""

    def __init__(self, stream) -> None:
        # the line's text is escaped like every output; only the console's own erase sequence is not
        self.stream = stream if isinstance(stream, SafeStream) else SafeStream(stream)
        self.last = 0.0

    def __call__(self, state) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and state.done < state.total:
            return
        self.last = now
        slowest = state.slowest()
        text = f"scanning: {state.done}/{state.total} servers done"
        if slowest:
            text += f"; slowest still running: {safe(slowest[0], 60)} ({slowest[1]:.0f} s)"
        self.stream.control(CLEAR_LINE)
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        self.stream.control(CLEAR_LINE)
        self.stream.flush()
def cmd_scan(args) -> int:
    cfg = _load_config(args)
    from ..checks import REGISTRY
    from ..fleet import scan_fleet
    from ..scan import ScanLimits

    if args.all and args.names:
        raise ConfigError("Name profiles or pass --all, not both.")
    if args.all or not args.names:
        if not cfg.profiles:
            raise ConfigError(f"No profiles in {cfg.path}.", hint="Add one: strapi-console profile add NAME --url URL")
        if not args.all:
            raise ConfigError("Name the profiles to scan, or pass --all.")
        profiles = list(cfg.profiles.values())
    else:
        profiles = [cfg.get(n) for n in dict.fromkeys(args.names)]
    if args.check:
        unknown = [c for c in args.check if c not in REGISTRY]
        if unknown:
            raise ConfigError(f"Unknown check ID {', '.join(unknown)}. Known: {', '.join(sorted(REGISTRY))}.")
    if args.aggressive:  # failed sign-ins and a deep query on a production server: the operator types its name
        from .. import confirmation

        for p in profiles:
            asked = confirmation.for_probes(p)
            if asked and not _confirm(asked, yes=False, heading=asked.title, out=sys.stderr):
                raise ConfigError(f"The aggressive probes were not confirmed for {p.name}: nothing was sent.")
    store = _store(cfg)
    defaults = ScanLimits()
    limits = ScanLimits(requests=args.max_requests or defaults.requests, seconds=args.max_seconds or defaults.seconds)
    progress = _ScanProgress(sys.stderr) if len(profiles) > PROGRESS_FROM and sys.stderr.isatty() else None
    try:
        results = scan_fleet(profiles, store, workers=args.workers, check_ids=args.check, aggressive=args.aggressive,
                             advisory_max_age_days=cfg.advisory_max_age_days, limits=limits, progress=progress)
    finally:
        if progress:
            progress.close()
    return report_scan(results, args)
def report_scan(results, args) -> int:
    """Write the report of a finished scan as ``args`` asks (format, output file, threshold), say on stderr
    what kept it incomplete, and return the exit code. Shared by ``scan`` and ``demo --scan``."""
    from .. import report
    from ..checks import REGISTRY
    from ..scan import exit_code

    on_terminal = sys.stdout.isatty() and not args.output
    fmt = args.format or ("table" if on_terminal else "json")
    code = exit_code(results, args.fail_on, include_warn=args.fail_on_warn)
    width = shutil.get_terminal_size().columns if on_terminal else None
    text = report.render(results, fmt, width=width, fail_on=args.fail_on, include_warn=args.fail_on_warn, code=code)
    if args.output:
        from ..files import write_private

        write_private(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for r in results:  # stderr, so a JSON document on stdout stays clean
        if not r.reachable or r.error:
            base = config_mod.base_url_suggestion(r.profile.url)
            _err(f"{r.profile.name}: {r.error or 'unreachable'}"
                 + (f" (its URL points into the admin panel or an API: did you mean {base}?)" if base else ""))
        elif r.auth_error:
            _err(f"{r.profile.name}: checks needing sign-in were skipped: {r.auth_error}")
        if r.cut:
            _err(f"{r.profile.name}: incomplete: {r.cut}; the checks it cut are reported with status error.")
        if r.reachable and not r.error and not r.had_credentials:
            skipped = sum(1 for f in r.findings if f.status == "skip" and f.check_id in REGISTRY
                          and "sign-in" in REGISTRY[f.check_id].needs)
            if skipped:
                _err(f"{r.profile.name}: not signed in, so {skipped} checks that need an admin session were "
                     f"skipped ({config_mod.sign_in_hint(r.profile)}).")
    return code
