"""A fleet spread over worker processes (strapi_console/fleet.py) reports what one process reports: the same
scan JSON, in the same order; a worker that dies costs only its own servers (reported as errors, the scan
incomplete by the contract's exit codes); a hostile server in one worker leaves the others' results as
they are; nothing the workers send back holds a secret. Fake Strapi servers (tests/hostile_strapi.py) in
this process, workers started the real way (spawn), reading the keyring themselves from a file backend."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import multiprocessing
import os
import signal
import threading
import time

import keyring
import pytest

from hostile_strapi import FakeStrapi, profile_for, sign_in
from strapi_console import fleet, loops
from strapi_console.checks.registry import Finding
from strapi_console.config import Profile
from strapi_console.report import json_report
from strapi_console.scan import ServerResult, exit_code
from strapi_console.secrets import Credentials, SecretStore

PAYLOAD = "\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J<script>x</script>\u202e\r\n::error::forged"


@pytest.fixture
def file_keyring(monkeypatch):
    """A keyring every process of the test reads: keyrings.alt's file backend under the test's data dir,
    chosen by the environment (as the workers see it) and in this process."""
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.set_keyring(PlaintextKeyring())  # the autouse fixture restores the test's previous backend
    return SecretStore("keyring", allow_plaintext=True)


@pytest.fixture
def fakes():
    started: list[FakeStrapi] = []

    def start(n: int) -> list[FakeStrapi]:
        started.extend(FakeStrapi() for _ in range(n))
        return started[-n:]

    yield start
    for fake in started:
        fake.release()
        fake.close()


def _signed_in(store: SecretStore, pairs: list[tuple[FakeStrapi, str]]) -> list[Profile]:
    import asyncio

    profiles = []
    for fake, name in pairs:
        profile = profile_for(fake, name)
        asyncio.run(sign_in(fake, profile, store))
        profiles.append(profile)
    return profiles


def _document(results: list[ServerResult]) -> list[dict]:
    """The scan JSON's servers, as `scan --format json` writes them, less the one field that differs between
    two scans of the same servers: when the previous scan (the drift check's baseline) was taken."""
    servers = json.loads(json.dumps(json_report.document(results)["servers"], default=str))
    for server in servers:
        for finding in server["findings"]:
            finding["evidence"].pop("previous_scan", None)
    return servers


def test_workers_give_the_one_process_result_and_a_hostile_server_changes_no_other(file_keyring, fakes):
    plain, hostile, third = fakes(3)
    hostile.fill_strings(PAYLOAD)
    # two profiles of one server (kept in one worker for its per-host cap), a hostile one, one unreachable
    profiles = _signed_in(file_keyring, [(plain, "a"), (hostile, "evil"), (plain, "a-again"), (third, "c")])
    profiles.append(Profile("gone", "http://127.0.0.1:9"))
    assert sorted(map(len, fleet.shares(profiles, 3))) == [1, 2, 2]

    fleet.scan_fleet(profiles, file_keyring, workers=1)  # the drift snapshots exist before the compared scans
    alone = fleet.scan_fleet(profiles, file_keyring, workers=1)
    spread = fleet.scan_fleet(profiles, file_keyring, workers=3)

    assert [r.profile.name for r in spread] == ["a", "evil", "a-again", "c", "gone"]
    assert _document(spread) == _document(alone)
    assert exit_code(spread) == exit_code(alone)
    by_name = {r.profile.name: r for r in spread}
    for name in ("a", "a-again", "c"):  # the hostile server's worker is another one; theirs completed
        assert by_name[name].reachable and not by_name[name].error and not by_name[name].auth_error
        assert len(by_name[name].findings) > 40
    assert by_name["evil"].findings and not by_name["gone"].reachable


def test_a_worker_killed_mid_scan_costs_its_servers_only(file_keyring, fakes):
    first, slow, quick = fakes(3)
    profiles = _signed_in(file_keyring, [(first, "first"), (slow, "slow"), (quick, "quick")])
    profiles.append(Profile("gone", "http://127.0.0.1:9"))
    # this process scans the first share ("first" and "gone"), a worker each other one
    assert fleet.shares(profiles, 3) == [[0, 3], [1], [2]]
    slow.requests.clear()
    slow.hold()  # every answer of "slow" waits: its worker is mid-scan when it is killed

    out: list = []
    runner = threading.Thread(target=lambda: out.append(fleet.scan_fleet(profiles, file_keyring, workers=3)))
    runner.start()
    try:
        end = time.monotonic() + 120
        while True:  # the quick worker has finished and the slow one waits on its server
            alive = [p for p in multiprocessing.active_children() if p.name == "strapi-console-scan"]
            if slow.requests and len(alive) == 1:
                break
            assert time.monotonic() < end, "the workers did not get under way"
            time.sleep(0.05)
        os.kill(alive[0].pid, signal.SIGKILL)
        runner.join(120)
    finally:
        slow.release()
    assert not runner.is_alive() and out, "the scan did not end after its worker was killed"

    [results] = out
    by_name = {r.profile.name: r for r in results}
    assert [r.profile.name for r in results] == ["first", "slow", "quick", "gone"]
    for name in ("first", "quick"):
        assert by_name[name].reachable and not by_name[name].error and len(by_name[name].findings) > 40, by_name[name].error
    assert not by_name["slow"].reachable and "killed (SIGKILL)" in by_name["slow"].error
    assert "killed" not in by_name["gone"].error  # unreachable for its own reason, scanned in this process
    complete = [by_name["first"], by_name["quick"]]
    high = any(f.status == "fail" and f.severity in ("critical", "high") for r in complete for f in r.findings)
    assert exit_code(complete) == (5 if high else 0)
    assert exit_code(results) == (5 if high else 4)  # incomplete, unless findings elsewhere decide
    document = _document(results)
    assert document[1]["reachable"] is False and "killed" in document[1]["error"]


def test_profiles_of_one_server_share_a_worker_and_the_order_is_kept():
    profiles = [Profile("a", "https://one.example"), Profile("b", "https://two.example"),
                Profile("c", "https://ONE.example:443/"), Profile("d", "https://three.example",
                                                                public_url="https://two.example"),
                Profile("e", "http://127.0.0.1:8080"), Profile("f", "http://127.0.0.1:8081")]
    split = fleet.shares(profiles, 4)
    where = {i: n for n, share in enumerate(split) for i in share}
    assert where[0] == where[2]  # same scheme, host and port
    assert where[1] == where[3]  # linked by the public URL
    assert where[4] != where[5] or len(split) < 4  # another port is another server
    assert all(share == sorted(share) for share in split) and sorted(sum(split, [])) == list(range(6))


def test_this_process_takes_the_larger_share_while_its_workers_start():
    """A worker scans nothing until its interpreter and imports are up; this process starts at once."""
    fleet_of = lambda n: [Profile(f"p{i}", f"http://127.0.0.1:{8000 + i}") for i in range(n)]  # noqa: E731
    assert [len(s) for s in fleet.shares(fleet_of(100), 2, 12)] == [56, 44]
    assert [len(s) for s in fleet.shares(fleet_of(100), 4, 12)] == [34, 22, 22, 22]
    assert [len(s) for s in fleet.shares(fleet_of(100), 2)] == [50, 50]


def test_one_process_when_the_secrets_cannot_leave_it(monkeypatch):
    many = [Profile(f"p{i}", f"http://127.0.0.1:{8000 + i}") for i in range(fleet.WORKERS_FROM + 1)]
    monkeypatch.setattr(fleet, "available_cpus", lambda: 4)
    memory = SecretStore("memory")
    assert fleet.worker_count(many, memory) == 4  # nothing held in memory: workers read the same (nothing)
    memory.set("p3", Credentials(kind="jwt", access_token="held-only-here-123456"))
    assert fleet.worker_count(many, memory) == 1
    assert fleet.worker_count(many, memory, requested=4) == 1
    assert fleet.worker_count(many[:-1], SecretStore("memory")) == 1  # a small fleet: one process
    assert fleet.worker_count(many, SecretStore("memory"), requested=1) == 1
    assert fleet.worker_count(many, SecretStore("memory"), requested=1000) <= fleet.MAX_WORKERS  # not 49 processes


def _ignores_sigterm() -> None:
    import signal
    import time

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


def test_a_worker_that_does_not_end_when_asked_is_killed(monkeypatch):
    """SIGTERM first (a worker finishes a keyring write in flight), SIGKILL when it has not ended in time."""
    import multiprocessing

    monkeypatch.setattr(fleet, "STOP_GRACE", 0.5)
    process = multiprocessing.get_context("spawn").Process(target=_ignores_sigterm, daemon=True)
    process.start()
    time.sleep(1.0)  # its handler is set
    fleet._stop(process)
    assert not process.is_alive() and process.exitcode == -signal.SIGKILL


def test_what_a_worker_sends_back_holds_no_secret():
    from strapi_console.redact import register_secret

    secret = "worker-only-secret-" + os.urandom(8).hex()
    register_secret(secret)
    finding = Finding("X-1", "fail", "high", f"token {secret} seen", evidence={"note": f"said {secret}"},
                      reason=f"because {secret}", plan=object())
    from strapi_console.client import ServerInfo

    info = ServerInfo(reachable=True, error=f"e {secret}", information={"strapiVersion": f"5.0.0 {secret}"},
                      project_type={"type": secret}, health_header=f"h {secret}", powered_by=f"Strapi {secret}",
                      anonymous_version=f"5 {secret}")  # a hostile server echoing the bearer token back
    result = ServerResult(Profile("p", "https://p.example"), False, findings=[finding], error=f"boom {secret}",
                          auth_error=f"auth {secret}", cut=f"cut {secret}", info=info)
    sent = fleet.sealed(result)
    assert sent.info is not None and sent.info.reachable
    assert secret not in repr(dataclasses.asdict(dataclasses.replace(sent, findings=[])))
    assert all(secret not in repr(dataclasses.asdict(f)) for f in sent.findings)
    assert sent.findings[0].plan is None


def test_the_cli_scan_with_workers_writes_the_one_process_report(file_keyring, fakes, tmp_path):
    from conftest import cli_env, cli_runner
    from hostile_strapi import save_profile

    one, two = fakes(2)
    profiles = _signed_in(file_keyring, [(one, "one"), (two, "two")])
    for profile in [*profiles, Profile("gone", "http://127.0.0.1:9")]:
        save_profile(profile)
    run = cli_runner(cli_env(tmp_path))
    run("scan", "--all", "--workers", "1", "--format", "json")  # the drift baselines
    alone = run("scan", "--all", "--workers", "1", "--format", "json")
    spread = run("scan", "--all", "--workers", "3", "--format", "json")
    assert spread.returncode == alone.returncode and spread.returncode in (4, 5), spread.stderr  # "gone": 4 at least
    assert "Traceback" not in spread.stderr and spread.stderr.count("gone:") == 1

    def servers(done) -> list[dict]:
        document = json.loads(done.stdout)
        for server in document["servers"]:
            for finding in server["findings"]:
                finding["evidence"].pop("previous_scan", None)
        return document["servers"]

    assert servers(spread) == servers(alone)  # the same servers, in the same order, with the same findings


def test_the_garbage_collector_is_slowed_for_a_fleet_scan_only():
    import gc

    before, seen = gc.get_threshold(), []
    fleet.scan_fleet([Profile("x", "http://127.0.0.1:9")], SecretStore("memory"), workers=1,
                     progress=lambda state: seen.append(gc.get_threshold()))
    assert seen and seen[0] == tuple(max(a, b) for a, b in zip(before, fleet.SCAN_GC_THRESHOLDS))
    assert gc.get_threshold() == before


def test_ctrl_c_stops_the_workers_with_one_message_and_exit_2(file_keyring, fakes, tmp_path):
    import subprocess

    from conftest import cli_env, console_cmd
    from hostile_strapi import save_profile

    one, two = fakes(2)
    for profile in _signed_in(file_keyring, [(one, "one"), (two, "two")]):
        save_profile(profile)
    for fake in (one, two):
        fake.requests.clear()
        fake.hold()  # both shares wait on their server: this process's and the worker's
    console = subprocess.Popen([*console_cmd(), "scan", "--all", "--workers", "2", "--format", "json"],
                               env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own process group, as a terminal's job is
    try:
        end = time.monotonic() + 120
        while not (one.requests and two.requests):
            assert time.monotonic() < end and console.poll() is None, "the scan did not get under way"
            time.sleep(0.05)
        os.killpg(console.pid, signal.SIGINT)  # Ctrl-C: the whole group gets it
        _, err = console.communicate(timeout=60)
    finally:
        if console.poll() is None:
            os.killpg(console.pid, signal.SIGKILL)
    assert console.returncode == 2, err
    assert "Traceback" not in err and err.count("Ctrl-C") == 1, err
    end = time.monotonic() + 10
    while True:  # no worker is left behind
        try:
            os.killpg(console.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < end, "a worker process outlived the interrupted scan"
        time.sleep(0.1)


def test_progress_counts_the_workers_servers_and_names_one_still_running_there(file_keyring, fakes):
    here, there = fakes(2)
    profiles = _signed_in(file_keyring, [(here, "here"), (there, "there")])
    assert fleet.shares(profiles, 2) == [[0], [1]]  # "there" is scanned by the worker
    there.requests.clear()
    there.hold()
    seen: list[tuple[int, int, tuple[str, ...]]] = []

    def progress(state) -> None:
        seen.append((state.done, state.total, tuple(state.running)))

    out: list = []
    runner = threading.Thread(target=lambda: out.append(fleet.scan_fleet(profiles, file_keyring, workers=2,
                                                                         progress=progress)))
    runner.start()
    try:
        end = time.monotonic() + 120
        while not any(done == 1 and "there" in running for done, _, running in list(seen)):
            assert time.monotonic() < end, f"no progress named the worker's server: {seen[-3:]}"
            time.sleep(0.05)
    finally:
        there.release()
    runner.join(120)
    assert out and seen[-1][:2] == (2, 2) and all(total == 2 for _, total, _ in seen)


def test_a_fleet_scan_given_the_callers_sessions_stays_in_this_process(monkeypatch):
    """Sessions hold credentials: they are never pickled to a worker, whatever the fleet's size."""
    from strapi_console import scan as scan_mod

    many = [Profile(f"p{i}", f"http://127.0.0.1:{8000 + i}") for i in range(fleet.WORKERS_FROM + 1)]
    monkeypatch.setattr(fleet, "available_cpus", lambda: 4)

    def no_workers(*args, **kw):
        raise AssertionError("workers started with the caller's sessions")

    async def here(profiles, store, **kw):
        return ["scanned here"] * len(profiles)

    monkeypatch.setattr(fleet, "_Pool", no_workers)
    monkeypatch.setattr(scan_mod, "scan_profiles", here)
    assert fleet.scan_fleet(many, SecretStore("memory"), sessions=object()) == ["scanned here"] * len(many)


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_a_worker_message_larger_than_the_pipe_is_read_whole_on_either_loop(monkeypatch, loop):
    """A result bigger than the pipe's buffer arrives in parts; the parent reads it when the first part is in.
    uvloop's add_reader made the pipe non-blocking, and the half-read message looked like the worker's end."""
    monkeypatch.setenv("STRAPI_CONSOLE_LOOP", loop)
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    assert loops.name() == loop
    ours, theirs = multiprocessing.Pipe(duplex=False)
    big = ("result", 0, "x" * 2_000_000)
    sender = threading.Thread(target=lambda: (theirs.send(big), theirs.close()))

    async def main():
        got = asyncio.get_running_loop().create_future()

        def read():
            try:
                while ours.poll():
                    got.set_result(ours.recv())
                    break
            except (EOFError, OSError) as exc:
                got.set_exception(exc)
            asyncio.get_running_loop().remove_reader(ours.fileno())

        fleet.listen(asyncio.get_running_loop(), ours, read)
        sender.start()
        return await got

    try:
        assert loops.run(main()) == big
    finally:
        sender.join(10)
        ours.close()


def _scan_with_a_held_worker(file_keyring, fakes, deliver):
    """Three servers, a worker each but the first; the second's answers held while ``deliver(pid)`` runs
    against its worker, then released. Returns the results by name."""
    first, slow, quick = fakes(3)
    profiles = _signed_in(file_keyring, [(first, "first"), (slow, "slow"), (quick, "quick")])
    assert fleet.shares(profiles, 3) == [[0], [1], [2]]
    slow.requests.clear()
    slow.hold()
    out: list = []
    runner = threading.Thread(target=lambda: out.append(fleet.scan_fleet(profiles, file_keyring, workers=3)))
    runner.start()
    try:
        end = time.monotonic() + 120
        while True:
            alive = [p for p in multiprocessing.active_children() if p.name == "strapi-console-scan"]
            if slow.requests and len(alive) == 1:
                break
            assert time.monotonic() < end, "the workers did not get under way"
            time.sleep(0.05)
        deliver(alive[0].pid)
        time.sleep(1.0)
    finally:
        slow.release()
    runner.join(120)
    assert not runner.is_alive() and out, "the scan did not end"
    return {r.profile.name: r for r in out[0]}


def test_a_worker_ignores_ctrl_c_and_ends_its_share_gently_on_sigterm(file_keyring, fakes, capfd):
    """Ctrl-C reaches the whole process group: the parent handles it, a worker carries on. SIGTERM (what the
    parent sends first) unwinds the worker, which says so through its pipe, with no traceback."""
    by_name = _scan_with_a_held_worker(file_keyring, fakes, lambda pid: os.kill(pid, signal.SIGINT))
    assert all(r.reachable and not r.error and len(r.findings) > 40 for r in by_name.values()), \
        {n: r.error for n, r in by_name.items()}

    by_name = _scan_with_a_held_worker(file_keyring, fakes, lambda pid: os.kill(pid, signal.SIGTERM))
    assert "stopped by the scan (signal 15)" in by_name["slow"].error and "killed" not in by_name["slow"].error
    assert all(by_name[n].reachable and not by_name[n].error for n in ("first", "quick"))
    assert "Traceback" not in capfd.readouterr().err


def test_the_standard_streams_keep_their_blocking_mode_across_a_run():
    """libuv can leave stdout non-blocking; a report printed after the scan was then cut at the pipe's size."""
    read, write = os.pipe()
    saved = os.dup(1)
    os.dup2(write, 1)
    try:
        async def main():
            os.set_blocking(1, False)  # as libuv may leave it

        loops.run(main())
        assert os.get_blocking(1)
    finally:
        os.dup2(saved, 1)
        for fd in (read, write, saved):
            os.close(fd)
