"""AUTH-WEBHOOKS and containment share one rule for "a host the operator declared" (strapi_console/hosts.py)."""

from __future__ import annotations

import asyncio
import dataclasses

from strapi_console.hosts import host_of, recognised


def test_declared_hosts_and_their_subdomains_are_recognised():
    assert recognised("hooks.example.com", ["example.com"]) and recognised("EXAMPLE.com", ["example.com"])
    assert not recognised("example.com.evil.test", ["example.com"]) and not recognised("badexample.com", ["example.com"])
    assert host_of("https://User:pw@Hooks.Example.com:8443/x?token=1") == "hooks.example.com"
    assert host_of("http://[::1") == "" and host_of(None) == ""


def test_auth_webhooks_warns_on_a_host_the_profile_does_not_declare(fake_strapi):
    def verdict(known):
        fake_strapi.profile = dataclasses.replace(fake_strapi.profile, known_webhook_hosts=known)
        result = asyncio.run(fake_strapi.scan(check_ids=["AUTH-WEBHOOKS"]))
        return result.findings[0]

    assert verdict([]).status == "pass"  # nothing declared: no opinion on hosts
    assert verdict(["example.com"]).status == "pass"  # the fake's webhook posts to hooks.example.com
    stranger = verdict(["cms.example.org"])
    assert stranger.status == "warn" and "hooks.example.com" in stranger.title
