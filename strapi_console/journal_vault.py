"""Exact values a journal entry needs for undo but must not hold in its file (a webhook URL with a token
in it): kept in the keyring under the entry's id, deleted once the entry no longer needs them.

The journal file holds the redacted value (``redact_url``), so it still says where the webhook pointed.
Without a usable keyring the values live in this process only; an undo from a later process then says
the exact value is gone instead of sending the redacted one.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from .errors import SecretStoreError
from .redact import register_secret
from .secrets import SERVICE, keyring_usable

_memory: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def _key(entry_id: str) -> str:
    return f"journal:{entry_id}"


def _register(values: dict[str, Any]) -> None:
    for side in values.values():
        for value in (side or {}).values():
            if isinstance(value, str):
                register_secret(value)


def put(entry_id: str, values: dict[str, Any]) -> str:
    """Keep ``values`` ({"before": {cell: exact}, "after": {...}}) for ``entry_id``; says where they went."""
    _register(values)
    with _lock:
        _memory[entry_id] = values
    if not keyring_usable()[0]:
        return "memory"
    import keyring
    import keyring.errors

    try:
        keyring.set_password(SERVICE, _key(entry_id), json.dumps(values))
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(f"The keyring refused the exact values of journal entry {entry_id}: "
                               f"{type(exc).__name__}. Nothing was sent.") from None
    return "keyring"


def get(entry_id: str) -> dict[str, Any] | None:
    with _lock:
        if entry_id in _memory:
            return _memory[entry_id]
    if not keyring_usable()[0]:
        return None
    import keyring
    import keyring.errors

    try:
        raw = keyring.get_password(SERVICE, _key(entry_id))
    except keyring.errors.KeyringError:
        return None
    try:
        values = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    _register(values)
    return values


def delete(entry_id: str) -> None:
    """Forget the values (the entry was undone, or never reached the server)."""
    with _lock:
        _memory.pop(entry_id, None)
    if not keyring_usable()[0]:
        return
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(SERVICE, _key(entry_id))
    except keyring.errors.KeyringError:  # PasswordDeleteError included: nothing was stored
        pass
