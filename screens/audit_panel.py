"""Panel 4: who changed what, as it happens, across the servers of the session.

One time-ordered stream (Enterprise audit logs, or the derived feed on Community servers, labelled as
such). Follow mode stays at the bottom until the operator moves up, then counts what arrived ("N new —
End to follow"). The tail polls in a worker and pauses while the panel is hidden or paused; memory is
bounded by the ring buffer, in events and in bytes: an event keeps a preview of a large payload, and the
detail pane and the export fetch the whole one again from its server.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TextArea

from strapi_console import paths
from strapi_console.audit.community import CANNOT_SEE
from strapi_console.audit.events import AuditEvent, EventBuffer
from strapi_console.audit.filters import compile_filter
from strapi_console.audit.tail import ServerStatus, Tail
from strapi_console.display import json_text, safe
from strapi_console.errors import isolate
from strapi_console.files import open_private

from .event_list import EventList
from .key_bar import KeyBar
from .layout import Column, fit

BUFFER_SIZE = 10_000
COLUMNS = [("Time", 11), ("Server", 14), ("Who", 22), ("Action", 24), ("Target", 28), ("Summary", 100)]
# Below 140 columns Who and Action take less room and the target gives way first (the summary names it),
# so that the summary always shows; the server column goes when the stream has a single server.
WIDE = [Column("Time", "Time", 11), Column("Server", "Server", 14, rank=1), Column("Who", "Who", 22),
        Column("Action", "Action", 24), Column("Target", "Target", 28, rank=2),
        Column("Summary", "Summary", 30, flex=True)]
NARROW = [Column("Time", "Time", 11), Column("Server", "Server", 10, rank=1), Column("Who", "Who", 14),
          Column("Action", "Action", 16), Column("Target", "Target", 16, rank=2),
          Column("Summary", "Summary", 20, flex=True)]
SKEW_SHOWN = 2.0  # seconds of clock difference worth telling the operator about


def _short(text: str, width: int) -> str:
    return safe(text, width)


class AuditPanel(Screen):
    BINDING_GROUP_TITLE = "Audit tail"
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", id="audit.filter"),
        Binding("escape", "clear", "Clear / back", id="audit.escape"),
        Binding("p", "pause", "Pause", id="audit.pause"),
        Binding("end", "follow", "Follow", key_display="End", id="audit.follow", priority=True),
        Binding("x", "export", "Export view", id="audit.export"),
    ]

    def __init__(self, *, buffer_size: int = BUFFER_SIZE) -> None:
        super().__init__(name="audit")
        self.buffer = EventBuffer(buffer_size)
        self.following = True
        self.paused = False
        self.unseen = 0
        self.keep = compile_filter(None)
        self.tail: Tail | None = None
        self.statuses: dict[str, ServerStatus] = {}
        self._last_alert = 0.0
        self._dropped = 0  # the buffer's drop count the table was last trimmed to
        self._shown: AuditEvent | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="audit-sources")
            yield Input(placeholder="filter: server:NAME user:TEXT action:PREFIX is:alert -word — esc clears",
                        id="audit-filter")
            yield EventList(COLUMNS, self._cells, id="events")
            yield Static(id="audit-follow")
            with Vertical(id="event-pane"):
                yield Static(id="event-head")
                yield TextArea(id="event-detail", read_only=True, show_line_numbers=False, soft_wrap=False)
        yield KeyBar()

    def _fit_columns(self) -> None:
        width = self.app.size.width
        spec = WIDE if width >= 140 else NARROW
        if len(self.app.profiles()) <= 1:
            spec = [c for c in spec if c.key != "Server"]
        widths = fit(spec, width - 2, padding=1)
        self.query_one("#events", EventList).set_columns([(label, widths.get(label, 0)) for label, _ in COLUMNS])

    def on_resize(self) -> None:
        self._fit_columns()

    def on_mount(self) -> None:
        self.sub_title = "4 Audit tail"
        table = self.query_one("#events", EventList)
        self._fit_columns()
        self.query_one("#audit-filter", Input).display = False
        self._render_sources()
        self._render_follow()
        table.focus()
        self._start()

    # --- the tail, in a worker; paused while the panel is hidden ----------------------------------

    @work(exclusive=True, group="audit-tail", exit_on_error=False)
    async def _start(self) -> None:
        profiles = self.app.profiles()
        if not profiles:
            self.query_one("#audit-sources", Static).update("No servers: add one in the server list (1).")
            return
        fast = self.app.tail_fast
        kw = {"fast": fast, "slow": fast * 5} if fast else {}
        self.tail = Tail(profiles, self.app.store, on_events=self._on_events, on_status=self._on_status,
                         transport=self.app.transport, sessions=self.app.sessions, **kw)
        await self.tail.run()

    def on_screen_suspend(self) -> None:
        if self.tail:
            self.tail.pause()

    def on_screen_resume(self) -> None:
        if self.tail and not self.paused:
            self.tail.resume()

    def _on_status(self, status: ServerStatus) -> None:
        self.statuses[status.profile] = status
        self._render_sources()
        self.app.note_tail_status(status)

    def _on_events(self, events: list[AuditEvent]) -> None:
        self.buffer.extend(events)
        shown = [e for e in events if self.keep(e)]
        alerts = [e for e in events if e.alert]
        if shown:
            self._append(shown)
        if alerts and time.monotonic() - self._last_alert > 1.0:  # at most one notification a second
            self._last_alert = time.monotonic()
            first = alerts[0]
            more = f" (+{len(alerts) - 1} more)" if len(alerts) > 1 else ""
            self.notify(f"{first.profile}: {first.alert} — {first.summary}{more}", title="Audit alert",
                        severity="warning", timeout=8)

    # --- the table: appended by diff, trimmed with the buffer ------------------------------------

    def _cells(self, e: AuditEvent) -> list:
        style = "bold red" if e.alert else ("dim" if e.by_console else "")
        local = e.time.astimezone()
        when = local.strftime("%H:%M:%S") if local.date() == datetime.now().date() else local.strftime("%m-%d %H:%M")
        action = ("! " if e.alert else "") + e.action + (" ~" if e.derived else "")
        return [Text(when, style=style), Text(_short(e.profile, 40), style=style), Text(_short(e.who, 80), style=style),
                Text(_short(action, 60), style=style), Text(_short(e.target, 80), style=style),
                Text(_short(e.summary, 100), style=style)]

    def _append(self, events: list[AuditEvent]) -> None:
        table = self.query_one("#events", EventList)
        if table.items and events[0].time < table.items[-1].time:
            self._rebuild()  # a late arrival (another server's batch): keep the view time-ordered
            return
        dropped_before = self._dropped
        table.append(events)
        self._dropped = self.buffer.dropped
        if self._dropped != dropped_before and len(self.buffer):  # the buffer dropped its oldest: so does the view
            oldest = next(iter(self.buffer)).time
            stale = 0
            while stale < len(table.items) and table.items[stale].time < oldest:
                stale += 1
            table.trim_front(stale)
        if self.following:
            self._to_bottom()
        else:
            self.unseen += len(events)
        self._render_follow()

    def _rebuild(self) -> None:
        self.query_one("#events", EventList).set_items(self.visible_events())
        if self.following:
            self._to_bottom()
        self._render_follow()

    def _to_bottom(self) -> None:
        table = self.query_one("#events", EventList)
        if table.row_count:
            table.move_cursor(table.row_count - 1)

    def on_event_list_highlighted(self, event: EventList.Highlighted) -> None:
        if event.by_user and not event.at_end and self.following:
            self.following = False  # the operator moved up: stop following, count what arrives
            self.unseen = 0
            self._render_follow()
        elif event.by_user and event.at_end and not self.following:
            self.action_follow()
        self._show(event.item)

    # --- header, follow line, detail -----------------------------------------------------------

    def _render_sources(self) -> None:
        parts = []
        for name, s in sorted(self.statuses.items()):
            state = Text("live", style="green") if s.live else (
                Text("error", style="red") if s.error else Text("starting", style="yellow"))
            label = {"audit-log": "audit logs", "derived": "derived feed"}.get(s.mode, s.mode)
            skew = Text(f" clock {s.clock_skew:+.0f}s" if s.clock_skew is not None
                        and abs(s.clock_skew) >= SKEW_SHOWN else "", style="yellow")
            line = Text.assemble((safe(name, 40), "bold"), f" {safe(label, 40)} ", state)
            if s.live:
                line.append(f" every {s.interval:.0f}s")
            line.append_text(skew)
            if s.error:
                line.append(f" — {safe(s.error, 300)}")
            parts.append(line)
        derived = any(s.mode == "derived" for s in self.statuses.values())
        head = Text(" · ").join(parts) if parts else Text("starting the tail…")
        if derived:
            head.append(f"\n~ derived from the admin API (Community edition): cannot see {', '.join(CANNOT_SEE)}",
                        style="dim")
        self.query_one("#audit-sources", Static).update(head)

    def _render_follow(self) -> None:
        if self.paused:
            text = Text.assemble(("paused", "bold yellow"), " — p resumes (no request is sent meanwhile)")
        elif self.following:
            text = Text.assemble(("following", "green"), " — ↑ to stop")
        else:
            text = Text.assemble((f"{self.unseen} new", "bold"), " — End to follow")
        text.append(f" · {len(self.buffer)}/{self.buffer.size} events kept")
        needle = self.query_one("#audit-filter", Input).value.strip()
        if needle and len(self.buffer) and not self.query_one("#events", EventList).row_count:
            text.append_text(Text.assemble(" · ", (f"no event matches '{safe(needle, 60)}'", "bold yellow"),
                                           " (esc clears)"))
        self.query_one("#audit-follow", Static).update(text)

    def _show(self, event: AuditEvent | None, whole: dict | None = None, note: str = "") -> None:
        """The whole event (payload included, secrets redacted) in a scrollable, virtualised text area.

        An event that kept only a preview of a large payload shows the preview at once and fetches the
        whole payload from its server in a worker; it is shown, never kept."""
        self._shown = event
        head = self.query_one("#event-head", Static)
        detail = self.query_one("#event-detail", TextArea)
        if event is None:
            head.update("")
            detail.load_text("")
            return
        if event.truncated and whole is None and not note:
            note = f"fetching the whole payload ({event.payload_size // 1024} KB)…"
            self._fetch_payload(event)
        # JSON with every terminal-active or invisible character as a \\u escape: the data, never control
        text = json_text(event.to_dict(whole), indent=2, default=str)
        line = Text.assemble((safe(event.action, 80), "bold"), f" by {safe(event.who, 80)} on {safe(event.profile, 40)}")
        if event.alert:
            line.append_text(Text.assemble(" — ", (safe(event.alert, 120), "bold red")))
        if event.derived:
            line.append(" (derived)", style="dim")
        if len(text) > 100_000:
            line.append(f" ({len(text) // 1024} KB)", style="dim")
        if note:
            line.append(f" — {safe(note, 300)}", style="dim")
        head.update(line)
        detail.load_text(text)

    @work(exclusive=True, group="audit-payload", exit_on_error=False)
    async def _fetch_payload(self, event: AuditEvent) -> None:
        try:
            whole = await self.tail.whole_payload(event) if self.tail else None
        except Exception as exc:  # noqa: BLE001 — said in the pane, whatever the server did
            error = isolate(exc, f"Fetching event {event.source_id} from {event.profile}")
            whole, note = None, f"only a preview is kept; fetching the whole payload failed: {error.message}"
        else:
            note = "" if whole is not None else "only a preview is kept (a derived event cannot be fetched again)"
        if self._shown is event:  # the operator may have moved on meanwhile
            self._show(event, whole, note or "whole payload fetched from the server (not kept)")

    # --- keys ------------------------------------------------------------------------------------

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.tail:
            (self.tail.pause if self.paused else self.tail.resume)()
        self._render_follow()

    def action_follow(self) -> None:
        if isinstance(self.focused, Input):  # End inside the filter box moves its cursor, as usual
            self.focused.action_end()
            return
        self.following = True
        self.unseen = 0
        self._to_bottom()
        self._render_follow()

    def action_filter(self) -> None:
        box = self.query_one("#audit-filter", Input)
        box.display = True
        box.focus()

    def action_clear(self) -> None:
        box = self.query_one("#audit-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.keep = compile_filter(None)
            self._rebuild()
            self.query_one("#events", EventList).focus()
        else:
            self.app.switch_mode("servers")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.keep = compile_filter(event.value)
        self._rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#events", EventList).focus()

    def visible_events(self) -> list[AuditEvent]:
        return [e for e in self.buffer if self.keep(e)]

    def action_export(self) -> None:
        self._export(self.visible_events())

    @work(exclusive=True, group="audit-export", exit_on_error=False)
    async def _export(self, events: list[AuditEvent]) -> None:
        """Write the view, whole payloads included: a large one is fetched again and written at once, so
        memory holds one at a time."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = paths.data_dir() / "exports" / f"audit-{stamp}.jsonl"
        previews = 0
        with open_private(target) as out:
            for e in events:
                whole = None
                if e.truncated and self.tail:
                    try:
                        whole = await self.tail.whole_payload(e)
                    except Exception:  # noqa: BLE001 — this event keeps its preview; the export goes on
                        whole = None
                previews += e.truncated and whole is None
                out.write(json_text(e.to_dict(whole), default=str) + "\n")
        more = f"; {previews} with only a preview of the payload (not fetched again)" if previews else ""
        self.notify(f"{len(events)} event(s) written to {target}{more}", title="Export")
