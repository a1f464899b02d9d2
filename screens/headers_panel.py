"""Panel 5: HTTPS, headers, exposure and secrets of the selected server, with the grades on top.
The same findings as `scan`; `c` copies a finding's config snippet."""

from __future__ import annotations

from .server_detail import ServerDetailScreen


class HeadersPanel(ServerDetailScreen):
    BINDING_GROUP_TITLE = "HTTPS & headers"
    families = ("HDR", "TLS", "EXP", "SEC", "TOK", "RATE", "AUTH")
    # of the AUTH family, the sign-up, provider, webhook and session checks belong here (roles are panel 3)
    auth_ids = ("AUTH-REGISTRATION", "AUTH-EMAIL-CONFIRM", "AUTH-DEFAULT-ROLE", "AUTH-PROVIDERS", "AUTH-WEBHOOKS",
                "AUTH-UP-JWT-MODE", "AUTH-ADMIN-MFA", "AUTH-ADMIN-SESSION")

    def __init__(self) -> None:
        super().__init__(None)

    def initial_profile(self) -> str | None:
        return self.app.selected_profile()

    def panel_title(self) -> str:
        return "5 HTTPS & headers"

    def on_screen_resume(self) -> None:
        selected = self.app.selected_profile()
        if selected != self.profile_name:
            self.profile_name = selected
            self._fill()

    def action_back(self) -> None:
        if self.has_class("zoomed"):
            self.action_zoom()
            return
        self.app.switch_mode("servers")
