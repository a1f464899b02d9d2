"""``strapi-console demo``: a real, deliberately insecure Strapi 5 on loopback, signed in, in the console.

Installs the bundled project into the user cache (once), starts it on a free port with a throwaway
database and the template's default secrets, creates the first admin with a random password, saves a
``demo`` profile signed in, and opens the TUI. Quitting stops the server and forgets the demo session.
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
from .config import Profile
from .secrets import SecretStore
from .strapi_server import StrapiServer, demo_project_dir, install

DEMO_PROFILE = "demo"
DEMO_EMAIL = "demo-admin@strapi-console.invalid"


def random_password() -> str:
    # Strapi wants 8+ characters with upper case, lower case and a digit.
    return f"Demo-{secrets.token_urlsafe(15)}-a1B"


def run_demo(args, open_tui) -> int:
    cfg = config_mod.load(args.config)
    store = SecretStore.for_config(cfg)
    problem = store.keyring_problem()
    if problem is not None:
        print(f"Note: {problem.message.split(' Choices:')[0]} The demo keeps its token in memory for this "
              "session only.", file=sys.stderr)
        store.use_memory()
    app_dir = install(demo_project_dir(), log=lambda m: print(m, file=sys.stderr))
    workdir = Path(tempfile.mkdtemp(prefix="strapi-console-demo-"))
    print("Starting the demo Strapi server…", file=sys.stderr)
    server = StrapiServer.start(app_dir, secrets="default", workdir=workdir, die_with_parent=True)
    # a closed terminal (SIGHUP) or a kill (SIGTERM) still runs the clean-up below
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _exit_on_signal)
    try:
        profile = Profile(name=DEMO_PROFILE, url=server.url, email=DEMO_EMAIL, tags=["development"], read_only=False)
        cfg.add(profile, replace=True)
        config_mod.save(cfg)

        async def setup() -> None:
            async def save(creds):
                await asyncio.to_thread(store.set, profile.name, creds)

            async with StrapiClient(profile, on_credentials=save) as client:
                await register_first_admin(client, DEMO_EMAIL, random_password(), firstname="Demo")

        asyncio.run(setup())
        where = "memory (this session only)" if store.memory_only else f"the keyring ({store.backend_name})"
        print(f"Demo Strapi 5 running at {server.url} (log: {server.log_path}); profile 'demo' is signed in, "
              f"token in {where}.", file=sys.stderr)
        if args.no_tui or open_tui is None:
            print(f"Ready: {server.url}. Try `strapi-console scan demo` in another terminal. Ctrl-C stops it.",
                  flush=True)
            _wait_for_interrupt()
            return 0
        return open_tui(config=cfg, store=store, only=None)
    finally:
        server.stop()
        try:
            store.delete(DEMO_PROFILE)
            cfg = config_mod.load(args.config)
            if DEMO_PROFILE in cfg.profiles and cfg.profiles[DEMO_PROFILE].url == server.url:
                cfg.remove(DEMO_PROFILE)
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
