"""The console's asyncio network streams (strapi_console/netio.py), beneath httpcore."""

from __future__ import annotations

import asyncio

from strapi_console.netio import Stream


class SlowClosingWriter:
    """A StreamWriter whose close takes a while, as when the peer has not read what was sent: every
    wait_closed() awaits the one shared future, as asyncio's own does."""

    def __init__(self) -> None:
        self.closed = asyncio.get_running_loop().create_future()

    def close(self) -> None:
        pass

    async def wait_closed(self) -> None:
        await self.closed


async def test_a_close_cancelled_in_one_task_does_not_cancel_another_tasks_close():
    """At shutdown a worker cancelled while closing a pooled connection must not make the session's own
    close of the same connection raise CancelledError (it failed the app's unmount, now and then)."""
    writer = SlowClosingWriter()
    stream = Stream(asyncio.StreamReader(), writer)  # type: ignore[arg-type]
    worker = asyncio.create_task(stream.aclose())
    session = asyncio.create_task(stream.aclose())
    await asyncio.sleep(0.01)
    worker.cancel()
    await asyncio.sleep(0.01)
    writer.closed.set_result(None)  # the connection is closed at last
    await asyncio.wait_for(session, 1)  # ends normally
    assert worker.cancelled()
