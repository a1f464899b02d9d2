"""Regenerate the README screenshots from the running app against the real demo Strapi.

    .venv/bin/python scripts/screenshots.py

Starts the bundled Strapi (template secrets, like the demo), signs in through the app's own login
form, and saves SVGs of the real screens into screenshots/. Refuses to write a file that contains any
secret it handled (password, tokens, cookies).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"


def main() -> int:
    import keyring
    import keyring.backend

    class _Memory(keyring.backend.KeyringBackend):
        priority = 1
        entries: dict = {}

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            self.entries.pop((service, username), None)

    real_cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    from strapi_console.strapi_server import StrapiServer, demo_project_dir, install

    app_dir = install(demo_project_dir(), log=print)
    v4_dir = install(ROOT / "tests" / "strapi4_project", log=print)
    tmp = Path(tempfile.mkdtemp(prefix="strapi-console-shots-"))
    for var, sub in (("XDG_CONFIG_HOME", "c"), ("XDG_DATA_HOME", "d"), ("XDG_STATE_HOME", "s")):
        os.environ[var] = str(tmp / sub)
    os.environ["XDG_CACHE_HOME"] = real_cache
    memory = _Memory()
    keyring.set_keyring(memory)
    server = StrapiServer.start(app_dir, secrets="default", workdir=tmp / "srv")
    legacy = StrapiServer.start(v4_dir, secrets="random", workdir=tmp / "srv4")
    try:
        return asyncio.run(_shoot(server, legacy, memory))
    finally:
        server.stop()
        legacy.stop()


async def _shoot(server, legacy, memory) -> int:
    import secrets as pysecrets

    from screens.app import StrapiConsoleApp
    from screens.login_form import LoginForm
    from strapi_console import config as cm
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile

    email, password = "ops@example.com", f"Shot-{pysecrets.token_urlsafe(12)}-1a"
    for srv in (server, legacy):
        async with StrapiClient(Profile("setup", srv.url)) as client:
            await client.http.send("POST", "/admin/register-admin", json_body={
                "email": email, "password": password, "firstname": "Ops", "lastname": "Admin"})
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    legacy_profile = Profile("legacy-v4", legacy.url, email=email, tags=["production"])
    async with StrapiClient(legacy_profile, on_credentials=lambda c: store.set("legacy-v4", c)) as client:
        await client.login(email, password)
    cfg = cm.load()
    cfg.add(Profile("demo", server.url, email=email, tags=["development"]))
    cfg.add(legacy_profile)
    cfg.add(Profile("prod-eu", "https://127.0.0.1:9", tags=["production"]))
    cfg.add(Profile("staging", "http://127.0.0.1:9", email="ops@example.com"))
    cm.save(cfg)
    app = StrapiConsoleApp(config=cfg)
    shots: dict[str, str] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        async def settle(until=None):
            for _ in range(300):
                await pilot.pause(0.1)
                busy = any(s.refreshing for s in app.states.values())
                if (until is None and not busy and app.states) or (until and until()):
                    return
        await settle()
        await pilot.press("l")
        await settle(lambda: isinstance(app.screen, LoginForm))
        for ch in password:
            await pilot.press(ch)
        shots["login"] = app.export_screenshot(title="strapi-console — sign in")
        await pilot.press("enter")
        await settle(lambda: app.state("demo").signed_in)
        await settle()
        await pilot.pause(0.5)
        shots["servers"] = app.export_screenshot(title="strapi-console — servers")
        await pilot.press("enter")
        await pilot.pause(0.5)
        shots["findings"] = app.export_screenshot(title="strapi-console — findings")
        await pilot.press("escape", "2")
        await pilot.pause(0.3)
        app.screen.query_one("#fleet-versions").move_cursor(row=1)
        await pilot.pause(0.3)
        shots["versions"] = app.export_screenshot(title="strapi-console — versions & advisories")
        await pilot.press("1")
        await pilot.pause(0.2)
        app.screen.select("demo")
        await pilot.press("3")
        panel = app.screen
        await settle(lambda: getattr(panel, "role", None) is not None)
        matrix = panel.query_one("#matrix")
        matrix.focus()
        matrix.move_cursor(row=matrix.get_row_index("api::article.article"), column=matrix.get_column_index("create"))
        await pilot.press("space")
        await pilot.pause(0.3)
        shots["permissions"] = app.export_screenshot(title="strapi-console — permissions")
        await pilot.press("x")
        panel._compare("demo", "Authenticated")
        await settle(lambda: app.screen is not panel)
        await pilot.press("n")
        await pilot.pause(0.3)
        shots["compare"] = app.export_screenshot(title="strapi-console — compare roles")
        await pilot.press("escape", "5")
        await pilot.pause(0.5)
        shots["headers"] = app.export_screenshot(title="strapi-console — HTTPS & headers")
        await pilot.press("4")
        audit = app.screen
        await settle(lambda: audit.statuses.get("demo") is not None and audit.statuses["demo"].polls >= 1)
        async with StrapiClient(cfg.get("demo"), store.get("demo")) as client:  # something to see happen
            made = (await client.call("POST", "/content-manager/collection-types/api::article.article",
                                      json_body={"title": "Launch notes"}))["data"]
            await client.call("POST", f"/content-manager/collection-types/api::article.article/"
                                      f"{made['documentId']}/actions/publish", json_body={})
            await client.call("POST", "/admin/api-tokens", json_body={"name": "ci-deploy", "type": "full-access"})
        await settle(lambda: audit.query_one("#events").row_count >= 3)
        await pilot.pause(0.5)
        shots["audit"] = app.export_screenshot(title="strapi-console — audit tail")
        await pilot.press("1", "question_mark")
        await pilot.pause(0.3)
        shots["help"] = app.export_screenshot(title="strapi-console — keys")
    import json

    forbidden = [password]
    for raw in memory.entries.values():
        stored = json.loads(raw)
        forbidden += [stored.get(k) for k in ("access_token", "refresh_cookie", "refresh_sig", "password")]
    OUT.mkdir(exist_ok=True)
    for name, svg in shots.items():
        leaked = [s for s in forbidden if s and s in svg]
        if leaked or "eyJ" in svg:
            print(f"refusing to write {name}.svg: it contains secret material", file=sys.stderr)
            return 1
        (OUT / f"{name}.svg").write_text(svg)
        print(f"wrote screenshots/{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
