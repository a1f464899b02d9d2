"""``strapi-console demo``: a real, deliberately insecure Strapi 5 on loopback, signed in, in the console.

Installs the bundled project into the user cache (once), starts it on a free port with a throwaway
database and the template's default secrets, creates the first admin with a random password, saves a
``demo`` profile signed in, and opens the TUI. Quitting stops the server and forgets the demo session.

Headless: ``--no-tui`` keeps the server up until Ctrl-C (another terminal's ``scan demo`` uses the session
through the keyring); ``--scan`` scans it in this process, prints the report and stops. Without a keyring
the session exists only in this process's memory (it is never written anywhere else), so ``--scan`` is
the way to a signed-in scan there, and the demo says so instead of suggesting a ``login`` that cannot work
(the password is random and never shown).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from . import config as config_mod
from .client import StrapiClient, register_first_admin
from .config import DEMO_TAG, Profile
from .errors import ConfigError
from .secrets import SecretStore
from .strapi_server import StrapiServer, demo_project_dir, install

DEMO_PROFILE = "demo"
MAX_DEMO_NAMES = 9  # demo, demo-2 … demo-9
DEMO_EMAIL = "demo-admin@strapi-console.invalid"


def random_password() -> str:
    # Strapi wants 8+ characters with upper case, lower case and a digit.
    return f"Demo-{secrets.token_urlsafe(15)}-a1B"


def demo_profile_name(cfg) -> str:
    """A profile name the demo may create and delete: never one of the operator's own profiles."""
    for n in range(1, MAX_DEMO_NAMES + 1):
        name = DEMO_PROFILE if n == 1 else f"{DEMO_PROFILE}-{n}"
        if name not in cfg.profiles:
            return name
    raise ConfigError(f"Profiles {DEMO_PROFILE} to {DEMO_PROFILE}-{MAX_DEMO_NAMES} all exist in {cfg.path}: the demo "
                      "will not overwrite one of your profiles.", hint="Remove one you no longer need.")


def console_command() -> str:
    """How to run this console from another terminal: ``strapi-console`` when that name on PATH is this
    installation, else the script's full path (the Quick start installs it in .venv, not on PATH)."""
    here = Path(sys.executable).parent / "strapi-console"
    on_path = shutil.which("strapi-console")
    if on_path and (not here.exists() or Path(on_path).resolve() == here.resolve()):
        return "strapi-console"
    return str(here) if here.exists() else "strapi-console"


def run_demo(args, open_tui, scan=None) -> int:
    """``scan(profile, store, cfg) -> exit code``: the headless scan ``--scan`` runs (the CLI passes it in)."""
    cfg = config_mod.load(args.config)
    name = demo_profile_name(cfg)  # before anything starts: a refusal leaves nothing behind
    if name != DEMO_PROFILE:
        print(f"Note: you have a profile named '{DEMO_PROFILE}'; the demo uses '{name}' and leaves yours alone.",
              file=sys.stderr)
    store = SecretStore.for_config(cfg)
    headless = args.no_tui or getattr(args, "scan", False) or open_tui is None
    problem = store.keyring_problem()
    if problem is not None:
        print(f"Note: {problem.message.split(' Choices:')[0]} The demo keeps its token in memory for this "
              "session only" + (", so only this process can scan signed in: `demo --no-tui --scan` does that."
                                if headless and not getattr(args, "scan", False) else "."), file=sys.stderr)
        store.use_memory()
    app_dir = install(demo_project_dir(), log=lambda m: print(m, file=sys.stderr))
    workdir = Path(tempfile.mkdtemp(prefix="strapi-console-demo-"))
    print("Starting the demo Strapi server…", file=sys.stderr)
    server = StrapiServer.start(app_dir, secrets="default", workdir=workdir, die_with_parent=True)
    # a closed terminal (SIGHUP) or a kill (SIGTERM) still runs the clean-up below
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _exit_on_signal)
    try:
        profile = Profile(name=name, url=server.url, email=DEMO_EMAIL, tags=["development", DEMO_TAG],
                          read_only=False)
        cfg.add(profile)  # a free name: never one of the operator's profiles
        config_mod.save(cfg)

        async def setup() -> None:
            async def save(creds):
                await asyncio.to_thread(store.set, profile.name, creds)

            async with StrapiClient(profile, on_credentials=save) as client:
                await register_first_admin(client, DEMO_EMAIL, random_password(), firstname="Demo")

        asyncio.run(setup())
        where = "memory (this session only)" if store.memory_only else f"the keyring ({store.backend_name})"
        print(f"Demo Strapi 5 running at {server.url} (log: {server.log_path}); profile '{name}' is signed in, "
              f"token in {where}.", file=sys.stderr)
        if getattr(args, "scan", False) and scan is not None:
            print("Scanning the demo server…", file=sys.stderr)
            return scan(profile, store, cfg)
        if headless:
            command = console_command()
            if store.memory_only:
                hint = (f"No keyring here, so the session is only in this process: `{command} scan {name}` from "
                        f"another terminal would run without it. For a signed-in scan: `{command} demo --no-tui "
                        "--scan`.")
            else:
                hint = f"Try `{command} scan {name}` in another terminal."
            print(f"Ready: {server.url}. {hint} Ctrl-C stops it.", flush=True)
            _wait_for_interrupt()
            return 0
        return open_tui(config=cfg, store=store, only=None)
    finally:
        server.stop()
        try:
            cfg = config_mod.load(args.config)
            if name in cfg.profiles and cfg.profiles[name].url == server.url:  # still the demo's own
                store.delete(name)
                cfg.remove(name)
                config_mod.save(cfg)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print("Demo server stopped; the demo profile and its session are gone.", file=sys.stderr)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
