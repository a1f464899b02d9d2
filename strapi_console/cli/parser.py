"""The command line's grammar: every command, its arguments and their help."""

from __future__ import annotations

import argparse

from .. import __version__

from .common import _Parser, _positive


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
    scan.add_argument("--workers", type=_positive(int), default=None, metavar="N",
                      help="processes that scan a large fleet, this one included (default: one per CPU past 64 "
                           "profiles; 1: this process only; at most 32)")
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
    from ..containment_cli import add_contain_parser

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
def _destructive_options(parser) -> None:
    parser.add_argument("--confirm", metavar="TEXT", help="with --yes: the text a deletion or regeneration asks "
                        "you to type (the token's name), for scripts")
    parser.add_argument("--key-file", metavar="PATH", help="write a regenerated key to this file (mode 0600) "
                        "instead of the terminal")
