"""A fleet scan against servers that have CPU of their own: one server, 10, 100 and 1,000 at once.

    python benchmarks/fleet_scan.py [--quick] [--delay 0.1] [--fleets 1,10,100,1000] [--recording FILE]

Side by side in one run, because absolute times on a shared machine drift:

1. **Record** one real scan: the demo Strapi 5.54 (``demo_server.py``) is started, signed in to and
   scanned once; every request's answer (status, headers, raw body) is kept, keyed by what decides the
   answer (method, path and query, the headers a check varies, the body). ``--recording FILE`` keeps
   the recording between runs (the Strapi then need not start again); it holds nothing secret beyond the
   throw-away demo server's answers.
2. **Replay** it on N loopback ports from a separate process (a small asyncio server, HTTP/1.1 in plain
   text and, for the ``https`` series, TLS with ALPN offering HTTP/2 through the ``h2`` package): each
   answer waits ``--delay`` seconds, then the recorded answer is written. A replay costs the server a
   few microseconds, so the servers behave like N machines with their own CPU, not like N profiles in
   front of one Node process (which measures that process).
3. **Scan** them from a fresh console process per measurement (imports and advisory data loaded once,
   then one warm-up scan), through the console's own fleet scan: its wall time, the console's CPU per
   server (the parent's and any worker processes'), the peak memory (largest resident set of the
   console's processes), and whether every server's scan completed.
4. **Sequential round trips** of one scan: (time behind ``--delay`` − time behind 0 ms) / ``--delay``.
5. **Panels**: in a fresh process per panel, the TUI's first frame of the server list, then the panel's
   key, timed from the key reaching the app to the end of the first frame drawn with the panel on screen
   (turned into the terminal's bytes, as a real terminal driver would), imports on first open included
   (a key pressed before the panel's module is loaded first shows "loading…": both times are given);
   pressed right after the first frame (while the first scan runs) and once the scan is done; then panel
   1 and the panel again (its second opening). ``--panels-only`` runs just this; ``--profile PREFIX``
   writes a cProfile of each opening.

The session's credentials are a JWT of the demo's shape signed with a random key (the replay does not
check it), valid for a day, so no refresh runs during a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email.utils
import hashlib
import json
import multiprocessing
import os
import pickle
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bytecode import compile_console  # noqa: E402

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "upgrade",
               "proxy-connection"}
NOT_FOUND = (404, [("content-type", "application/json; charset=utf-8")],
             b'{"data":null,"error":{"status":404,"name":"NotFoundError","message":"Not Found","details":{}}}')


# --- what decides an answer ----------------------------------------------------------------------

def request_key(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple:
    """The parts of a request the console varies between probes of one path (and so the answer)."""
    return (method.upper(), target, headers.get("origin", ""), headers.get("access-control-request-method", ""),
            "authorization" in headers, "cookie" in headers, headers.get("accept", "").split(",")[0],
            hashlib.sha1(body).hexdigest()[:16] if body else "")


def loose_keys(key: tuple) -> list[tuple]:
    """Fallbacks when the exact request was not recorded (a check that varies a query, a body)."""
    method, target = key[0], key[1]
    return [key, (method, target), (method, target.split("?")[0])]


def index(recording: dict) -> dict:
    table: dict = {}
    for key, answer in recording.items():
        for loose in loose_keys(key):
            table.setdefault(loose, answer)
    return table


# --- 1. record -------------------------------------------------------------------------------------

def _fake_session_token(real: str) -> str:
    """A JWT of the real token's shape (header, payload keys), valid for a day, signed with a random key."""
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head, payload, _ = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = int(time.time())
    claims.update(iat=now, exp=now + 86400)
    signing = f"{head}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secrets.token_bytes(32), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{b64(signature)}"


