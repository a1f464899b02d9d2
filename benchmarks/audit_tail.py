"""Audit tail: ingest a sustained event rate into panel 4 and measure memory and key-press latency.

    python benchmarks/audit_tail.py [--rate 10000] [--minutes 10] [--speed 10]

Events arrive as the tail delivers them: one batch per poll (every 2 s of simulated time), a few with
large payloads, some alerts. ``--speed 10`` plays the 10 minutes in one (the batches are ten times
closer together, so the load per second is ten times higher than in reality: a stricter test).
While events flow, an arrow key is sent every wall-clock second, as a terminal sends it, and the time
until the panel has handled the move (cursor moved, detail shown) is recorded. Targets: memory bounded (the ring buffer keeps 10,000 events), a key answered < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(rate: int, minutes: float, speed: float) -> dict:
    from screens.app import StrapiConsoleApp
    from screens.audit_panel import AuditPanel
    from strapi_console.audit.events import AuditEvent
    from strapi_console.config import Config
    from textual import events

    app = StrapiConsoleApp(config=Config(path=Path("/nonexistent/config.toml")))
    poll_every = 2.0  # simulated seconds between batches
    batches = int(minutes * 60 / poll_every)
    per_batch = max(1, round(rate / 60 * poll_every))
    start = datetime.now(timezone.utc)
    actions = ["entry.update", "entry.create", "entry.publish", "media.create", "entry.delete", "role.update"]
    counter = 0

    def batch(index: int) -> list[AuditEvent]:
        nonlocal counter
        out = []
        for i in range(per_batch):
            counter += 1
            big = counter % 1000 == 0
            out.append(AuditEvent(
                profile=f"server{counter % 5}", source_id=str(counter),
                time=start + timedelta(seconds=index * poll_every, microseconds=i),
                who=f"editor{counter % 17}@example.com", action=actions[counter % len(actions)],
                target=f"article #{counter}", summary=f"update api::article.article #{counter}", derived=False,
                payload={"entry": {"id": counter, "body": ("x" * 100_000) if big else "short"}}))
        return out

    latencies: list[float] = []
    memory: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        panel = app.screen
        assert isinstance(panel, AuditPanel)
        table = panel.query_one("#events")
        table.focus()
        answered: list[float] = []
        handler = AuditPanel.on_event_list_highlighted

        def timed(self, event):
            handler(self, event)
            if event.by_user:
                answered.append(time.perf_counter())

        AuditPanel.on_event_list_highlighted = timed  # Textual dispatches through the class
        base_rss = rss_mb()
        wall_started = time.perf_counter()
        next_key = wall_started + 1.0
        for index in range(batches):
            panel._on_events(batch(index))
            if index % 30 == 0:
                memory.append(rss_mb())
            now = time.perf_counter()
            if now >= next_key:
                # as a terminal would: the key event is queued; the answer is the panel handling the move
                answered.clear()
                pressed = time.perf_counter()
                app.post_message(events.Key("up" if len(latencies) % 2 else "down", None))
                while not answered and time.perf_counter() - pressed < 5:
                    await asyncio.sleep(0)
                latencies.append((answered[0] if answered else time.perf_counter()) - pressed)
                next_key = now + 1.0
            await asyncio.sleep(max(0.0, poll_every / speed - (time.perf_counter() - now)))
        elapsed = time.perf_counter() - wall_started
        kept = len(panel.buffer)
        rows = table.row_count
    latencies.sort()
    return {"events": counter, "elapsed_s": elapsed, "kept": kept, "rows": rows, "base_rss_mb": base_rss,
            "rss_first_minute_mb": max(memory[: max(1, len(memory) // minutes_int(minutes))]),
            "rss_peak_mb": max(memory), "rss_end_mb": memory[-1],
            "key_median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "key_p95_ms": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000 if latencies else float("nan"),
            "key_max_ms": latencies[-1] * 1000 if latencies else float("nan"), "key_presses": len(latencies)}


def minutes_int(minutes: float) -> int:
    return max(1, int(minutes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=10_000, help="events per minute (default 10000)")
    parser.add_argument("--minutes", type=float, default=10, help="simulated minutes (default 10)")
    parser.add_argument("--speed", type=float, default=10, help="simulated time runs this much faster (default 10)")
    args = parser.parse_args()
    r = asyncio.run(run(args.rate, args.minutes, args.speed))
    print(f"audit tail: {r['events']} events in {r['elapsed_s']:.0f} s wall ({args.rate}/min simulated, "
          f"x{args.speed:g}); kept {r['kept']} (table {r['rows']} rows)")
    print(f"  memory: {r['base_rss_mb']:.0f} MB before, {r['rss_first_minute_mb']:.0f} MB after the first minute, "
          f"peak {r['rss_peak_mb']:.0f} MB, end {r['rss_end_mb']:.0f} MB")
    print(f"  key press answered: median {r['key_median_ms']:.0f} ms, p95 {r['key_p95_ms']:.0f} ms, "
          f"max {r['key_max_ms']:.0f} ms over {r['key_presses']} presses (target < 100 ms)")


if __name__ == "__main__":
    main()
