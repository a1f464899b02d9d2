"""Reads several parts of one scan need (the checks, the AUD-DRIFT settings snapshot), each sent once
per scan through the scan's memo, whoever asks first and however many ask at the same time.

``memo`` is ``ScanContext.memo`` (key, factory) → result; outside a scan, :func:`no_memo` just reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncio

from . import admin_roles, bounds, permissions, tokens
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


async def admin_roles_full(client: StrapiClient, memo: Memo) -> list:
    """Every admin role with its permissions (the list, then each role's detail: no route returns both)."""
    async def read() -> list:
        roles = await admin_roles.list_roles(client)
        return list(await asyncio.gather(*(admin_roles.read_role(client, r.id) for r in roles)))

    return await memo("admin-roles", read)


async def prefetch(client: StrapiClient, memo: Memo) -> None:
    """Start every signed-in read a full scan makes, while the anonymous probes and /admin/information are
    still on their way: none of them needs those answers, and each role's detail follows its list at once,
    so a scan waits for two rounds of requests here instead of three. Failures are the checks' to report
    (they find the same answer in the memo); nothing is read that a full scan would not read."""
    async def up_roles_full() -> None:
        for role in await up_roles(client, memo):
            asyncio.ensure_future(_quiet(up_role(client, memo, role.id)))

    await asyncio.gather(up_roles_full(), up_advanced(client, memo), up_providers(client, memo), webhooks(client, memo),
                         token_list(client, memo, "api"), token_list(client, memo, "transfer"),
                         token_list(client, memo, "admin"), admin_users(client, memo), admin_roles_full(client, memo),
                         return_exceptions=True)


async def _quiet(read: Awaitable[Any]) -> None:
    try:
        await read
    except Exception:  # noqa: BLE001 - the check that needs this read reports its failure
        pass


async def noting(read: Awaitable[Any], notes: list[str], what: str, consequence: str = "") -> Any:
    """``await read``, or None with a line in ``notes`` saying why ``what`` is missing: a part the
    credentials cannot read is said, never fatal (triage's account and containment's plan go on without it)."""
    from .errors import ConsoleError, Forbidden, NotFound
    from .redact import redact_text

    try:
        return await read
    except (Forbidden, NotFound):
        notes.append(f"{what}: this account may not read it{consequence}")
    except ConsoleError as exc:
        notes.append(f"{what}: could not be read ({redact_text(exc.message)[:200]}){consequence}")
    return None
