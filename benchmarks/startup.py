"""Start-up: launch to the first painted frame of the server list, against a minimal Textual app.

    python benchmarks/startup.py [--runs 7]

Each measurement is a fresh Python process (imports included) running headless until its first frame
is painted: it prints the wall-clock time then and exits at once, so what runs after the first frame (the
first scan's imports, the panels' preload, in threads the interpreter would wait for) and the shutdown are
not counted; the two are timed side by side, alternating, and the medians compared. The console's modules
are compiled to bytecode first, as an install has them (Textual's are, in site-packages; see bytecode.py).
Goal: at most 1.5 times the minimal app.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_console

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
from textual.app import App
from textual.widgets import Static

import os, time

def first_frame():
    print(time.time(), flush=True)
    os._exit(0)

class Minimal(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(first_frame)

Minimal().run(headless=True)
"""

CONSOLE = """
import sys
sys.path.insert(0, {root!r})
from screens.app import StrapiConsoleApp
from strapi_console import config

import os, time

def first_frame():
    print(time.time(), flush=True)
    os._exit(0)

class FirstFrame(StrapiConsoleApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(first_frame)

FirstFrame(config=config.load()).run(headless=True)
"""


def measure(code: str, env: dict) -> float:
    started = time.time()
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                          timeout=60)
    return float(done.stdout.strip().splitlines()[-1]) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state")}
    compile_console()  # as installed: see bytecode.py
    console_code = CONSOLE.format(root=str(ROOT))
    measure(MINIMAL, env)  # warm the file cache for both
    measure(console_code, env)
    minimal, console = [], []
    for _ in range(args.runs):
        minimal.append(measure(MINIMAL, env))
        console.append(measure(console_code, env))
    m, c = statistics.median(minimal), statistics.median(console)
    print(f"start-up to the first frame: strapi-console {c * 1000:.0f} ms, minimal Textual app {m * 1000:.0f} ms "
          f"(medians of {args.runs}): ratio {c / m:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