async def record() -> dict:
    import httpx

    from demo_server import demo_server
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile
    from strapi_console.scan import scan_profiles
    from strapi_console.secrets import SecretStore

    answers: dict = {}

    class Recorder(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request):
            response = await self.inner.handle_async_request(request)
            raw = b"".join([chunk async for chunk in response.stream])
            await response.aclose()
            headers = {k.lower(): v for k, v in request.headers.items()}
            key = request_key(request.method, request.url.raw_path.decode("latin-1"), headers, request.content)
            kept = [(k.lower(), v) for k, v in response.headers.multi_items() if k.lower() not in HOP_HEADERS]
            answers.setdefault(key, (response.status_code, kept, raw))
            return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw),
                                  extensions=response.extensions)

        async def aclose(self) -> None:
            await self.inner.aclose()

    async with demo_server("bench-fleet-") as (server, email, password):
        store = SecretStore("memory")
        profile = Profile("record", server.url)
        async with StrapiClient(profile) as client:
            creds = await client.login(email, password)
        store.set("record", creds)
        recorder = Recorder()
        [result] = await scan_profiles([profile], store, transport=recorder)
    return {"answers": answers, "token": creds.access_token, "kind": creds.kind,
            "requests": result.request_count, "findings": len(result.findings)}


# --- 2. replay ---------------------------------------------------------------------------------------

_DATE = [0, b""]


def _date() -> bytes:
    now = int(time.time())
    if now != _DATE[0]:
        _DATE[:] = [now, email.utils.formatdate(now, usegmt=True).encode()]
    return _DATE[1]


class Replay:
    """One process's answers, shared by all its ports."""

    def __init__(self, recording: dict, delay: float) -> None:
        self.table = index(recording)
        self.delay = delay
        self.served = 0

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes):
        key = request_key(method, target, headers, body)
        self.served += 1
        for loose in loose_keys(key):
            found = self.table.get(loose)
            if found is not None:
                return found
        return NOT_FOUND


