"""Reads several parts of one scan need (the checks, the AUD-DRIFT settings snapshot), each sent once
per scan through the scan's memo, whoever asks first and however many ask at the same time.

``memo`` is ``ScanContext.memo`` (key, factory) → result; outside a scan, :func:`no_memo` just reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from . import bounds, permissions, tokens
from .client import StrapiClient

Memo = Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def no_memo(key: str, factory: Callable[[], Awaitable[Any]]) -> Any:
    return await factory()


async def up_roles(client: StrapiClient, memo: Memo) -> list[permissions.RoleSummary]:
    return await memo("up-roles", lambda: permissions.list_roles(client))


async def up_role(client: StrapiClient, memo: Memo, role_id: int) -> permissions.Role:
    return await memo(f"up-role:{role_id}", lambda: permissions.read_role(client, role_id))


async def up_role_by_type(client: StrapiClient, memo: Memo, role_type: str) -> permissions.Role | None:
    summary = next((r for r in await up_roles(client, memo) if r.type == role_type), None)
    return await up_role(client, memo, summary.id) if summary else None


async def up_advanced(client: StrapiClient, memo: Memo) -> dict[str, Any]:
    return await memo("up-advanced", lambda: permissions.read_advanced(client))


async def up_providers(client: StrapiClient, memo: Memo) -> dict[str, dict]:
    return await memo("up-providers", lambda: permissions.read_providers(client))


async def webhooks(client: StrapiClient, memo: Memo) -> list[dict]:
    async def read() -> list[dict]:
        answer = await client.get("/admin/webhooks")
        return [h for h in (answer.get("data") if isinstance(answer, dict) else None) or [] if isinstance(h, dict)]

    return await memo("webhooks", read)


async def token_list(client: StrapiClient, memo: Memo, kind: str) -> list[tokens.Token] | None:
    return await memo(f"tokens:{kind}", lambda: tokens.list_tokens(client, kind))


async def admin_users(client: StrapiClient, memo: Memo) -> list[dict]:
    async def read() -> list[dict]:
        users, page = [], 1
        while True:
            data = bounds.obj(bounds.obj(await client.get("/admin/users", params={"page": page, "pageSize": 100}))
                              .get("data"))
            users += [u for u in bounds.items(data.get("results")) if isinstance(u, dict)]
            if page >= bounds.integer(bounds.obj(data.get("pagination")).get("pageCount"), 1, 50, default=1, clamp=True):
                return users
            page += 1

    return await memo("admin-users", read)
