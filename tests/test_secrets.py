"""The secret store over the real keyring API: what it stores, and what happens with no keyring."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail

from strapi_console.cli import main
from strapi_console.errors import NoKeyringError
from strapi_console.secrets import SERVICE, Credentials, SecretStore


def test_one_entry_per_profile_without_password_by_default(isolated):
    store = SecretStore()
    store.set("prod", Credentials(kind="session", access_token="a.b.c", refresh_cookie="r" * 20, device_id="d"))
    raw = json.loads(isolated.entries[(SERVICE, "prod")])
    assert raw["kind"] == "session" and "password" not in raw
    assert store.get("prod").refresh_cookie == "r" * 20
    assert store.delete("prod") and store.get("prod") is None


def test_repr_never_shows_tokens():
    creds = Credentials(kind="session", access_token="very-secret-token", password="hunter2-password")
    assert "very-secret" not in repr(creds) and "hunter2" not in repr(creds)


def test_no_keyring_is_said_clearly_with_choices(monkeypatch):
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    with pytest.raises(NoKeyringError) as info:
        store.set("prod", Credentials(kind="jwt", access_token="x.y.z"))
    text = str(info.value)
    assert "SSH" in text and "memory" in text and "keyrings.alt" in text and "PYTHON_KEYRING_BACKEND" in text
    store.use_memory()
    assert store.set("prod", Credentials(kind="jwt", access_token="x.y.z")) == "memory"
    assert store.get("prod").access_token == "x.y.z"


def test_cli_login_without_keyring_explains_before_asking(tmp_path, capsys):
    keyring.set_keyring(fail.Keyring())
    main(["profile", "add", "p", "--url", "https://cms.example.com", "--email", "a@b.c"])
    capsys.readouterr()
    assert main(["login", "p", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "No usable keyring" in err and "keyrings.alt" in err


def test_foreign_keyring_entry_is_reported(isolated):
    isolated.entries[(SERVICE, "p")] = "not json"
    from strapi_console.errors import SecretStoreError

    with pytest.raises(SecretStoreError, match="strapi-console login p"):
        SecretStore().get("p")
