"""Sign-in modal: e-mail and password (never echoed), or a Strapi admin token."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from strapi_console.display import safe
from strapi_console.config import Profile


@dataclass
class LoginRequest:
    email: str | None = None
    password: str | None = None
    remember: bool = False
    admin_token: str | None = None

    def __repr__(self) -> str:  # never show the secret in a log or traceback
        return f"LoginRequest(email={self.email!r}, admin_token={'set' if self.admin_token else None})"


class LoginForm(ModalScreen[LoginRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="login.cancel"),
                Binding("ctrl+t", "toggle_token", "Admin token", id="login.token")]

    def __init__(self, profile: Profile, message: str | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.message = message
        self.token_mode = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text.assemble((f"Sign in to {safe(self.profile.name, 60)}", "bold"),
                                      f"  {safe(self.profile.url, 120)}"), markup=False)
            if self.profile.is_plain_http and not self.profile.is_loopback:
                yield Label(Text("⚠ plain HTTP: the password crosses the network unencrypted", style="bold red"))
            # the message may quote the server's own error text: data, never markup
            yield Static(safe(self.message, 600, multiline=True), id="login-message", classes="error-text", markup=False)
            yield Input(value=self.profile.email or "", placeholder="admin e-mail", id="email")
            yield Input(placeholder="password", password=True, id="password")
            yield Input(placeholder="admin token (Strapi 5.45+)", password=True, id="token")
            yield Checkbox("Keep the password in the keyring to renew ended sessions",
                           id="remember")
            with Horizontal(classes="buttons"):
                yield Button("Sign in", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")
            yield Label(Text("ctrl+t: use an admin token instead · esc: cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#login-message").display = bool(self.message)
        self.query_one("#token").display = False
        self.query_one("#password" if self.profile.email else "#email").focus()

    def action_toggle_token(self) -> None:
        self.token_mode = not self.token_mode
        for wid in ("#email", "#password", "#remember"):
            self.query_one(wid).display = not self.token_mode
        self.query_one("#token").display = self.token_mode
        self.query_one("#token" if self.token_mode else "#password").focus()

    def _submit(self) -> None:
        if self.token_mode:
            token = self.query_one("#token", Input).value.strip()
            if token:
                self.dismiss(LoginRequest(admin_token=token))
            return
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not email:
            self.query_one("#email").focus()
            return
        if not password:
            self.query_one("#password").focus()
            return
        self.dismiss(LoginRequest(email=email, password=password, remember=self.query_one("#remember", Checkbox).value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "email":
            self.query_one("#password").focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
