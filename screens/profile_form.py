"""Add or edit a profile. Validation is the core's, so the TUI and the CLI accept the same values."""

from __future__ import annotations

import dataclasses
import os

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from strapi_console import config as config_mod
from strapi_console.config import Profile
from strapi_console.errors import ConsoleError

from .formatting import plain


class ProfileForm(ModalScreen[Profile | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="profile.cancel")]

    def __init__(self, existing: Profile | None, taken: set[str]) -> None:
        super().__init__()
        self.existing = existing
        self.taken = taken

    def compose(self) -> ComposeResult:
        p = self.existing
        with VerticalScroll(classes="dialog"):
            yield Label(Text("Edit profile" if p else "Add a server profile", style="bold"))
            yield Static("", id="profile-error", classes="error-text")
            yield Input(value=p.name if p else "", placeholder="name (e.g. prod)", id="name")
            yield Input(value=p.url if p else "", placeholder="URL (https://cms.example.com)", id="url")
            yield Input(value=(p.public_url or "") if p else "",
                        placeholder="public API URL, if end users use another host (optional)", id="public-url")
            yield Input(value=(p.email or "") if p else "", placeholder="admin e-mail (optional)", id="email")
            yield Input(value=(p.ca_bundle or "") if p else "", placeholder="CA bundle path (optional)", id="ca")
            yield Input(value=", ".join(p.tags) if p else "", placeholder="tags, comma separated (e.g. production)",
                        id="tags")
            yield Checkbox("Allow plain http:// to a non-loopback host (unsafe)", value=bool(p and p.allow_http),
                           id="allow-http")
            yield Checkbox("Read-only (default for production)", value=bool(p.default_read_only) if p else False,
                           id="read-only")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.app.size.height < 32:  # eight fields in 24 rows: one line each
            for field in self.query("Input, Checkbox"):
                field.add_class("compact")
        self.query_one("#profile-error").display = False
        self.query_one("#name").focus()

    def _error(self, text: str) -> None:
        box = self.query_one("#profile-error", Static)
        box.update(plain(text, "red", 600, multiline=True))  # it may echo what was typed: never markup
        box.display = True

    def _build(self) -> Profile | None:
        get = lambda wid: self.query_one(wid, Input).value.strip()  # noqa: E731
        try:
            name = config_mod.validate_name(get("#name"))
            if name in self.taken:
                raise ConsoleError(f"A profile named '{name}' already exists.")
            allow_http = self.query_one("#allow-http", Checkbox).value
            url = config_mod.normalize_url(get("#url"), where="URL", allow_http=allow_http)
            public_url = (config_mod.normalize_url(get("#public-url"), where="Public URL", allow_http=allow_http)
                          if get("#public-url") else None)
            ca = get("#ca") or None
            if ca and not os.path.isfile(os.path.expanduser(ca)):
                raise ConsoleError(f"CA bundle '{ca}' does not exist or is not a file.")
            tags = sorted({t.strip().lower() for t in get("#tags").split(",") if t.strip()})
            read_only = self.query_one("#read-only", Checkbox).value
        except ConsoleError as exc:
            self._error(exc.message + (f" {exc.hint}" if exc.hint else ""))
            return None
        production = "production" in tags
        fields = dict(name=name, url=url, email=get("#email") or None, ca_bundle=ca, allow_http=allow_http,
                      tags=tags, read_only=None if read_only == production else read_only, public_url=public_url)
        # keys the form does not show (declared tokens, providers, ...) are kept as they were
        return dataclasses.replace(self.existing, **fields) if self.existing else Profile(**fields)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        profile = self._build()
        if profile:
            self.dismiss(profile)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            profile = self._build()
            if profile:
                self.dismiss(profile)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
