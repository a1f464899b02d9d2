"""The event loop the console's headless work runs on: uvloop where it is installed, else asyncio's own.

Why: in a fleet scan the event loop itself (its ready queue, handles, socket reads and writes, timers) was
about a third of the console's CPU once the HTTP stack was its own; uvloop, the libuv-based loop of the
asyncio ecosystem, does the same work in C. Measured side by side on 100 replayed servers: 17.4-19.1 ->
13.8-15.7 ms of console CPU per server. It is a dependency on every platform it is built for (not Windows);
``STRAPI_CONSOLE_LOOP=asyncio`` chooses asyncio's loop anyway (to compare, or should uvloop ever misbehave).
The TUI keeps Textual's loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What makes a new loop: uvloop's when it is installed and not declined, else None (asyncio's)."""
    if os.environ.get("STRAPI_CONSOLE_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def name() -> str:
    return "uvloop" if factory() is not None else "asyncio"


def run(main: Coroutine[Any, Any, T]) -> T:
    """:func:`asyncio.run` on the loop :func:`factory` makes. The standard streams leave it in the blocking
    mode they entered with: libuv can leave them non-blocking (uvloop issues #460, #712), and a report printed
    after the scan was then cut at the pipe's size (CI saw a JSON report end at 128 KB)."""
    modes = {}
    for fd in (0, 1, 2):
        try:
            modes[fd] = os.get_blocking(fd)
        except OSError:
            pass
    try:
        with asyncio.Runner(loop_factory=factory()) as runner:
            return runner.run(main)
    finally:
        for fd, blocking in modes.items():
            try:
                os.set_blocking(fd, blocking)
            except OSError:
                pass
