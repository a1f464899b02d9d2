"""Panel 5: HTTPS, headers, exposure and secrets of the selected server, with the grades on top.
The same findings as `scan`; `c` copies a finding's config snippet."""

from __future__ import annotations

from .server_detail import ServerDetailScreen


class HeadersPanel(ServerDetailScreen):
    BINDING_GROUP_TITLE = "HTTPS & headers"
    panel = "headers"  # the checks that declare this panel (strapi_console/checks), nothing listed here

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
