"""redact_url and the URL side of redact_text: what may be a credential in a URL is hidden, where it points
stays readable."""

from __future__ import annotations

import pytest

from strapi_console.redact import REDACTED, redact_data, redact_text, redact_url, redact_urls, redact_urls_in_text

SLACK_SECRET = "aB3dE5fG7hJ9kL1mN3pQ5rS7"


@pytest.mark.parametrize("url, expected, secret", [
    # Slack-style: the last segment is the credential, the team/channel ids stay
    (f"https://hooks.slack.com/services/T0ABCD123/B0ABCD456/{SLACK_SECRET}",
     f"https://hooks.slack.com/services/T0ABCD123/B0ABCD456/{REDACTED}", SLACK_SECRET),
    ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     f"https://hooks.slack.com/services/T00000000/B00000000/{REDACTED}", "XXXXXXXXXXXXXXXXXXXXXXXX"),
    # Discord: numeric id stays, token goes
    ("https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_JKLmno123-xyzQRS",
     f"https://discord.com/api/webhooks/123456789012345678/{REDACTED}", "abcDEF-ghi_JKLmno123"),
    # query values
    ("https://hooks.example.test/deploy?token=s3cr3t-t0ken&env=prod",
     f"https://hooks.example.test/deploy?token={REDACTED}&env={REDACTED}", "s3cr3t-t0ken"),
    ("https://hooks.example.test/deploy?s3cr3tbare", f"https://hooks.example.test/deploy?{REDACTED}", "s3cr3tbare"),
    # user-info, even with '@' in the password
    ("https://deployer:p@ss-w0rd@ci.example.test:8443/hooks/build",
     f"https://{REDACTED}@ci.example.test:8443/hooks/build", "p@ss-w0rd"),
    ("https://ghp_tok3n@ci.example.test/x", f"https://{REDACTED}@ci.example.test/x", "ghp_tok3n"),
    ("http://deployer:s3cr3t-pw/hooks", f"http://deployer:{REDACTED}/hooks", "s3cr3t-pw"),  # '@' forgotten
    # fragment (OAuth implicit flow style)
    ("https://app.example.test/cb#access_token=frag-s3cret", f"https://app.example.test/cb#{REDACTED}", "frag-s3cret"),
    # matrix parameters
    ("https://app.example.test/login;jsessionid=S3SS10N/next",
     f"https://app.example.test/login;jsessionid={REDACTED}/next", "S3SS10N"),
    # UUID and Teams GUID@GUID segments
    ("https://webhook.site/123e4567-e89b-12d3-a456-426614174000", f"https://webhook.site/{REDACTED}", "426614174000"),
    ("https://org.webhook.office.com/webhookb2/123e4567-e89b-12d3-a456-426614174000@0e4567-e89b-12d3-a456-4266141740"
     "/IncomingWebhook/0123456789abcdef0123456789abcdef/x",
     f"https://org.webhook.office.com/webhookb2/{REDACTED}/IncomingWebhook/{REDACTED}/x", "0123456789abcdef"),
])
def test_each_secret_shape_is_hidden_and_the_rest_stays(url, expected, secret):
    assert redact_url(url) == expected
    assert secret not in redact_url(url)


@pytest.mark.parametrize("url", [
    "https://example.com/hooks/strapi-content-updated-v2",
    "https://example.com/release-2024-05-notes/webhookReceiverEndpoint",
    "https://cms.example.com:1337/admin/webhooks",
    "http://127.0.0.1:1337/api/connect/github/callback",
    "https://[::1]:8443/a/b/",
])
def test_readable_urls_are_unchanged(url):
    assert redact_url(url) == url


@pytest.mark.parametrize("value", ["not a url", "mailto:ops@example.com", "", "relative/path?x=1", None, 42])
def test_what_is_not_a_url_is_returned_as_is(value):
    assert redact_url(value) == value


def test_long_words_are_not_mistaken_for_words():
    # a 32+ character piece is a token even when it is all lower case letters
    assert redact_url("https://h.test/" + "a" * 40) == f"https://h.test/{REDACTED}"
    assert redact_url("https://h.test/ABCDEFGHIJKLMNOPQRSTUVWX") == f"https://h.test/{REDACTED}"


