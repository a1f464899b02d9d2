"""Runs last (file order): after the end-to-end suite, no token, password or cookie the console used is
found in any file it wrote — config, data, cache and state dirs, journals, snapshots, exports, snippets,
reports — nor in the README screenshots or the snapshot baselines.

The secrets are the ones the console registered for redaction in this process (every sign-in, password,
token and cookie it handled), every credential the CLI subprocesses stored in their file keyrings, and
the secrets tests planted in server data the console reads (webhook URL tokens and passwords:
leak_canaries.py). Excluded: the keyrings themselves, files a test asked for a secret to be written
to (`*.key`), and the Strapi servers' own directories (server side, not the console's).
"""

from __future__ import annotations

import base64
import configparser
import json
from pathlib import Path

from leak_canaries import PLANTED
from strapi_console import redact

ROOT = Path(__file__).resolve().parent.parent
SERVER_SIDE = ("srv-", "victim", "served-project", "strapi-console-srv-")


def _keyring_files(base: Path) -> list[Path]:
    return list(base.rglob("keyring_pass.cfg"))


def _secrets_from_keyrings(files: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in parser.sections():
            for _, value in parser.items(section):
                try:
                    raw = base64.b64decode(value).decode()
                    creds = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(creds, dict):
                    found |= {str(creds[k]) for k in ("access_token", "refresh_cookie", "refresh_sig", "password")
                              if creds.get(k)}
    return found


def _swept_files(base: Path) -> list[Path]:
    out = []
    for path in base.rglob("*"):
        if not path.is_file() or path.suffix in (".key", ".db", ".sqlite") or path.name == "keyring_pass.cfg":
            continue
        if any(part.startswith(SERVER_SIDE) for part in path.relative_to(base).parts):
            continue
        if "node_modules" in path.parts or "strapi-projects" in path.parts:
            continue
        out.append(path)
    return out


def test_no_secret_in_any_file_the_suite_wrote(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    secrets = set(redact._known)
    secrets |= _secrets_from_keyrings(_keyring_files(base))
    secrets |= PLANTED
    secrets = {s for s in secrets if len(s) >= 12}  # short values would match by accident
    files = _swept_files(base) + list((ROOT / "screenshots").glob("*.svg")) + list(
        (ROOT / "tests" / "__snapshots__").rglob("*.svg"))
    leaks = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8", errors="ignore")
        except OSError:
            continue
        for secret in secrets:
            if secret in text:
                leaks.append(f"{path}: {secret[:6]}…")
    assert secrets, "the sweep found no secret to look for: it would prove nothing"
    assert leaks == [], "secrets found in files:\n" + "\n".join(leaks[:20])
