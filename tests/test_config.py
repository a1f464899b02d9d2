"""Profiles on disk: validation messages that name the file, the key and what is allowed; atomic writes;
no secret ever in the file."""

from __future__ import annotations

import os
import stat

import pytest

from strapi_console import config as cm
from strapi_console.cli import main
from strapi_console.errors import ConfigError, InsecureURLError, ProfileNotFound


def write(tmp_path, text: str):
    path = tmp_path / "config" / "strapi-console" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_typo_in_a_key_names_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, '[profiles.prod]\nurl = "https://cms.example.com"\nemial = "a@b.c"\n')
    with pytest.raises(ConfigError) as info:
        cm.load()
    text = str(info.value)
    assert str(path) in text and "'emial'" in text and "Did you mean 'email'" in text and "Allowed:" in text


def test_bad_value_types_are_explained(tmp_path):
    write(tmp_path, '[profiles.prod]\nurl = "https://cms.example.com"\nread_only = "yes"\n')
    with pytest.raises(ConfigError, match=r"read_only must be true or false"):
        cm.load()


def test_broken_toml_is_a_clear_error(tmp_path):
    path = write(tmp_path, '[profiles.prod\nurl = "x"\n')
    with pytest.raises(ConfigError, match="is not valid TOML") as info:
        cm.load()
    assert str(path) in str(info.value)
    assert main(["profile", "list"]) == 1  # the CLI reports it and exits 1, no traceback


def test_remote_plain_http_needs_opt_in(tmp_path):
    with pytest.raises(InsecureURLError, match="--allow-http"):
        cm.normalize_url("http://cms.example.com", where="--url", allow_http=False)
    assert cm.normalize_url("http://127.0.0.1:1337/", where="--url", allow_http=False) == "http://127.0.0.1:1337"
    assert cm.normalize_url("http://localhost:1337", where="--url", allow_http=False)
    assert cm.normalize_url("http://cms.example.com", where="--url", allow_http=True)


@pytest.mark.parametrize("url", ["cms.example.com", "ftp://x", "https://user:pw@cms.example.com", "https://x/?a=1"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ConfigError):
        cm.normalize_url(url, where="--url", allow_http=False)


def test_profile_roundtrip_is_atomic_and_private(tmp_path, capsys):
    assert main(["profile", "add", "prod", "--url", "https://cms.example.com", "--email", "ops@example.com",
                 "--tag", "production"]) == 0
    out = capsys.readouterr().out
    assert "read-only" in out
    cfg = cm.load()
    prod = cfg.get("prod")
    assert prod.production and prod.default_read_only and prod.email == "ops@example.com"
    mode = stat.S_IMODE(os.stat(cfg.path).st_mode)
    assert mode == 0o600
    assert not [p for p in cfg.path.parent.iterdir() if p.name.startswith(".config-")]  # no temp files left
    assert main(["profile", "add", "staging", "--url", "https://staging.example.com", "--read-write",
                 "--tag", "production"]) == 0
    assert cm.load().get("staging").default_read_only is False


def test_unknown_profile_suggests_close_name(tmp_path):
    main(["profile", "add", "production-eu", "--url", "https://cms.example.com"])
    with pytest.raises(ProfileNotFound, match="Did you mean 'production-eu'"):
        cm.load().get("production-ue")


def test_config_override_by_flag_and_env(tmp_path, monkeypatch, capsys):
    alt = tmp_path / "alt.toml"
    assert main(["--config", str(alt), "profile", "add", "a", "--url", "https://a.example.com"]) == 0
    assert alt.exists()
    monkeypatch.setenv("STRAPI_CONSOLE_CONFIG", str(alt))
    capsys.readouterr()
    assert main(["profile", "list"]) == 0
    assert "https://a.example.com" in capsys.readouterr().out


def test_profile_remove_deletes_keyring_entry(tmp_path, isolated, capsys):
    from strapi_console.secrets import Credentials, SecretStore

    main(["profile", "add", "x", "--url", "https://x.example.com"])
    SecretStore().set("x", Credentials(kind="jwt", access_token="tok-123456789"))
    assert isolated.entries
    assert main(["profile", "remove", "x"]) == 0
    assert not isolated.entries
    assert "x" not in cm.load().profiles


def test_cli_refuses_remote_http_without_flag(tmp_path, capsys):
    assert main(["profile", "add", "p", "--url", "http://cms.example.com"]) == 1
    err = capsys.readouterr().err
    assert "Plain HTTP refused" in err and "--allow-http" in err
    assert main(["profile", "add", "p", "--url", "http://cms.example.com", "--allow-http"]) == 0
    assert "Warning: plain HTTP" in capsys.readouterr().err
