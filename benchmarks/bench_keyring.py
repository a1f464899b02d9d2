"""A keyring backend for the fleet benchmark: the throw-away replay credentials, read from a JSON file.

The console's worker processes read the keyring themselves (nothing secret is handed to them), so the
benchmark's credentials must be in a keyring every process can read. A file backend of the keyring
package re-reads and re-parses its whole file for each of 1,000 profiles, which would measure that
backend; this one reads the file once per process. Selected with
``PYTHON_KEYRING_BACKEND=bench_keyring.ReplayKeyring`` and ``BENCH_KEYRING_FILE``; never for real secrets.
"""

from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend


class ReplayKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._entries is None:
            with open(os.environ["BENCH_KEYRING_FILE"], encoding="utf-8") as f:
                self._entries = json.load(f)
        return self._entries

    def get_password(self, service: str, username: str) -> str | None:
        return self._all().get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._all()[username] = password

    def delete_password(self, service: str, username: str) -> None:
        self._all().pop(username, None)
