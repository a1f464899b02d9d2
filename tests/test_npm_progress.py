"""The first `npm ci` of a bundled Strapi project takes minutes: while it runs, the console says what it is
doing (phase, time so far, npm's last line), so it cannot be mistaken for a hang. Driven by a stand-in
`npm` on PATH that speaks npm's info-level log and waits until the console has reported its phase
(no timing in the test)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from strapi_console.strapi_server import NpmProgress, StrapiSetupError, install, terminal_progress

LOG = """npm info using npm@11.19.1
npm info using node@v20.20.2
npm http fetch GET 200 https://registry.npmjs.org/@strapi/strapi/-/strapi-5.54.0.tgz 120ms (cache miss)
npm http fetch GET 200 https://registry.npmjs.org/better-sqlite3/-/better-sqlite3-12.4.1.tgz 80ms (cache miss)
npm info run better-sqlite3@12.4.1 install node_modules/better-sqlite3 prebuild-install || node-gyp rebuild --release
gyp info spawn make
  CXX(target) Release/obj.target/better_sqlite3/src/better_sqlite3.o
npm info run better-sqlite3@12.4.1 install { code: 0, signal: null }
added 1021 packages in 7m
npm info ok
"""


def test_phases_follow_npms_log():
    p = NpmProgress()
    assert p.phase() == "resolving the dependency tree"
    seen = []
    for line in LOG.splitlines():
        p.feed(line + "\n")
        seen.append(p.phase())
    assert "downloading packages (2 fetched)" in seen
    assert "running install scripts: better-sqlite3@12.4.1 (install)" in seen
    assert seen[-1] == "finishing"
    status = p.status(7 * 60 + 5)
    assert status.startswith("npm ci 7m05s: finishing — npm info ok")


def test_a_hostile_or_endless_log_stays_bounded_and_inert():
    p = NpmProgress()
    for i in range(5000):
        p.feed(f"npm info run pkg{i}@1.0.0 install node_modules/x make\n")
    p.feed("\x1b]52;c;ZXZpbA==\x07" + "A" * 10_000)
    assert len(p.running) <= 256
    status = p.status(3)
    assert "\x1b" not in status and len(status) < 400


def _fake_npm(tmp_path: Path, script_body: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\n" + script_body)
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "package.json").write_text('{"name": "proj", "version": "1.0.0"}')
    (project / "package-lock.json").write_text('{"lockfileVersion": 3}')
    return project


@pytest.fixture
def path_restored():
    saved = os.environ["PATH"]
    yield
    os.environ["PATH"] = saved


def test_install_reports_what_npm_does_until_it_ends(tmp_path, path_restored):
    go = tmp_path / "go"
    # the stand-in npm blocks in its "install script" until the console has said so (bounded: 60 s)
    _fake_npm(tmp_path, f"""echo "npm http fetch GET 200 https://registry.npmjs.org/a/-/a-1.0.0.tgz 5ms"
echo "npm info run better-sqlite3@12.4.1 install node_modules/better-sqlite3 node-gyp rebuild"
echo "gyp info spawn make"
i=0; while [ ! -e "{go}" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "npm info run better-sqlite3@12.4.1 install {{ code: 0, signal: null }}"
echo "added 2 packages in 9s"
""")
    reports: list[tuple[str, bool]] = []

    def progress(text: str, *, final: bool = False) -> None:
        reports.append((text, final))
        if "running install scripts: better-sqlite3@12.4.1 (install)" in text:
            go.touch()

    target = install(_project(tmp_path), log=lambda m: None, progress=progress, tick=0.05)
    assert go.exists(), f"the install script phase was never reported: {reports[-3:]}"
    during = next(text for text, _ in reports if "install scripts" in text)
    assert during.startswith("npm ci 0m") and during.endswith("— gyp info spawn make")
    text, final = reports[-1]
    assert final and text.endswith("— done")
    assert (target / ".installed").exists()
    assert "added 2 packages" in (target / "npm-install.log").read_text()


def test_a_failed_install_says_so_with_npms_last_lines(tmp_path, path_restored):
    _fake_npm(tmp_path, 'echo "npm error code ECONNRESET"\necho "npm error network aborted"\nexit 1\n')
    reports: list[tuple[str, bool]] = []
    with pytest.raises(StrapiSetupError, match="network aborted"):
        install(_project(tmp_path), log=lambda m: None, progress=lambda t, final=False: reports.append((t, final)),
                tick=0.05)
    assert reports[-1][1] and reports[-1][0].endswith("— failed")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_line_rewritten_in_place(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    out = _Tty()
    report = terminal_progress(out)
    report("npm ci 0m01s: resolving the dependency tree — npm info using npm@11")
    report("npm ci 0m02s: downloading packages (3 fetched)")
    report("npm ci 0m03s: finishing — done", final=True)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("done\n")
    assert all(len(chunk.rstrip("\n")) <= 40 for chunk in text.split("\r\x1b[K"))


def test_in_a_log_progress_is_a_line_now_and_then():
    out = io.StringIO()
    report = terminal_progress(out, every=3600)
    for i in range(50):
        report(f"npm ci 0m{i:02d}s: resolving")
    report("npm ci 0m50s: finishing — done", final=True)
    assert out.getvalue().splitlines() == ["npm ci 0m00s: resolving", "npm ci 0m50s: finishing — done"]