def test_urls_inside_free_text():
    text = ("Redirected to https://evil.test/x?token=abc123 and http://user:pw-s3cret@c.test/ then "
            "'https://x.test/y?z=1'. Done")
    out = redact_urls_in_text(text)
    assert "abc123" not in out and "pw-s3cret" not in out and "z=1" not in out
    assert out.startswith("Redirected to https://evil.test/x?token=") and out.endswith("'. Done")
    assert "http://<redacted>@c.test/ then" in out
    # redact_text (error messages, titles) applies it too
    assert "pw-s3cret" not in redact_text(f"Cannot reach http://u:pw-s3cret@h.test/: refused")


def test_redact_urls_walks_json_like_data():
    data = {"webhooks": [{"url": f"https://hooks.slack.com/services/T0/B0/{SLACK_SECRET}", "enabled": True}],
            "n": 3, "note": "see https://h.test/?k=v1"}
    out = redact_urls(data)
    assert SLACK_SECRET not in str(out) and "v1" not in str(out)
    assert out["webhooks"][0]["enabled"] is True and out["n"] == 3
    assert data["webhooks"][0]["url"].endswith(SLACK_SECRET)  # a copy: the exact value stays in memory


def test_redact_data_keeps_urls_exact():
    """The journal stores what undo writes back through redact_data: a URL must survive it exactly."""
    url = f"https://hooks.slack.com/services/T0/B0/{SLACK_SECRET}?token=abc12345"
    assert redact_data({"changed": {"url": url}}) == {"changed": {"url": url}}


def test_huge_hostile_inputs_are_handled():
    """Megabytes from a hostile server: the result is right (speed is measured by benchmarks/redact_urls.py)."""
    big = "https://h.test/" + "aB" * 200_000 + "1"
    assert redact_url(big) == f"https://h.test/{REDACTED}"
    many = "x://" * 50_000
    assert redact_urls_in_text(many).startswith("x://")


def test_a_url_in_a_sentence_ends_before_its_punctuation():
    from strapi_console.redact import redact_urls_in_text

    assert redact_urls_in_text("CORS reflects (on https://localhost:43173)") == "CORS reflects (on https://localhost:43173)"
    assert redact_urls_in_text("see https://h.test/a?token=abc.") == "see https://h.test/a?token=<redacted>."


def test_the_rules_for_tokens_bearers_and_cookies_still_apply_in_free_text():
    """redact_text runs its JWT, bearer and cookie rules only on text holding one of their marks: each mark,
    in any case where the rule ignores case, still gets its rule."""
    from strapi_console.redact import REDACTED, redact_text

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl"
    for text, secret in ((f"token {jwt} here", jwt), ("Authorization: BEARER abcdefghijklmnop", "abcdefghijklmnop"),
                         ("Cookie: STRAPI_ADMIN_REFRESH=s3cr3tvalue1234", "s3cr3tvalue1234"),
                         ("koa.sess=zzzzzzzzzzzz; path=/", "zzzzzzzzzzzz")):
        out = redact_text(text, key_values=False)
        assert secret not in out and REDACTED in out, out


def test_the_key_value_rule_still_applies_whatever_the_case_and_to_letters_that_match_ascii_ones():
    """The marks are looked for in the lowercased text when it is ASCII; under re.IGNORECASE 'ſ' is an s, 'ı' and
    'İ' an i and the Kelvin sign a k, which lower() does not all map so: such text gets the rule anyway."""
    from strapi_console.redact import REDACTED, redact_text

    for text in ("PassWord=hunter2hunter2", "db SECRET: 'abcd1234'", "api-KEY=abcdefgh", "Access_Key:zzzzzzzz",
                 "paſſword=hunter2hunter2", "apİ_key=abcdefgh", "authorızation: abcdefgh", "tO\u212aen=abcdefgh"):
        out = redact_text(text)
        assert REDACTED in out and not out.endswith(("hunter2hunter2", "1234'", "abcdefgh", "zzzzzzzz")), (text, out)
    assert redact_text("nothing to see in this text, 12345678") == "nothing to see in this text, 12345678"
