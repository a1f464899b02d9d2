"""The Quick start's set-up, as a new user meets it: which Node.js the scripts accept and what they say
about it, and where the console is when it is not on PATH."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _node_check(tmp_path: Path, version: str | None) -> subprocess.CompletedProcess:
    """scripts/_node.sh with a stand-in `node` of ``version`` (None: no node at all) and `npm` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tools = {"npm": "echo 11.0.0"}
    if version is not None:
        tools["node"] = f'case "$1" in -p) echo {version.split(".")[0]} ;; *) echo v{version} ;; esac'
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}  # nothing else: the script needs only node and npm
    return subprocess.run(["/bin/bash", "-c", f'set -euo pipefail; source "{ROOT}/scripts/_node.sh"; echo PASSED'],
                          capture_output=True, text=True, env=env, timeout=30)


@pytest.mark.parametrize("version, passes, says", [
    ("22.11.0", True, ""),
    ("24.1.0", True, ""),
    ("20.20.2", True, "Node.js 20 reached end of life on 2026-04-30"),
    ("26.0.0", True, "newer than the bundled projects declare"),
    ("18.20.0", False, "too old"),
    (None, False, "'node' is not on PATH"),
])
def test_the_scripts_say_which_node_to_use(tmp_path, version, passes, says):
    done = _node_check(tmp_path, version)
    assert ("PASSED" in done.stdout) == passes, done.stderr
    assert says in done.stderr
    if says:
        assert "Node.js 22 LTS" in done.stderr, "each message recommends a supported Node"
    else:
        assert done.stderr == ""


def test_the_demo_names_the_console_by_its_path_when_it_is_not_on_path(tmp_path, monkeypatch):
    from strapi_console import demo

    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    script = venv_bin / "strapi-console"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert demo.console_command() == str(script)
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}/usr/bin")
    assert demo.console_command() == "strapi-console"
