"""The real demo Strapi for a benchmark: installed once, started on loopback, first admin registered."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

EMAIL, PASSWORD = "bench@example.test", "Bench-Passw0rd-1a"


@asynccontextmanager
async def demo_server(prefix: str):
    """Yields (server, admin e-mail, admin password); the server is stopped afterwards."""
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile
    from strapi_console.strapi_server import StrapiServer, demo_project_dir, install

    server = await asyncio.to_thread(StrapiServer.start, install(demo_project_dir()),
                                     workdir=Path(tempfile.mkdtemp(prefix=prefix)))
    try:
        async with StrapiClient(Profile("setup", server.url)) as c:
            await c.http.send("POST", "/admin/register-admin", json_body={
                "email": EMAIL, "password": PASSWORD, "firstname": "B", "lastname": "A"})
        yield server, EMAIL, PASSWORD
    finally:
        server.stop()
