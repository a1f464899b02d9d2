"""Profiles and signing in: `profile add|list|show|remove`, `login`, `logout`."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Any

from .. import config as config_mod
from ..config import Profile
from ..display import safe
from ..errors import ConfigError, ConsoleError
from ..secrets import SecretStore

from .common import EXIT_OK, EXIT_USAGE, _err, _load_config, _read_secret_stdin, _store, _with_client


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
def cmd_login(args) -> int:
    cfg = _load_config(args)
    profile = cfg.get(args.name)
    store = _store(cfg)
    store.check_keyring()  # say it before asking for a password, not after
    if profile.is_plain_http and not profile.is_loopback:
        _err(f"Warning: {profile.url} is plain HTTP: the password crosses the network unencrypted.")
    from ..session import sign_in_summary

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
