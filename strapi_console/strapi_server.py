"""Install and run a bundled Strapi project on loopback: the demo server, and the test suite's servers.

A project folder holds ``package.json`` and ``package-lock.json``; it is copied into the user cache dir
under a name derived from the lockfile hash and installed there with ``npm ci`` once, so later runs
(and later test sessions) reuse ``node_modules``. Each started server gets its own SQLite file, port
and log, and is stopped with its whole process group.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .errors import ConsoleError

SKIP_NAMES = {"node_modules", ".tmp", ".strapi", "dist", "build", ".cache", "__pycache__"}


class StrapiSetupError(ConsoleError):
    title = "Strapi server setup failed"


def demo_project_dir() -> Path:
    return Path(__file__).parent / "demo_project"


def lock_hash(project: Path) -> str:
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json", ".npmrc"):
        f = project / name
        if f.exists():
            h.update(name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _project_files_hash(project: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(project.rglob("*")):
        rel = f.relative_to(project)
        if f.is_file() and not (set(rel.parts) & SKIP_NAMES):
            h.update(str(rel).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def check_node() -> None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise StrapiSetupError(f"'{tool}' is not on PATH: the bundled Strapi server needs Node.js and npm.",
                                   hint="Install Node.js 22 LTS with npm (the bundled Strapi 5.54 declares Node 20-26, "
                                        "the demo project 20-24; Node 20 reached end of life on 2026-04-30).")


NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=info"]  # info: fetches and install scripts are logged
_NPM_RUN = re.compile(r"^npm info run (\S+) (\S+) (.*)$")
_NPM_DONE = re.compile(r"^(?:added|removed|changed|up to date)\b")
MAX_TRACKED_SCRIPTS = 256  # bound on what a (long) install log can make us remember


class NpmProgress:
    """What ``npm ci`` is doing, read from its info-level log: the phase (resolving, downloading, which install
    script runs: better-sqlite3 compiles from source for minutes), the time so far and the last line, so a
    long first install never looks like a hang."""

    def __init__(self) -> None:
        self.fetched = 0
        self.running: dict[str, None] = {}
        self.last = ""
        self.finished = False
        self._lock = threading.Lock()

    def feed(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        with self._lock:
            self.last = line
            run = _NPM_RUN.match(line)
            if run:
                key = f"{run[1]} ({run[2]})"
                if run[3].startswith("{"):
                    self.running.pop(key, None)
                elif len(self.running) < MAX_TRACKED_SCRIPTS:
                    self.running[key] = None
            elif line.startswith("npm http fetch"):
                self.fetched += 1
            elif _NPM_DONE.match(line):
                self.finished = True

    def phase(self) -> str:
        with self._lock:
            if self.finished:
                return "finishing"
            if self.running:
                names = list(self.running)
                more = f" and {len(names) - 2} more" if len(names) > 2 else ""
                return f"running install scripts: {', '.join(names[:2])}{more}"
            if self.fetched:
                return f"downloading packages ({self.fetched} fetched)"
            return "resolving the dependency tree"

    def status(self, elapsed: float) -> str:
        from .display import safe

        minutes, seconds = divmod(int(elapsed), 60)
        last = f" — {safe(self.last, 160)}" if self.last else ""
        return f"npm ci {minutes}m{seconds:02d}s: {self.phase()}{last}"


def terminal_progress(stream=None, *, every: float = 30.0):
    """A progress reporter for ``install``: on a terminal one line rewritten in place every second (cut to the
    terminal's width); elsewhere (a CI log, a pipe) a line every ``every`` seconds."""
    stream = stream or sys.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()
    state: dict[str, float | None] = {"last": None}  # the first report is always written

    def report(text: str, *, final: bool = False) -> None:
        if tty:
            width = shutil.get_terminal_size().columns
            stream.write("\r\x1b[K" + (text if len(text) < width else text[:max(width - 2, 1)] + "…")
                         + ("\n" if final else ""))
            stream.flush()
        elif final or state["last"] is None or time.monotonic() - state["last"] >= every:
            state["last"] = time.monotonic()
            stream.write(text + "\n")
            stream.flush()

    return report


def install(project: Path, *, log=print, progress=None, tick: float = 1.0) -> Path:
    """Copy the project into the cache (keyed by its lockfile) and run ``npm ci`` there once.

    ``progress(text, final=False)`` is called every ``tick`` seconds while npm runs, with the phase, the time
    so far and npm's last line (default: :func:`terminal_progress` on stderr)."""
    check_node()
    base = paths.cache_dir() / "strapi-projects"
    base.mkdir(parents=True, exist_ok=True)
    target = base / f"{project.name}-{lock_hash(project)}"
    with open(base / f".{target.name}.lock", "w") as lockfile:
        fcntl.flock(lockfile, fcntl.LOCK_EX)  # two test runs or demos must not install into one folder at once
        _sync_sources(project, target)
        marker = target / ".installed"
        if not marker.exists():
            log(f"Installing the Strapi project into {target} (npm ci, once: 5-10 minutes the first time, most of "
                "it compiling better-sqlite3; progress below, full log in npm-install.log)…")
            npm_log = target / "npm-install.log"
            returncode = _run_npm_ci(target, npm_log, progress or terminal_progress(), tick)
            if returncode != 0:
                tail = npm_log.read_text(errors="replace")[-2000:]
                raise StrapiSetupError(f"npm ci failed in {target} (exit {returncode}). Last lines:\n{tail}",
                                       hint=f"Full log: {npm_log}")
            marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return target


def _run_npm_ci(target: Path, npm_log: Path, progress, tick: float) -> int:
    """``npm ci`` with its output copied to ``npm_log`` line by line and ``progress`` told what it does."""
    state = NpmProgress()
    start = time.monotonic()
    with npm_log.open("w") as out:
        proc = subprocess.Popen(NPM_CI, cwd=target, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace")

        def pump() -> None:
            for line in proc.stdout:
                out.write(line)
                state.feed(line)

        reader = threading.Thread(target=pump, name="npm-ci-output", daemon=True)
        reader.start()
        try:
            while True:
                try:
                    proc.wait(timeout=tick)
                    break
                except subprocess.TimeoutExpired:
                    progress(state.status(time.monotonic() - start))
        except BaseException:  # Ctrl-C: stop npm too, the marker is not written so the next run starts over
            proc.kill()
            proc.wait()
            raise
        reader.join(timeout=10)
    progress(state.status(time.monotonic() - start) + (" — done" if proc.returncode == 0 else " — failed"),
             final=True)
    return proc.returncode


def _sync_sources(project: Path, target: Path) -> None:
    """Copy the project's own files (never node_modules) when they differ from the cached copy."""
    stamp = target / ".sources"
    digest = _project_files_hash(project)
    if stamp.exists() and stamp.read_text() == digest:
        return
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config", "src", "public", "database"):
        if (target / name).exists():
            shutil.rmtree(target / name)
    for item in project.iterdir():
        if item.name in SKIP_NAMES:
            continue
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest, ignore=shutil.ignore_patterns(*SKIP_NAMES), dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)
    (target / "public" / "uploads").mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def random_secret() -> str:
    import base64
    import secrets

    return base64.b64encode(secrets.token_bytes(24)).decode()


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent goes (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the demo still stops the server on a normal exit


@dataclass
class StrapiServer:
    """A running Strapi process on 127.0.0.1 with its own database and log."""

    app_dir: Path
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "strapi.log"

    @classmethod
    def start(cls, app_dir: Path, *, secrets: str = "random", env: dict[str, str] | None = None,
              port: int | None = None, workdir: Path | None = None, timeout: float = 180.0,
              die_with_parent: bool = False) -> "StrapiServer":
        """Start Strapi. ``secrets="default"`` keeps the template placeholders (deliberately insecure).

        ``die_with_parent``: Linux stops the server when the thread that started it ends, however it ends
        (the demo's terminal closed, the console killed), so no deliberately insecure Strapi is left
        listening. Only for a server started from a thread that lives as long as it should."""
        workdir = workdir or Path(tempfile.mkdtemp(prefix="strapi-console-srv-"))
        workdir.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAPI_CONSOLE", "PYTHON_KEYRING"))}
        full_env.update({
            "HOST": "127.0.0.1", "PORT": str(port), "DATABASE_FILENAME": str(workdir / "data.db"),
            "STRAPI_TELEMETRY_DISABLED": "true", "STRAPI_DISABLE_UPDATE_NOTIFICATION": "true", "BROWSER": "none",
            "NODE_ENV": full_env.get("STRAPI_NODE_ENV", "development"),
        })
        if secrets == "random":
            for name in ("ADMIN_JWT_SECRET", "API_TOKEN_SALT", "TRANSFER_TOKEN_SALT", "JWT_SECRET", "ENCRYPTION_KEY"):
                full_env[name] = random_secret()
            full_env["APP_KEYS"] = ",".join(random_secret() for _ in range(4))
        full_env.update(env or {})
        server = cls(app_dir=app_dir, port=port, workdir=workdir, env=full_env)
        app_dir = app_dir.resolve()
        server.app_dir = app_dir
        strapi_bin = app_dir / "node_modules" / "@strapi" / "strapi" / "bin" / "strapi.js"
        if not strapi_bin.exists():
            raise StrapiSetupError(f"{app_dir} has no installed Strapi (node_modules missing).")
        log = server.log_path.open("ab")
        server.proc = subprocess.Popen(["node", str(strapi_bin), "start"], cwd=app_dir, env=full_env, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                       preexec_fn=_die_with_parent if die_with_parent else None)
        log.close()
        server.wait_ready(timeout)
        return server

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise StrapiSetupError(f"Strapi exited with code {self.proc.returncode} while starting. Log tail:\n"
                                       f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_health", timeout=2) as resp:
                    if resp.status in (200, 204):
                        return
            except (urllib.error.URLError, OSError, ConnectionError):
                pass
            time.sleep(0.5)
        self.stop()
        raise StrapiSetupError(f"Strapi did not become ready on port {self.port} within {timeout:.0f} s. Log tail:\n"
                               f"{self.log_tail()}")

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
