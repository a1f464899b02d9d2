"""Two processes, one profile, for minutes: CLI `scan` / `tail --once` subprocesses in a loop while this
process reads through the same session, against a real Strapi 5 whose access tokens live 8 seconds
(the refresh cookie rotates every few seconds). Counts sign-outs (each would open the TUI's password
prompt) and where the renewals happened.

With ``--tui`` this process is the real TUI instead (headless, driven by keys): panel 4's audit tail live,
panel 3 open on the Public role and reloaded with r, the fleet rescanned with R, and every sign-out state,
failed load, error toast and password prompt counted (tests/tui_soak.py).

    .venv/bin/python benchmarks/session_sharing.py               # 2 minutes
    .venv/bin/python benchmarks/session_sharing.py --minutes 5
    .venv/bin/python benchmarks/session_sharing.py --tui         # the TUI and the CLI, 2 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the soak is shared with the bounded test


async def run(minutes: float, lifetime: int, tui: bool) -> dict:
    import conftest  # first: it notes the real cache dir, where the Strapi project is installed once
    from sessions_soak import soak
    from tui_soak import tui_soak

    home = Path(tempfile.mkdtemp(prefix="strapi-console-bench-sessions-"))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_STATE_HOME", "state")):
        (home / sub).mkdir()
        os.environ[var] = str(home / sub)
    for var in ("STRAPI_CONSOLE_GITHUB_API", "STRAPI_CONSOLE_OSV_API"):  # offline, as the CLI side is (cli_env)
        os.environ[var] = conftest.OFFLINE_URL

    from strapi_console.strapi_server import demo_project_dir

    app_dir = await asyncio.to_thread(conftest._install, demo_project_dir())
    target = await asyncio.to_thread(conftest._start, app_dir, 5, secrets="random", workdir=home / "srv",
                                     env={"ADMIN_ACCESS_TOKEN_LIFESPAN": str(lifetime)})
    try:
        email, password = await asyncio.to_thread(target.new_admin)
        started = time.monotonic()
        if tui:
            result = await tui_soak(home, target.url, email, password, seconds=minutes * 60, lifetime=lifetime)
        else:
            result = await soak(home, target.url, email, password, seconds=minutes * 60, lifetime=lifetime)
        took = time.monotonic() - started
    finally:
        target.server.stop()
        shutil.rmtree(home, ignore_errors=True)
    if tui:
        return result.numbers(lifetime)
    scans = [c for c in result.cli if c[0] == "scan"]
    tails = [c for c in result.cli if c[0] == "tail"]
    return {"seconds": took, "lifetimes": took / lifetime, "scans": len(scans), "tails": len(tails),
            "reads here": result.requests, "cli signed out": len(result.cli_signed_out),
            "signed out here": len(result.signed_out), "password prompts": result.asks_to_sign_in,
            "renewed here": result.renewed_here, "renewed by subprocesses (seen)": result.renewed_elsewhere,
            "first failure": (result.cli_signed_out or [("", "", "")])[0][2] or (result.signed_out or [""])[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--lifetime", type=int, default=8, help="access token lifetime on the server, seconds")
    parser.add_argument("--tui", action="store_true", help="the real TUI in this process (tail, panel 3, rescans)")
    args = parser.parse_args()
    stats = asyncio.run(run(args.minutes, args.lifetime, args.tui))
    for key, value in stats.items():
        print(f"{key:<32} {value:.1f}" if isinstance(value, float) else f"{key:<32} {value}")
    problems = [stats[k] for k in ("password prompts", "signed out (tui)", "signed out (cli)") if k in stats]
    return 1 if any(problems) else 0


if __name__ == "__main__":
    sys.exit(main())