class H1(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; the console never pipelines, so one request at a time per connection."""

    def __init__(self, replay: Replay) -> None:
        self.replay, self.buf, self.transport = replay, b"", None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            size = int(headers.get("content-length") or 0)
            if len(self.buf) < end + 4 + size:
                return
            body, self.buf = self.buf[end + 4:end + 4 + size], self.buf[end + 4 + size:]
            status, kept, raw = self.replay.answer(method, target, headers, body)
            head = [f"HTTP/1.1 {status} X\r\n".encode()]
            head += [f"{k}: {v}\r\n".encode("latin-1") for k, v in kept]
            head.append(b"date: " + _date() + f"\r\ncontent-length: {len(raw)}\r\n\r\n".encode())
            out = b"".join(head) + (b"" if method == "HEAD" else raw)
            self._later(out)

    def _later(self, out: bytes) -> None:
        if self.replay.delay:
            asyncio.get_running_loop().call_later(self.replay.delay, self._write, out)
        else:
            self._write(out)

    def _write(self, out: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(out)


class H2(asyncio.Protocol):
    """HTTP/2 (negotiated by ALPN) through the h2 package's state machine, flow control respected."""

    def __init__(self, replay: Replay) -> None:
        import h2.config
        import h2.connection

        self.replay, self.transport = replay, None
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.streams: dict[int, list] = {}
        self.pending: dict[int, bytes] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.conn.initiate_connection()
        transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        import h2.events
        import h2.exceptions

        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.transport.close()
            return
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                self.streams[ev.stream_id] = [dict(ev.headers), bytearray()]
            elif isinstance(ev, h2.events.DataReceived):
                self.streams[ev.stream_id][1] += ev.data
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                headers, body = self.streams.pop(ev.stream_id)
                answer = self.replay.answer(headers[":method"], headers[":path"], headers, bytes(body))
                if self.replay.delay:
                    asyncio.get_running_loop().call_later(self.replay.delay, self._respond, ev.stream_id, answer,
                                                          headers[":method"])
                else:
                    self._respond(ev.stream_id, answer, headers[":method"])
            elif isinstance(ev, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
                self._flush()
            elif isinstance(ev, h2.events.StreamReset):
                self.pending.pop(ev.stream_id, None)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.transport.close()
        self.transport.write(self.conn.data_to_send())

    def _respond(self, stream_id: int, answer, method: str) -> None:
        import h2.exceptions

        if self.transport.is_closing():
            return
        status, kept, raw = answer
        raw = b"" if method == "HEAD" else raw
        headers = [(":status", str(status)), *kept, ("date", _date().decode()), ("content-length", str(len(raw)))]
        try:
            self.conn.send_headers(stream_id, headers, end_stream=not raw)
        except h2.exceptions.StreamClosedError:
            return
        if raw:
            self.pending[stream_id] = raw
        self._flush()

    def _flush(self) -> None:
        import h2.exceptions

        for stream_id, data in list(self.pending.items()):
            try:
                while data:
                    window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
                    if window <= 0:
                        break
                    chunk, data = data[:window], data[window:]
                    self.conn.send_data(stream_id, chunk, end_stream=not data)
            except h2.exceptions.StreamClosedError:
                data = b""
            if data:
                self.pending[stream_id] = data
            else:
                self.pending.pop(stream_id, None)
        if not self.transport.is_closing():
            self.transport.write(self.conn.data_to_send())


class Negotiated(asyncio.Protocol):
    """Picks HTTP/2 or HTTP/1.1 by what TLS negotiated (ALPN), then hands the connection over."""

    def __init__(self, replay: Replay) -> None:
        self.replay, self.inner = replay, None

    def connection_made(self, transport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        h2 = ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
        self.inner = H2(self.replay) if h2 else H1(self.replay)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)


def replay_process(conn, recording: dict, certfile: str | None) -> None:
    """Serves sets of ports on command: ("start", count, delay, tls) → ports; ("stop",); ("exit",)."""
    import ssl

    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers: list = []
        commands: asyncio.Queue = asyncio.Queue()
        loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
        while True:
            command = await commands.get()
            if command[0] == "start":
                _, count, delay, tls = command
                replay = Replay(recording, delay)
                context = None
                if tls:
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    context.load_cert_chain(certfile)
                    context.set_alpn_protocols(["h2", "http/1.1"])
                for _ in range(count):
                    servers.append(await loop.create_server(lambda: Negotiated(replay), "127.0.0.1", 0,
                                                            ssl=context, backlog=256))
                conn.send([s.sockets[0].getsockname()[1] for s in servers])
            elif command[0] == "cpu":  # this process's CPU seconds so far: is the replay what limits a run?
                usage = resource.getrusage(resource.RUSAGE_SELF)
                conn.send(usage.ru_utime + usage.ru_stime)
            elif command[0] == "stop":
                for s in servers:
                    s.close()
                servers.clear()
                conn.send("stopped")
            else:
                return

    asyncio.run(main())


class Servers:
    """The replay process, seen from the orchestrator."""

    def __init__(self, recording: dict, certfile: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=replay_process, args=(child, recording["answers"], certfile), daemon=True)
        self.process.start()

    def start(self, count: int, delay: float, tls: bool) -> list[int]:
        self.conn.send(("start", count, delay, tls))
        return self.conn.recv()

    def cpu(self) -> float:
        self.conn.send(("cpu",))
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send(("stop",))
        self.conn.recv()

    def close(self) -> None:
        self.conn.send(("exit",))
        self.process.join(10)


# --- 3. scan (a fresh console process per measurement) ---------------------------------------------------

def child_scan(spec: dict) -> dict:
    """Runs in the console process: warm up on the first server, then scan them all at once, through the
    fleet scan the CLI runs (worker processes for a large fleet, unless ``workers`` says otherwise). The
    credentials are in a keyring the workers read themselves (``bench_keyring``)."""
    from strapi_console.config import Profile
    from strapi_console.fleet import scan_fleet
    from strapi_console.secrets import Credentials, SecretStore

    scheme = spec["scheme"]
    entries, profiles = {}, []
    for i, port in enumerate(spec["ports"]):
        profile = Profile(f"s{i:04d}", f"{scheme}://127.0.0.1:{port}", ca_bundle=spec.get("ca"))
        profiles.append(profile)
        entries[profile.name] = Credentials(kind=spec["kind"], access_token=spec["token"], email="bench@example.test",
                                            refresh_cookie="bench" if spec["kind"] == "session" else None).to_json()
    keyring_file = Path(os.environ["XDG_STATE_HOME"]) / "bench-keyring.json"
    keyring_file.parent.mkdir(parents=True, exist_ok=True)
    keyring_file.write_text(json.dumps(entries))
    os.environ.update(PYTHON_KEYRING_BACKEND="bench_keyring.ReplayKeyring", BENCH_KEYRING_FILE=str(keyring_file))
    store = SecretStore("keyring")

    warm_started = time.perf_counter()
    scan_fleet(profiles[:1], store)
    warm = time.perf_counter() - warm_started
    cpu_before = _cpu()
    started = time.perf_counter()
    results = scan_fleet(profiles, store, workers=spec.get("workers"))
    wall = time.perf_counter() - started
    for worker in multiprocessing.active_children():  # a worker whose results are all in may still be closing
        worker.join()  # its sessions: its CPU counts only once it is waited for
    cpu = _cpu() - cpu_before
    return {"wall": wall, "warm": warm, "cpu": cpu, "n": len(profiles),
            "ok": sum(1 for r in results if r.reachable and not r.error and not r.auth_error),
            "requests": statistics.median(r.request_count for r in results),
            "findings": statistics.median(len(r.findings) for r in results),
            "errors": sorted({f.reason[:100] for r in results for f in r.findings if f.status == "error"})[:5]
            + sorted({(r.error or r.auth_error or "")[:100] for r in results if r.error or r.auth_error})[:5],
            "rss_mb": _peak_rss_mb()}


def _cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return max(me.ru_maxrss, children.ru_maxrss) / 1024  # Linux: KiB


def run_child(mode: str, spec: dict, env: dict, timeout: float = 900) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode], input=json.dumps(spec), text=True,
                          capture_output=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 5. panels -----------------------------------------------------------------------------------------------

PANEL_KEYS = {"2": "VersionsPanel", "3": "PermissionsPanel", "4": "AuditPanel", "5": "HeadersPanel"}


def child_panel(spec: dict) -> dict:
    """The TUI against one replayed server: first frame of the list, then the panel's key to the panel's first
    frame; back to the list (key 1) and the panel's key again: its second opening.

    ``after_scan``: the key is pressed once the first scan is done (else right after the first frame, while
    it runs). ``profile``: a cProfile of each opening (key pressed → panel painted) is written to that prefix.
    """
    if spec.get("root"):  # another checkout's console, measured the same way
        sys.path.insert(0, spec["root"])
    from screens.app import StrapiConsoleApp
    from strapi_console.config import Config, Profile
    from strapi_console.secrets import Credentials, SecretStore

    key = spec["key"]
    store = SecretStore("memory")
    profile = Profile("bench", f"http://127.0.0.1:{spec['port']}", email="bench@example.test")
    store.set("bench", Credentials(kind=spec["kind"], access_token=spec["token"], email="bench@example.test",
                                   refresh_cookie="bench" if spec["kind"] == "session" else None))
    cfg = Config(path=Path(tempfile.mkdtemp(prefix="bench-panel-")) / "config.toml")
    cfg.add(profile)
    out: dict = {}

    async def main() -> None:
        app = StrapiConsoleApp(config=cfg, store=store)
        frames = _FrameWatch(app)
        listed = frames.expect("ServerListScreen")
        async with app.run_test(size=(120, 40)) as pilot:
            await listed
            if spec.get("after_scan"):  # the panel opened on a fleet already scanned
                end = time.monotonic() + 60
                while (app.state("bench").result is None or app.state("bench").refreshing) and time.monotonic() < end:
                    await pilot.pause(0.05)
            for opening in ("first", "second"):
                if opening == "second":
                    await pilot.pause(0.3)  # the first opening's data settles
                    listed = frames.expect("ServerListScreen")
                    started = time.perf_counter()
                    _press(app, "1")
                    shown, _ = await listed
                    out["list_ms"] = (shown - started) * 1000  # panel 1 again, from this one
                    await pilot.pause(0.3)
                seen = frames.expect(PANEL_KEYS[key], "PanelLoading")  # "loading…" while its module loads
                painted = frames.expect(PANEL_KEYS[key])
                profiler = _profiler(spec)
                started = time.perf_counter()
                _press(app, key)
                shown, text = await seen
                out[f"{opening}_ms"] = (shown - started) * 1000
                out[f"{opening}_frame"] = text
                shown, _ = await painted
                out[f"{opening}_panel_ms"] = (shown - started) * 1000
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(f"{spec['profile']}-{key}-{opening}.prof")

    asyncio.run(main())
    return out


def _profiler(spec: dict):
    if not spec.get("profile"):
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def _press(app, key: str) -> None:
    """The key as the terminal driver delivers it (the app's own typed-ahead queue included), not waiting."""
    from textual import events

    event = events.Key(key, key)
    event.set_sender(app)
    app._driver.send_message(event)


def _text(renderable) -> str:
    """A full frame's text (what the panel showed first, to check it is the panel and not a blank)."""
    return "\n".join("".join(strip.text for strip in line) for line in getattr(renderable, "strips", []))


class _FrameWatch:
    """Frames as the terminal gets them: each update the app displays, turned into the terminal's bytes.

    The headless test driver skips that last step (building the escape sequences for the changed lines),
    which a real terminal pays for on every frame, so it is done here too. A frame "of" a screen is one
    displayed while that screen is the app's current screen: the moment the user sees the panel."""

    def __init__(self, app) -> None:
        self.app = app
        self.waiting: list[tuple[tuple[str, ...], asyncio.Future]] = []
        display = app._display

        def watched(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)
            for names, future in self.waiting:
                if type(screen).__name__ in names and not future.done():
                    future.set_result((time.perf_counter(), _text(renderable)))

        app._display = watched

    def expect(self, *screen_names: str, timeout: float = 30):
        """Before the key: an awaitable of the end of the next frame of one of these screens (when, its text)."""
        future = asyncio.get_event_loop().create_future()
        entry = (screen_names, future)
        self.waiting.append(entry)

        async def wait() -> tuple[float, str]:
            try:
                return await asyncio.wait_for(future, timeout)
            finally:
                self.waiting.remove(entry)

        return wait()


def measure_panels(servers, base: dict, env: dict, repeat: int, delay: float, profile: str | None,
                   show_frames: bool = False, compare: str | None = None) -> None:
    """Each panel in fresh processes: pressed while the first scan runs and once it is done, first and second
    opening, medians and ranges side by side. ``compare``: another checkout of the console (an older commit),
    measured in the same run, its processes alternating with this one's."""
    ports = servers.start(1, delay, False)
    versions = [("before", compare), ("now", None)] if compare else [("", None)]
    try:
        for after_scan in (False, True):
            when = "after the first scan" if after_scan else "during the first scan"
            for key, name in PANEL_KEYS.items():
                spec = {**base, "port": ports[0], "key": key, "after_scan": after_scan,
                        "profile": f"{profile}-{'after' if after_scan else 'during'}" if profile else None}
                got: dict[str, list[dict]] = {label: [] for label, _ in versions}
                for _ in range(repeat):
                    for label, root in versions:
                        got[label].append(run_child("panel", {**spec, "root": root}, env))
                for label, _root in versions:
                    runs = got[label]
                    first, panel, second, back = ([g[k] for g in runs]
                                                  for k in ("first_ms", "first_panel_ms", "second_ms", "list_ms"))
                    print(f"panel {key} ({name}), {when}{f' [{label}]' if label else ''}: first opening "
                          f"{_spread(first)}"
                          + (f" (the panel itself {_spread(panel)})"
                             if statistics.median(panel) - statistics.median(first) >= 1 else "")
                          + f", second {_spread(second)}; back to panel 1 {_spread(back)} (median of {repeat}, "
                          "goal <= 100)", flush=True)
                    if show_frames:
                        print(runs[-1]["first_frame"], runs[-1]["second_frame"], sep="\n", flush=True)
    finally:
        servers.stop()


def _spread(ms: list[float]) -> str:
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}-{max(ms):.0f})"


