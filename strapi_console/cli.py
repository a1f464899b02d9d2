"""The ``strapi-console`` command line: profiles, login, logout, scan, advisories, demo.

With no subcommand it opens the TUI through the ``open_tui`` hook the launcher passes in, so this core
module never imports the UI. Every ConsoleError ends as ``title: message`` on stderr and exit code 1
(scan has its own contract codes); Ctrl-C ends with exit code 2; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import getpass
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from . import __version__
from . import config as config_mod
from .config import Config, Profile
from .display import SafeStream, json_text, safe
from .errors import ConfigError, ConsoleError, Interrupted
from .redact import redact_text, redact_url
from .secrets import SecretStore

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_INCOMPLETE, EXIT_FINDINGS = 0, 1, 2, 3, 4, 5

OpenTUI = Callable[..., int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 1 (the scan contract), with the usage line
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def _check_value(self, action, value):
        """A command or choice typed wrong names the closest one first, as a config typo does, instead of
        argparse's bare list (argparse calls this for every value that has choices, subcommands included)."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise argparse.ArgumentError(action, f"invalid choice: '{safe(value, 80)}'.{hint} "
                                             f"Choose from: {', '.join(choices)}.")


def _positive(kind):
    """An argparse type: a number above zero (a budget of 0 or NaN seconds is a typo, not a setting)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"'{text}' must be above 0")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="strapi-console", description="A terminal security console for Strapi servers. "
                "With no command, opens the TUI.")
    p.add_argument("--version", action="version", version=f"strapi-console {__version__}")
    p.add_argument("--config", metavar="PATH", help="config file (default: $STRAPI_CONSOLE_CONFIG or "
                   "$XDG_CONFIG_HOME/strapi-console/config.toml)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    prof = sub.add_parser("profile", help="add, list, show or remove server profiles")
    psub = prof.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = psub.add_parser("add", help="add a profile")
    add.add_argument("name")
    add.add_argument("--url", required=True, help="the server's base URL (https://cms.example.com)")
    add.add_argument("--public-url", help="the URL end users reach the API through, if different")
    add.add_argument("--email", help="the admin e-mail used to sign in")
    add.add_argument("--ca-bundle", metavar="PATH", help="PEM file of CA certificates to trust for this server")
    add.add_argument("--allow-http", action="store_true", help="allow a plain http:// URL that is not loopback")
    add.add_argument("--tag", action="append", default=[], help="tag the profile (repeatable), e.g. production")
    mode = add.add_mutually_exclusive_group()
    mode.add_argument("--read-only", dest="read_only", action="store_const", const=True, default=None,
                      help="never send changing requests (default for production)")
    mode.add_argument("--read-write", dest="read_only", action="store_const", const=False,
                      help="allow fixes after confirmation, even for production")
    add.add_argument("--replace", action="store_true", help="replace an existing profile of that name")
    psub.add_parser("list", help="list profiles").add_argument("--json", action="store_true")
    show = psub.add_parser("show", help="show one profile")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    rm = psub.add_parser("remove", help="remove a profile and its keyring entry")
    rm.add_argument("name")

    login = sub.add_parser("login", help="sign in to a profile's server and keep the session in the keyring")
    login.add_argument("name")
    login.add_argument("--email", help="admin e-mail (default: the profile's)")
    how = login.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument("--admin-token-stdin", action="store_true",
                     help="read a Strapi admin token (5.45+) from standard input instead of signing in")
    login.add_argument("--remember-password", action="store_true",
                       help="also keep the password in the keyring, to sign in again when the session ends")
    login.add_argument("--end-user", metavar="IDENTIFIER",
                       help="sign a test end user in on the Content API instead; only its JWT is kept, for the "
                            "offline SEC-UP-JWT-DEFAULT and AUTH-UP-JWT-MODE checks")

    logout = sub.add_parser("logout", help="end this device's server session and forget the token")
    logout.add_argument("name")

    scan = sub.add_parser("scan", help="run the security checks headless")
    scan.add_argument("names", nargs="*", metavar="NAME")
    scan.add_argument("--all", action="store_true", help="scan every profile")
    _report_options(scan)
    scan.add_argument("--check", action="append", metavar="ID", help="run only this check (repeatable)")
    scan.add_argument("--max-requests", type=_positive(int), default=None, metavar="N",
                      help="per-server request budget of one scan (default 1000); a scan cut by it is incomplete")
    scan.add_argument("--max-seconds", type=_positive(float), default=None, metavar="S",
                      help="per-server deadline of one scan (default 300)")
    scan.add_argument("--aggressive", action="store_true",
                      help="also run probes that send failed sign-ins (made-up identities) or heavy queries")

    adv = sub.add_parser("advisories", help="the advisory database: info, list, show, update")
    asub = adv.add_subparsers(dest="action", parser_class=_Parser)
    asub.add_parser("info", help="which data is in use and how old it is")
    alist = asub.add_parser("list", help="list advisories")
    alist.add_argument("--package", help="only advisories affecting this npm package")
    alist.add_argument("--severity", choices=["critical", "high", "medium", "low"], help="only this severity or worse")
    alist.add_argument("--json", action="store_true")
    ashow = asub.add_parser("show", help="one advisory, whole")
    ashow.add_argument("id", help="GHSA or CVE identifier")
    ashow.add_argument("--json", action="store_true")
    asub.add_parser("update", help="fetch current records from the OSV API (the bundled copy stays the fallback)")

    fix = sub.add_parser("fix", help="apply the API fix of a failing check, after showing the diff")
    fix.add_argument("name", metavar="PROFILE")
    fix.add_argument("check_id", metavar="CHECK_ID")
    fix.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    fix.add_argument("--allow-write", action="store_true",
                     help="unlock a read-only (production) profile for this command; you type its name to confirm")
    _destructive_options(fix)

    tok = sub.add_parser("tokens", help="list API, admin and transfer tokens; make one read-only, delete or "
                         "regenerate it")
    tok.add_argument("name", metavar="PROFILE")
    tok.add_argument("action", nargs="?", choices=["list", "read-only", "delete", "regenerate"], default="list")
    tok.add_argument("token", nargs="?", metavar="TOKEN", help="the token's name or id")
    tok.add_argument("--kind", choices=["api", "admin", "transfer"], default="api", help="which tokens (default: api)")
    tok.add_argument("--json", action="store_true", help="list as JSON")
    tok.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    tok.add_argument("--allow-write", action="store_true", help="unlock a read-only profile for this command")
    _destructive_options(tok)

    jr = sub.add_parser("journal", help="the changes the console made: list, show, undo")
    jsub = jr.add_subparsers(dest="action", required=True, parser_class=_Parser)
    jl = jsub.add_parser("list", help="list journal entries")
    jl.add_argument("name", nargs="?", metavar="PROFILE")
    js = jsub.add_parser("show", help="one entry, whole")
    js.add_argument("entry")
    jc = jsub.add_parser("check", help="settle changes an interrupted write left pending, by reading the server")
    jc.add_argument("name", metavar="PROFILE")
    ju = jsub.add_parser("undo", help="undo an entry (default: the last one of PROFILE) through the safe write path")
    ju.add_argument("name", metavar="PROFILE")
    ju.add_argument("entry", nargs="?", help="entry id (default: the last undoable change)")
    ju.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    ju.add_argument("--allow-write", action="store_true", help="unlock a read-only profile for this command")

    pm = sub.add_parser("permissions", help="role baselines: export, compare, apply")
    psub2 = pm.add_subparsers(dest="action", required=True, parser_class=_Parser)
    pe = psub2.add_parser("export", help="write a role's permissions to a file")
    pe.add_argument("name", metavar="PROFILE")
    pe.add_argument("role", help="role name, type or code (Public, authenticated, strapi-editor)")
    pe.add_argument("--admin", action="store_true", help="an admin role instead of an end-user role")
    pe.add_argument("--output", metavar="FILE", help="default: stdout")
    pd = psub2.add_parser("diff", help="compare a role with another role, on this server or another")
    pd.add_argument("name", metavar="PROFILE")
    pd.add_argument("role")
    pd.add_argument("other", metavar="OTHER", help="PROFILE:ROLE, ROLE (same server) or a baseline file")
    pd.add_argument("--admin", action="store_true")
    pa = psub2.add_parser("apply", help="make a role match a saved baseline, as a reviewed diff")
    pa.add_argument("name", metavar="PROFILE")
    pa.add_argument("role")
    pa.add_argument("file")
    pa.add_argument("--admin", action="store_true")
    pa.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    pa.add_argument("--allow-write", action="store_true", help="unlock a read-only profile for this command")

    wh = sub.add_parser("webhooks", help="list webhooks; move one to https (AUTH-WEBHOOKS)")
    wh.add_argument("name", metavar="PROFILE")
    wh.add_argument("action", nargs="?", choices=["list", "set-url"], default="list")
    wh.add_argument("webhook", nargs="?", metavar="WEBHOOK", help="the webhook's name or id")
    wh.add_argument("url", nargs="?", metavar="URL", help="the new https:// URL (the receiver must serve it)")
    wh.add_argument("--yes", action="store_true", help="do not ask (scripts); production profiles still ask")
    wh.add_argument("--allow-write", action="store_true", help="unlock a read-only profile for this command")

    tl = sub.add_parser("tail", help="stream who changed what (audit logs, or a derived feed on Community "
                        "servers) until Ctrl-C")
    tl.add_argument("names", nargs="*", metavar="NAME", help="profiles (default: all)")
    tl.add_argument("--since", default="15m", metavar="AGE", help="start this far back, e.g. 30s, 15m, 1h, 2d "
                    "(default 15m)")
    tl.add_argument("--filter", metavar="EXPR", help="server:NAME user:TEXT action:PREFIX is:alert -word ...")
    tl.add_argument("--format", choices=["text", "jsonl"], default=None,
                    help="default: text on a terminal, jsonl otherwise")
    tl.add_argument("--once", action="store_true", help="one poll per server, then exit (scripts, cron)")

    tr = sub.add_parser("triage", help="on call: what happened on a server in a window, in order, and what the "
                        "console cannot see there")
    tr.add_argument("name", metavar="PROFILE")
    tr.add_argument("--since", default="24h", metavar="AGE", help="how far back, e.g. 30m, 6h, 2d (default 24h)")
    tr.add_argument("--format", choices=["text", "json", "markdown"], default="text",
                    help="text (default), json, or markdown (an incident report for the postmortem)")
    tr.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    from .containment_cli import add_contain_parser

    add_contain_parser(sub, _destructive_options)

    demo = sub.add_parser("demo", help="run the bundled demo Strapi server and open the console on it")
    demo.add_argument("--no-tui", action="store_true", help="start the server and wait for Ctrl-C instead")
    demo.add_argument("--scan", action="store_true",
                      help="headless: scan the demo server signed in, print the report, stop the server and exit "
                           "with scan's exit code (works without a keyring: the session never leaves this process)")
    _report_options(demo)

    tui = sub.add_parser("tui", help="open the TUI (same as no command)")
    tui.add_argument("names", nargs="*", metavar="NAME", help="only these profiles")
    return p


def _report_options(parser) -> None:
    """The report options ``scan`` and ``demo --scan`` share."""
    parser.add_argument("--format", choices=["table", "json", "jsonl", "sarif"], default=None,
                        help="output format (default: table on a terminal, json otherwise)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--fail-on", default="high", choices=["critical", "high", "medium", "low", "info"],
                        help="exit 5 when a failed check has this severity or worse (default: high)")
    parser.add_argument("--fail-on-warn", action="store_true", help="count warnings too for --fail-on")


def _load_config(args) -> Config:
    return config_mod.load(args.config)


def _store(cfg: Config) -> SecretStore:
    return SecretStore.for_config(cfg)


def _err(text: str) -> None:
    """One error line: secrets redacted, server text made safe (a newline in it cannot start a line)."""
    print(safe(redact_text(text), 4000), file=sys.stderr)


# --- profile -----------------------------------------------------------------------------------


def cmd_profile(args) -> int:
    cfg = _load_config(args)
    if args.action == "add":
        name = config_mod.validate_name(args.name)
        url = config_mod.normalize_url(args.url, where="--url", allow_http=args.allow_http)
        public_url = (config_mod.normalize_url(args.public_url, where="--public-url", allow_http=args.allow_http)
                      if args.public_url else None)
        for tag in args.tag:
            if not tag or not tag.replace("-", "").isalnum() or tag != tag.lower():
                raise ConfigError(f"--tag {tag!r}: tags are lower-case words such as {list(config_mod.KNOWN_TAGS)}.")
        if args.ca_bundle and not os.path.isfile(os.path.expanduser(args.ca_bundle)):
            raise ConfigError(f"--ca-bundle: '{args.ca_bundle}' does not exist or is not a file.")
        profile = Profile(name=name, url=url, email=args.email, ca_bundle=args.ca_bundle, allow_http=args.allow_http,
                          tags=sorted(set(args.tag)), read_only=args.read_only, public_url=public_url)
        cfg.add(profile, replace=args.replace)
        config_mod.save(cfg)
        print(f"Added profile '{name}' ({url}) to {cfg.path}.")
        for option, given in (("--url", url), ("--public-url", public_url)):
            base = config_mod.base_url_suggestion(given)
            if base:
                _err(f"Warning: {option} {given} points into the admin panel or an API; the console wants the server's "
                     f"base URL and adds /admin and /api itself, so scans of this profile would not find Strapi. "
                     f"Did you mean {base}? Fix it with: strapi-console profile add {name} {option} {base} --replace")
        if profile.is_plain_http and not profile.is_loopback:
            _err("Warning: plain HTTP to a non-loopback host: the password and tokens cross the network unencrypted.")
        if profile.default_read_only:
            print("It is read-only: the console will send no changing request to it"
                  + (" (tagged production; unlock per session in the TUI)." if profile.read_only is None else "."))
        print(f"Next: strapi-console login {name}")
        return EXIT_OK
    if args.action == "list":
        if args.json:
            print(json.dumps([_profile_dict(p) for p in cfg.profiles.values()], indent=2))
            return EXIT_OK
        if not cfg.profiles:
            print(f"No profiles in {cfg.path}. Add one: strapi-console profile add NAME --url URL")
            return EXIT_OK
        store = _store(cfg)
        width = max(len(n) for n in cfg.profiles)
        for p in cfg.profiles.values():
            state = _signed_in_state(store, p)
            flags = ", ".join(filter(None, ["read-only" if p.default_read_only else "", *p.tags]))
            print(f"{p.name:<{width}}  {p.url:<40}  {state:<16} {flags}")
        return EXIT_OK
    if args.action == "show":
        p = cfg.get(args.name)
        d = _profile_dict(p)
        d["signed_in"] = _signed_in_state(_store(cfg), p)
        if args.json:
            print(json.dumps(d, indent=2))
        else:
            for k, v in d.items():
                print(f"{k:<11} {v}")
        return EXIT_OK
    if args.action == "remove":
        p = cfg.remove(args.name)
        config_mod.save(cfg)
        try:
            removed = _store(cfg).delete(p.name)
        except ConsoleError as exc:
            _err(f"Removed the profile, but: {exc}")
            return EXIT_USAGE
        print(f"Removed profile '{p.name}'" + (" and its keyring entry." if removed else "."))
        if removed:
            print("The server session itself ends when it expires; `logout` before removing ends it at once.")
        return EXIT_OK
    return EXIT_USAGE


def _profile_dict(p: Profile) -> dict[str, Any]:
    return {"name": p.name, "url": p.url, "public_url": p.public_url, "email": p.email, "ca_bundle": p.ca_bundle,
            "allow_http": p.allow_http, "tags": p.tags, "read_only": p.default_read_only}


def _signed_in_state(store: SecretStore, p: Profile) -> str:
    try:
        creds = store.get(p.name)
    except ConsoleError:
        return "keyring error"
    if creds is None:
        return "not signed in"
    return {"session": "signed in", "jwt": "signed in (JWT)", "admin-token": "admin token"}[creds.kind]


# --- login / logout ------------------------------------------------------------------------------


def _read_secret_stdin(what: str) -> str:
    if sys.stdin is None:
        raise ConfigError(f"No standard input to read the {what} from.")
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ConfigError(f"Standard input held no {what}.")
    return value


def _destructive_options(parser) -> None:
    parser.add_argument("--confirm", metavar="TEXT", help="with --yes: the text a deletion or regeneration asks "
                        "you to type (the token's name), for scripts")
    parser.add_argument("--key-file", metavar="PATH", help="write a regenerated key to this file (mode 0600) "
                        "instead of the terminal")


def cmd_login(args) -> int:
    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)
    store.check_keyring()  # say it before asking for a password, not after
    if profile.is_plain_http and not profile.is_loopback:
        _err(f"Warning: {profile.url} is plain HTTP: the password crosses the network unencrypted.")
    from .session import sign_in_summary

    if args.end_user:
        if args.admin_token_stdin or args.remember_password:
            raise ConfigError("--end-user signs in a test end user: it takes only --password-stdin.")
        secret = (_read_secret_stdin("password") if args.password_stdin
                  else getpass.getpass(f"Password of the test end user {args.end_user}: "))
        where = _with_client(profile, store, lambda session: session.end_user_sign_in(args.end_user, secret),
                             session=True)
        print(f"Test end user {args.end_user} signed in on {profile.url}; its JWT is kept in {where} "
              f"({store.backend_name}), the password is not.")
        return EXIT_OK

    if args.admin_token_stdin:
        secret, email = _read_secret_stdin("admin token"), None
    else:
        email = args.email or profile.email
        if not email:
            if not sys.stdin or not sys.stdin.isatty() or args.password_stdin:
                raise ConfigError(f"No e-mail for profile '{profile.name}'.", hint="Pass --email EMAIL.")
            email = input("Admin e-mail: ").strip()
        secret = _read_secret_stdin("password") if args.password_stdin else getpass.getpass(f"Password for {email}: ")
        if not secret:
            raise ConfigError("Empty password.")

    def sign_in(session):
        if args.admin_token_stdin:
            return session.use_admin_token(secret)
        return session.sign_in(email, secret, remember=args.remember_password)

    creds = _with_client(profile, store, sign_in, session=True)
    print(safe(sign_in_summary(profile, creds, store), 1000))
    if email and profile.email != email:
        profile.email = email
        config_mod.save(cfg)
    return EXIT_OK


def cmd_logout(args) -> int:
    cfg = _load_config(args)
    profile = cfg.get(args.name)
    print(safe(_with_client(profile, _store(cfg), lambda session: session.sign_out(), session=True), 1000))
    return EXIT_OK


# --- scan --------------------------------------------------------------------------------------


PROGRESS_FROM = 3  # a scan of more servers than this shows its progress on a terminal's stderr


class _ScanProgress:
    """One status line on stderr, redrawn at most ten times a second: servers done of the total and the
    one running longest (a slow or hanging server is named while the rest wait for it)."""

    def __init__(self, stream) -> None:
        self.stream, self.last = stream, 0.0

    def __call__(self, state) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and state.done < state.total:
            return
        self.last = now
        slowest = state.slowest()
        text = f"scanning: {state.done}/{state.total} servers done"
        if slowest:
            text += f"; slowest still running: {safe(slowest[0], 60)} ({slowest[1]:.0f} s)"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\x1b[2K")
        self.stream.flush()


def cmd_scan(args) -> int:
    cfg = _load_config(args)
    from .checks import REGISTRY
    from .scan import ScanLimits, scan_profiles

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
        from . import confirmation

        for p in profiles:
            asked = confirmation.for_probes(p)
            if asked and not _confirm(asked, yes=False, heading=asked.title, out=sys.stderr):
                raise ConfigError(f"The aggressive probes were not confirmed for {p.name}: nothing was sent.")
    store = _store(cfg)
    defaults = ScanLimits()
    limits = ScanLimits(requests=args.max_requests or defaults.requests, seconds=args.max_seconds or defaults.seconds)
    progress = _ScanProgress(sys.stderr) if len(profiles) > PROGRESS_FROM and sys.stderr.isatty() else None
    try:
        results = asyncio.run(scan_profiles(profiles, store, check_ids=args.check, aggressive=args.aggressive,
                                            advisory_max_age_days=cfg.advisory_max_age_days, limits=limits,
                                            progress=progress))
    finally:
        if progress:
            progress.close()
    return report_scan(results, args)


def report_scan(results, args) -> int:
    """Write the report of a finished scan as ``args`` asks (format, output file, threshold), say on stderr
    what kept it incomplete, and return the exit code. Shared by ``scan`` and ``demo --scan``."""
    from . import report
    from .checks import REGISTRY
    from .scan import exit_code

    on_terminal = sys.stdout.isatty() and not args.output
    fmt = args.format or ("table" if on_terminal else "json")
    code = exit_code(results, args.fail_on, include_warn=args.fail_on_warn)
    width = shutil.get_terminal_size().columns if on_terminal else None
    text = report.render(results, fmt, width=width, fail_on=args.fail_on, include_warn=args.fail_on_warn, code=code)
    if args.output:
        from .files import write_private

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


# --- advisories, demo ----------------------------------------------------------------------------


def cmd_advisories(args) -> int:
    from datetime import datetime, timezone

    from . import advisories

    action = args.action or "info"
    if action == "update":
        from .osv_update import update

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


def _ask(prompt: str, out) -> str:
    out.write(safe(prompt, 400))
    out.flush()
    return input().strip()


def _confirm(confirmation, *, yes: bool, given: str | None = None, heading: str = "Changes:", out=None) -> bool:
    """Show what will change (what cannot be undone first) and ask, by the core's one confirmation policy.
    ``--yes`` answers a yes/no question and, with ``--confirm NAME``, an object's name; never a profile's.
    ``out`` is where the question goes (stderr when stdout carries a report). Each change is one line
    (server text through safe(): a newline in a name cannot start another)."""
    out = out or sys.stdout
    out.write("\n".join([heading] + [f"  {safe(line, 1000)}" for line in confirmation.lines]) + "\n")
    production = confirmation.needs_profile_name()
    name = confirmation.object_name()
    if yes and not production:
        if name is None or given == name:
            return True
        raise ConfigError(f"This cannot be undone: pass --confirm '{name}' with --yes, or run it on a terminal.")
    if sys.stdin is None or not sys.stdin.isatty():
        raise ConfigError("Confirmation needed: run this on a terminal" + ("" if production else ", or pass --yes") + ".")
    for typed in confirmation.typed:
        if _ask(f"{typed.prompt}: ", out) != typed.text:
            return False
    if confirmation.typed:
        return True
    return _ask("Apply? [y/N] ", out).lower() in ("y", "yes")


def _writable(profile: Profile, allow_write: bool) -> bool:
    if profile.default_read_only and not allow_write:
        raise ConfigError(f"Profile '{profile.name}' is read-only" + (" (tagged production)" if profile.production else "")
                          + ": nothing was sent.", hint="Pass --allow-write to unlock it for this command.")
    return True


def cmd_fix(args) -> int:
    from .checks import REGISTRY
    from .scan import scan_profile

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    check_id = args.check_id.upper()
    if check_id not in REGISTRY:
        raise ConfigError(f"Unknown check ID {check_id}. Known: {', '.join(sorted(REGISTRY))}.")
    _writable(profile, args.allow_write)
    store = _store(cfg)
    result = asyncio.run(scan_profile(profile, store, check_ids=[check_id]))
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


def _with_client(profile: Profile, store: SecretStore, work, *, allow_write: bool = False, session: bool = False):
    """Run ``work(client)`` on the profile's session (``work(session)`` with ``session=True``), in a registry
    closed at the end; ``allow_write`` unlocks a read-only profile for this command."""
    from .session import Sessions, WritePolicy

    policy = WritePolicy()
    if allow_write:
        policy.unlock(profile)

    async def run():
        async with Sessions(store, policy=policy) as sessions:
            own = sessions.get(profile)
            return await work(own if session else await own.ready())

    return asyncio.run(run())


def _confirm_and_apply(args, profile: Profile, store: SecretStore, plan, *, source: str, title: str = "") -> int:
    """Show the plan (what cannot be undone first), ask, then apply it through the write engine."""
    from . import confirmation, engine

    if not plan.steps:
        print(f"Nothing to change on {safe(profile.name, 60)}: the server already has the wanted values.")
        return EXIT_OK
    key_file = getattr(args, "key_file", None)
    if plan.reveals_secret and not key_file and not sys.stdout.isatty():
        raise ConfigError("This change creates a secret that is shown once: pass --key-file PATH, or run this on a "
                          "terminal.")
    asked = confirmation.for_plan(profile, plan, unlocked=args.allow_write, title=title)
    if title:
        print(safe(title, 400))
    if not _confirm(asked, yes=args.yes, given=getattr(args, "confirm", None)):
        print("Nothing was sent.")
        return EXIT_OK
    read_only = profile.default_read_only and not args.allow_write
    outcome = _with_client(profile, store, lambda client: engine.apply(client, plan, read_only=read_only,
                                                                        source=source), allow_write=args.allow_write)
    if key_file and plan.secrets:
        from .files import write_private

        # one key: the file holds it alone; several (a containment group): one "name<TAB>key" line each
        keys = list(plan.secrets.items())
        write_private(key_file, keys[0][1] + "\n" if len(keys) == 1 else "".join(f"{n}\t{k}\n" for n, k in keys))
        print(f"The new {', '.join(safe(n, 120) for n, _ in keys)} {'is' if len(keys) == 1 else 'are'} in {key_file} "
              "(mode 0600). It is not shown again.")
    for name, key in [] if key_file else plan.secrets.items():
        sys.stdout.write(f"New {safe(name, 120)} (shown once, copy it now):\n{key}\n")
    plan.secrets.clear()
    for warning in outcome.warnings:
        _err(f"Warning: {warning}")
    if plan.undo_of is not None:
        print(f"Undone and verified. Journal entry {outcome.ref}.")
        return EXIT_OK
    kept = sum(1 for s in plan.steps if not s.target.undoable)
    undo = (" (cannot be undone)" if kept == len(plan.steps) else
            f"; undo with: strapi-console journal undo {profile.name} {outcome.ref}"
            + (f" (all but the {kept} step(s) that cannot be undone)" if kept else ""))
    group = f" (a group of {len(outcome.entries)} changes)" if len(outcome.entries) > 1 else ""
    print(f"Applied and verified. Journal entry {outcome.ref}{group}{undo}")
    return EXIT_OK


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

    from .audit.community import CANNOT_SEE
    from .audit.filters import compile_filter
    from .audit.tail import Tail

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


def cmd_triage(args) -> int:
    from datetime import datetime, timedelta, timezone

    from . import triage

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
        from .files import write_private

        write_private(args.output, text)
        print(f"Wrote the triage of {profile.name} ({len(found.events)} events) to {args.output}.")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_contain(args) -> int:
    from .containment_cli import run_contain

    return run_contain(args, load_config=_load_config, store=_store, with_client=_with_client,
                       confirm_and_apply=_confirm_and_apply, writable=_writable, err=_err)


def cmd_webhooks(args) -> int:
    from urllib.parse import urlsplit

    from .shared_reads import no_memo, webhooks
    from .targets import webhook_plan

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
    from . import targets, tokens

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
    from . import engine, journal

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
    from . import admin_roles, baselines

    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)

    def read(prof, role_name):
        return _with_client(prof, store, lambda client: baselines.find_role(client, role_name, admin=args.admin))

    if args.action == "export":
        role = read(profile, args.role)
        text = json.dumps(baselines.export(role, profile.name), indent=2) + "\n"
        if args.output:
            from .files import write_private

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


def cmd_demo(args, open_tui: OpenTUI | None) -> int:
    from .demo import run_demo

    if not args.scan and (args.format or args.output or args.fail_on_warn or args.fail_on != "high"):
        raise ConfigError("--format, --output and --fail-on shape the report of `demo --scan`: add --scan.")

    def scan_demo(profile: Profile, store: SecretStore, cfg: Config) -> int:
        from .scan import scan_profiles

        results = asyncio.run(scan_profiles([profile], store, advisory_max_age_days=cfg.advisory_max_age_days))
        with _safe_output():
            return report_scan(results, args)

    return run_demo(args, open_tui, scan=scan_demo)


class _safe_output:
    """For a command's run, standard output and error escape every terminal-active character, under the
    per-value ``safe()`` calls: whatever a server sent, and wherever a print forgot it, no escape
    sequence reaches the terminal (or a CI log). JSON output is unchanged: it is already escaped."""

    def __enter__(self) -> None:
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)

    def __exit__(self, *exc) -> None:
        sys.stdout, sys.stderr = self._saved


def main(argv: list[str] | None = None, *, open_tui: OpenTUI | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "tui"):
            if open_tui is None:
                raise ConfigError("The TUI is not installed with this entry point.",
                                  hint="Run the `strapi-console` command installed by pip.")
            cfg = _load_config(args)
            return open_tui(config=cfg, only=getattr(args, "names", None) or None)
        handler = {"profile": cmd_profile, "login": cmd_login, "logout": cmd_logout, "scan": cmd_scan,
                   "advisories": cmd_advisories, "fix": cmd_fix, "journal": cmd_journal,
                   "permissions": cmd_permissions, "tokens": cmd_tokens, "webhooks": cmd_webhooks,
                   "tail": cmd_tail, "triage": cmd_triage, "contain": cmd_contain}.get(args.command)
        if args.command == "demo":
            return cmd_demo(args, open_tui)
        with _safe_output():
            return handler(args)
    except KeyboardInterrupt:
        _err(f"{Interrupted.title}: stopped by Ctrl-C.")
        return EXIT_INTERRUPTED
    except ConsoleError as exc:
        _err(str(exc))
        return EXIT_USAGE if args.command != "scan" or isinstance(exc, ConfigError) else EXIT_INCOMPLETE
    except Exception as exc:  # the last line of defence: never a raw traceback with secrets in it
        _err(f"Unexpected internal error: {type(exc).__name__}: {redact_text(str(exc))}. "
             "Please report it (the message above has secrets redacted).")
        if os.environ.get("STRAPI_CONSOLE_DEBUG"):
            import traceback

            _err(redact_text(traceback.format_exc()))
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
