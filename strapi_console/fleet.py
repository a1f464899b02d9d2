"""A large fleet spread over worker processes, one event loop each, the results merged in the original order.

One Python process scans a server with about 25 ms of CPU over HTTP/1.1 (35-40 over TLS; see the README's
benchmarks): past a few dozen servers at once a fleet scan waits for that one core, not for the network,
and one process scans at most FLEET_CONCURRENCY (64) servers at a time, so a larger fleet in one process
waits for a second wave. With more servers than :data:`WORKERS_FROM` and more than one CPU, the profiles are
split into shares, one per CPU: this process scans the first (it has everything imported already), a
worker process each other one (started with ``spawn``: no fork of a process that may hold threads), each
with the same :func:`~strapi_console.scan.scan_profiles` on its own event loop.

What stays as it was in one process:

- **Secrets**: a worker reads the keyring itself (its store is rebuilt from the store's mode, never from
  its contents); nothing secret goes through a process's arguments or pipe. Each result is redacted by the
  worker that knows the secrets (the parent never loaded them) before it is sent.
- **The per-host cap** (6 requests at a time per scheme, host and port, shared by every profile of one
  server): profiles that share a server, by their URL or their public URL, go to the same worker.
- **Budgets and deadlines**: each server's own, enforced where it is scanned.
- **Isolation**: a worker that dies or stops answering costs its own unfinished servers, each reported as
  an error with the reason (the scan is then incomplete, exit code 4 unless findings decide 5), never the
  others' results.
- **Progress**: workers report servers done and running; the parent adds them up for the one status line.

A store that must stay in this process (memory mode holding credentials, a keyring that asks for its own
password on the terminal) keeps the scan in one process, as does a test transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import multiprocessing
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

from . import loops
from .config import Profile
from .secrets import SecretStore

# More profiles than this (and more than one CPU): worker processes. A worker's start costs 0.3-0.5 s of CPU
# over HTTP/1.1, more over TLS (the interpreter, the imports, a first scan's cold caches) and each result it
# sends back about 4 ms (redacted, pickled, read), while a server's scan costs about 25 ms. Measured on the
# replay benchmark (2 shared CPUs, HTTP/1.1): one process was faster at 50 servers (1.47 s vs 1.76 s), as
# fast at 64 (2.0-2.1 s both), and slower at 80 (3.3 s vs 2.3 s), where it needs a second wave: so workers
# begin where one process stops scanning everything at once.
WORKERS_FROM = 64
# A worker scans nothing for its first ~0.3 s (a new interpreter and the console's imports), while this
# process scans at once: its share is larger by what it scans in that time, ~20 ms of CPU a server.
# Measured on 100 servers with an even split: this process's share was done ~0.4 s before the worker's.
PARENT_LEAD = 12
MAX_WORKERS = 32  # processes at most, whatever --workers asks: each costs 0.3-0.9 s of CPU and two descriptors
HEARTBEAT = 0.5  # seconds between a worker's progress reports (it sends one even when nothing changed)
STOP_GRACE = 5.0  # seconds a worker asked to stop (SIGTERM) has to end before it is killed
SILENT_LIMIT = 120.0  # a worker that reports nothing for this long is stopped: its unfinished servers fail
# The cyclic garbage collector's thresholds during a fleet scan. With the default (700, 10, 10), a scan of
# 100 servers at once spent about 30% of its CPU in collections (5.7 s of 300 server scans, 20 ms a server,
# most of it full collections walking every live object of every scan in flight); nearly everything a scan
# allocates is freed by reference counting, so collecting every 700 allocations finds little. With these,
# 1.2 s (measured with gc.callbacks on the replay benchmark).
SCAN_GC_THRESHOLDS = (50_000, 20, 100)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity, where the system says), at least 1."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def host_key(url: str) -> tuple:
    """The server a URL reaches (scheme, host, port), as the per-host cap counts it; a URL that does not
    parse (the scan reports it) is its own server."""
    from .http import _origin

    try:
        return _origin(url)
    except ValueError:
        return ("", url, None)


def shares(profiles: list[Profile], workers: int, lead: int = 0) -> list[list[int]]:
    """Profile indices split into at most ``workers`` shares, each in the original order. Profiles linked by
    a server (their URL's or public URL's scheme, host and port) land in one share, so the per-host cap,
    kept per process, still covers every request to that server. Groups go largest first to the emptiest
    share, the first one (this process's) counted as ``lead`` profiles emptier than it is."""
    parent = list(range(len(profiles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, p in enumerate(profiles):
        for url in filter(None, (p.url, p.public_url)):
            key = host_key(url)
            if key in first:
                parent[root(i)] = root(first[key])
            else:
                first[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(profiles)):
        groups.setdefault(root(i), []).append(i)
    out: list[list[int]] = [[] for _ in range(max(1, min(workers, len(groups))))]
    first = out[0]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(out, key=lambda share: len(share) - lead if share is first else len(share)).extend(group)
    return [sorted(share) for share in out if share]


def why_one_process(profiles: list[Profile], store: SecretStore) -> str | None:
    """Why this scan must stay in this process, or None when workers can do it."""
    if store.memory_only:
        if any(store.holds_in_memory(p.name) for p in profiles):
            return "the credentials are kept in this process's memory only"
        return None
    try:
        status = store.status()
    except Exception:  # noqa: BLE001 - a keyring that cannot even say what it is: the one-process path reports it
        return "the keyring could not be inspected"
    if status.prompts:
        return "the keyring asks for its own password, on one terminal"
    return None


def worker_count(profiles: list[Profile], store: SecretStore, requested: int | None = None) -> int:
    """How many processes scan ``profiles``, this one included: 1 means this process does it all."""
    if requested is None:
        if len(profiles) <= WORKERS_FROM:
            return 1
        requested = available_cpus()
    requested = min(requested, MAX_WORKERS)
    if requested <= 1 or len(profiles) < 2 or why_one_process(profiles, store):
        return 1
    return len(shares(profiles, requested))


def scan_fleet(profiles: list[Profile], store: SecretStore, *, workers: int | None = None,
               progress: Callable[[Any], None] | None = None, **kw) -> list:
    """Every profile scanned, by worker processes beside this one when the fleet is large (``workers``: the
    processes, this one included; None decides by the fleet's size and the CPUs, 1 forces this process).
    Results in the order of ``profiles``, like :func:`~strapi_console.scan.scan_profiles`, which this is
    for a synchronous caller (the CLI)."""
    from .scan import scan_profiles

    # a test transport or a caller's sessions (which hold credentials) never leave this process
    stays = kw.get("transport") is not None or kw.get("sessions") is not None
    count = 1 if stays else worker_count(profiles, store, workers)
    with fewer_collections():
        if count <= 1:
            return loops.run(scan_profiles(profiles, store, progress=progress, **kw))
        # the lead at most a quarter of an even share: a small fleet forced into workers keeps them busy
        lead = min(PARENT_LEAD, len(profiles) // count // 4)
        return _Pool(profiles, store, shares(profiles, count, lead), progress, kw).run()


@contextlib.contextmanager
def fewer_collections():
    """The garbage collector's thresholds raised for the length of a fleet scan (see SCAN_GC_THRESHOLDS),
    then put back: the CLI's scan only (a TUI keeps the defaults, where a long collection is a late frame)."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, SCAN_GC_THRESHOLDS)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


# --- the parent ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Worker:
    share: list[int]
    process: Any
    conn: Any
    heard: float
    done: int = 0
    running: dict[str, float] = dataclasses.field(default_factory=dict)  # name → parent's monotonic start
    failure: str | None = None
    over: bool = False


class _Pool:
    """This process scans the first share on its own event loop (it has imported everything already: a
    worker's start costs 0.6-0.9 s of CPU) while one worker process scans each other share; the
    workers' pipes are read on the same loop as their messages arrive."""

    def __init__(self, profiles: list[Profile], store: SecretStore, split: list[list[int]], progress, kw: dict):
        from .scan import FleetProgress

        self.profiles = profiles
        self.store = store
        self.split = split
        self.progress = progress
        self.kw = kw
        self.state = FleetProgress(len(profiles))
        self.results: list = [None] * len(profiles)
        self.workers: list[_Worker] = []
        self.own_running: dict[str, float] = {}
        self.all_over: asyncio.Event | None = None

    def run(self) -> list:
        ctx = multiprocessing.get_context("spawn")
        spec = {"mode": "memory" if self.store.memory_only else "keyring",
                "allow_plaintext": self.store.allow_plaintext}
        try:
            with _no_interrupt():  # a child started now inherits it: Ctrl-C before it is set up is no traceback
                for share in self.split[1:]:
                    ours, theirs = ctx.Pipe(duplex=False)
                    process = ctx.Process(target=worker_main, name="strapi-console-scan", daemon=True,
                                          args=(theirs, [self.profiles[i] for i in share], share, spec, self.kw))
                    process.start()
                    theirs.close()  # the worker's end: once it exits, reading ours says so (EOFError)
                    self.workers.append(_Worker(share, process, ours, time.monotonic()))
            loops.run(self._main(self.split[0]))
        finally:
            for w in self.workers:
                if not self._complete(w):  # one whose results are all in ends on its own (its sessions closing,
                    _stop(w.process)       # which a stop could cut short); a daemon, it never outlives us
                w.conn.close()
        return self.results

    async def _main(self, own: list[int]) -> None:
        from .scan import scan_profiles

        loop = asyncio.get_running_loop()
        self.all_over = asyncio.Event()
        if not self.workers:
            self.all_over.set()
        for w in self.workers:
            listen(loop, w.conn, self._read, w)

        def each(position: int, result) -> None:
            self.results[own[position]] = result

        def mine(state) -> None:
            self.own_running = dict(state.running)
            self._show()

        watch = asyncio.ensure_future(self._watch())
        try:
            await scan_profiles([self.profiles[i] for i in own], self.store, progress=mine, each=each, **self.kw)
            self.own_running = {}
            await self.all_over.wait()
        finally:
            watch.cancel()
            for w in self.workers:
                if not w.over:
                    loop.remove_reader(w.conn.fileno())
        self._show()

    async def _watch(self) -> None:
        """Twice a second: a worker silent for too long is stopped (its servers fail), the progress redrawn."""
        while True:
            now = time.monotonic()
            for w in self.workers:
                if not w.over and now - w.heard > SILENT_LIMIT:
                    w.failure = f"its worker process reported nothing for {SILENT_LIMIT:.0f} s and was stopped"
                    await asyncio.to_thread(_stop, w.process)
                    self._end(w)
            self._show()
            await asyncio.sleep(HEARTBEAT)

    def _read(self, w: _Worker) -> None:
        now = time.monotonic()
        try:
            while w.conn.poll():
                message = w.conn.recv()
                w.heard = now
                kind = message[0]
                if kind == "result":
                    _, index, result = message
                    if index in w.share and self.results[index] is None:
                        result.profile = self.profiles[index]  # the caller's own object, as in one process
                        self.results[index] = result
                elif kind == "progress":
                    _, w.done, running = message
                    w.running = {name: now - seconds for name, seconds in running.items()}
                elif kind == "failed":
                    w.failure = message[1]
            if self._complete(w):  # every result is in: the scan need not wait for its sessions to close
                self._end(w)
        except (EOFError, OSError):  # the worker exited (or died): what it sent is in, the rest failed
            self._end(w)
        self._show()

    def _complete(self, w: _Worker) -> bool:
        return all(self.results[i] is not None for i in w.share)

    def _end(self, w: _Worker) -> None:
        if w.over:
            return
        w.over, w.running = True, {}
        asyncio.get_running_loop().remove_reader(w.conn.fileno())
        if not self._complete(w):
            w.process.join(5)  # its exit code says why the rest is missing
            reason = w.failure or _exit_reason(w.process.exitcode)
            for i in w.share:
                if self.results[i] is None:
                    self.results[i] = lost(self.profiles[i], reason)
        if all(x.over for x in self.workers) and self.all_over is not None:
            self.all_over.set()

    def _show(self) -> None:
        self.state.done = sum(r is not None for r in self.results)
        self.state.running = dict(self.own_running)
        for w in self.workers:
            self.state.running.update(w.running)
        if self.progress:
            self.progress(self.state)


def listen(loop: asyncio.AbstractEventLoop, conn, callback: Callable[..., None], *args) -> None:
    """``callback(*args)`` whenever ``conn`` (a worker's pipe) has something to read. The pipe stays blocking:
    uvloop's ``add_reader`` makes a descriptor non-blocking, and a message that has only partly arrived (a
    result is often larger than the pipe's buffer) then failed ``Connection.recv`` half-way, which read as the
    worker's end and lost that server's result."""
    loop.add_reader(conn.fileno(), callback, *args)
    os.set_blocking(conn.fileno(), True)


@contextlib.contextmanager
def _no_interrupt():
    """SIGINT ignored in this process for a moment (the main thread only: elsewhere there is nothing to do)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _stop(process) -> None:
    """A worker stopped gently first: SIGTERM lets it finish a keyring write in flight (a renewed session
    half-written would sign the profile out), then SIGKILL if it has not ended within STOP_GRACE."""
    if process.is_alive():
        process.terminate()
    process.join(STOP_GRACE)
    if process.is_alive():
        process.kill()
        process.join(1)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its worker process was killed ({name}) before this server's scan finished"
    return f"its worker process ended (exit code {code}) before this server's scan finished"


def lost(profile: Profile, reason: str):
    """The result of a server whose worker process ended before sending it: an error, so the scan is
    reported incomplete."""
    from .scan import ServerResult

    return ServerResult(profile, False, error=f"Not scanned: {reason}.", unexpected=True).finish()


# --- the worker ----------------------------------------------------------------------------------------


def worker_main(conn, profiles: list[Profile], indices: list[int], store_spec: dict, kw: dict) -> None:
    """One worker: its share scanned on its own event loop; each result sent (redacted) as it ends, progress
    twice a second. Whatever happens is said through the pipe, never as a traceback on the shared stderr."""
    import signal

    # Ctrl-C reaches the whole process group: the parent says it once and stops the workers (SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def stopped(signum, frame) -> None:  # SIGTERM: unwind (asyncio.run waits for a keyring write in a thread)
        raise SystemExit(f"stopped by the scan (signal {signum})")

    signal.signal(signal.SIGTERM, stopped)
    try:
        from .redact import redact_text
        from .scan import scan_profiles

        store = SecretStore(store_spec["mode"], allow_plaintext=store_spec["allow_plaintext"])
        last = [0.0]

        def progress(state) -> None:
            now = time.monotonic()
            if now - last[0] >= HEARTBEAT or state.done == state.total:
                last[0] = now
                conn.send(("progress", state.done, {n: now - s for n, s in state.running.items()}))

        def each(position: int, result) -> None:
            try:
                message = ("result", indices[position], sealed(result))
                conn.send(message)
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:  # that server only
                conn.send(("result", indices[position], lost(result.profile, redact_text(
                    f"its result could not be sent from its worker process ({type(exc).__name__})"))))

        with fewer_collections():
            loops.run(scan_profiles(profiles, store, progress=progress, each=each, **kw))
    except BaseException as exc:  # noqa: BLE001 - the parent reports it as these servers' error
        from .redact import redact_text

        try:
            conn.send(("failed", redact_text(f"its worker process failed: {type(exc).__name__}: {exc}")[:500]))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()
    # All this process had to say is said and its loop is closed: it ends now, without the interpreter's
    # teardown (freeing every object of its scans took ~0.1 s, and the parent waits for the exit).
    sys.stderr.flush()
    os._exit(0)


def sealed(result):
    """A result made safe to leave the process that scanned it: every string redacted with the secrets this
    process registered (the parent never saw them), the applicable fix plans (live objects, never in a
    report) and the probes' exception left behind."""
    from .redact import redact_data, redact_text

    def text(value: str | None) -> str | None:
        return redact_text(value) if value else value

    findings = [dataclasses.replace(f, title=redact_text(f.title), reason=text(f.reason),
                                    evidence=redact_data(f.evidence), fix=redact_data(f.fix) if f.fix else f.fix,
                                    plan=None) for f in result.findings]
    info = dataclasses.replace(
        result.info, failure=None, error=text(result.info.error), information=redact_data(result.info.information),
        project_type=redact_data(result.info.project_type), health_header=text(result.info.health_header),
        powered_by=text(result.info.powered_by), anonymous_version=text(result.info.anonymous_version),
    ) if result.info else None
    return dataclasses.replace(result, findings=findings, info=info, error=text(result.error),
                               auth_error=text(result.auth_error), cut=text(result.cut))