# --- orchestration -----------------------------------------------------------------------------------------

def quiet_env() -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-fleet-home-"))
    return {**os.environ, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
            # the benchmarks folder too: the workers' keyring backend (bench_keyring) is imported by name
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "benchmarks"),
                                                        os.environ.get("PYTHONPATH")])),
            # GitHub's releases and OSV: refused at once, as offline, instead of waiting on this machine's
            # resolver for a name it cannot resolve (seconds, and varying: it would measure the resolver)
            "STRAPI_CONSOLE_GITHUB_API": "http://127.0.0.1:9", "STRAPI_CONSOLE_OSV_API": "http://127.0.0.1:9"}


def load_recording(path: str | None) -> dict:
    if path and Path(path).exists():
        return pickle.loads(Path(path).read_bytes())
    recording = asyncio.run(record())
    if path:
        Path(path).write_bytes(pickle.dumps(recording))
    return recording


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.1, help="seconds each answer waits (default 0.1)")
    parser.add_argument("--fleets", default="1,10,100,1000", help="fleet sizes scanned at once")
    parser.add_argument("--quick", action="store_true", help="fleets 1, 10 and 100; one run per round-trip figure")
    parser.add_argument("--recording", help="keep the recorded scan in this file and reuse it")
    parser.add_argument("--series", default="http,https", help="http (HTTP/1.1), https (TLS, HTTP/2 offered)")
    parser.add_argument("--https-max", type=int, default=100,
                        help="largest fleet of the https series (each TLS scan also runs openssl; default 100)")
    parser.add_argument("--no-panels", action="store_true")
    parser.add_argument("--panels-only", action="store_true", help="only the panel measurements (5.)")
    parser.add_argument("--profile", help="write a cProfile of each panel opening to files with this prefix")
    parser.add_argument("--show-frames", action="store_true", help="print each panel's first frame")
    parser.add_argument("--compare", metavar="DIR", help="panels: also measure the console checked out in DIR "
                        "(e.g. an older commit), alternating with this one")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 3, 1 with --quick)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the console's fleet scan (default: its own choice; 1: one process)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(child_scan(spec) if args.child == "scan" else child_panel(spec)))
        return
    fleets = [int(n) for n in args.fleets.split(",")]
    if args.quick:
        fleets = [n for n in fleets if n <= 100]
    repeat = args.repeat or (1 if args.quick else 3)
    compile_console()  # as installed: see bytecode.py
    recording = load_recording(args.recording)
    print(f"recorded scan of the demo Strapi: {recording['requests']} requests, {recording['findings']} checks, "
          f"{len(recording['answers'])} distinct answers", flush=True)

    import trustme

    ca = trustme.CA()
    workdir = Path(tempfile.mkdtemp(prefix="bench-fleet-tls-"))
    certfile, cafile = workdir / "server.pem", workdir / "ca.pem"
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    ca.cert_pem.write_to_path(str(cafile))

    env = quiet_env()
    servers = Servers(recording, str(certfile))
    base = {"token": _fake_session_token(recording["token"]), "kind": recording["kind"],
            **({"workers": args.workers} if args.workers is not None else {})}
    rows = []
    try:
        for series in ([] if args.panels_only else args.series.split(",")):
            tls = series == "https"
            scheme_spec = {**base, "scheme": "https" if tls else "http", "ca": str(cafile) if tls else None}
            if tls:
                import importlib.util

                label = ("HTTPS, HTTP/2" if importlib.util.find_spec("h2") else
                         "HTTPS, HTTP/1.1 (h2 not installed)")
            else:
                label = "HTTP/1.1"
            # sequential round trips: one server behind 0 ms and behind --delay
            times = {}
            for delay in (0.0, args.delay):
                ports = servers.start(1, delay, tls)
                times[delay] = statistics.median(run_child("scan", {**scheme_spec, "ports": ports}, env)["wall"]
                                                 for _ in range(repeat))
                servers.stop()
            rounds = (times[args.delay] - times[0.0]) / args.delay
            print(f"[{label}] one scan: {times[0.0]:.2f} s behind 0 ms, {times[args.delay]:.2f} s behind "
                  f"{args.delay * 1000:.0f} ms: {rounds:.1f} sequential round trips (goal <= 3)", flush=True)
            one = None
            for n in [n for n in fleets if not tls or n <= args.https_max]:
                ports = servers.start(n, args.delay, tls)
                replay_cpu = servers.cpu()
                r = run_child("scan", {**scheme_spec, "ports": ports}, env)
                replay_cpu = servers.cpu() - replay_cpu  # the warm-up scan's share is small (one server)
                servers.stop()
                one = one or r["wall"]
                rows.append((label, n, r, r["wall"] / one))
                print(f"[{label}] {n:>5} at once: {r['wall']:6.2f} s ({r['wall'] / one:5.2f}x one), "
                      f"CPU {r['cpu'] / n * 1000:6.1f} ms/server, peak {r['rss_mb']:6.0f} MB, "
                      f"{r['ok']}/{n} complete, {r['requests']:.0f} requests/scan; CPU console {r['cpu']:.1f} s, "
                      f"replay {replay_cpu:.1f} s"
                      + (f"; errors: {r['errors']}" if r["errors"] else ""), flush=True)
        if not args.no_panels:
            measure_panels(servers, base, env, repeat, args.delay, args.profile, args.show_frames,
                           args.compare)
    finally:
        servers.close()


if __name__ == "__main__":
    main()
