"""Permission matrix: time from data to first paint, and per-toggle update time, for a large schema.

    .venv/bin/python benchmarks/permission_matrix.py [--types 300] [--roles 5] [--toggles 50]

The role tree is the shape a real Strapi 5.54 returns for GET /users-permissions/roles/:id (one
api::<name> entry per content type with find/findOne/create/update/delete, plus the plugin
controllers), scaled up to --types content types; the panel is fed the data directly so the numbers
measure rendering, not the network. Target: a toggle under 50 ms (one row of the matrix is drawn
again). A toggle is timed until Textual has painted it (``pilot.pause``), which has a floor of its own:
the same measure of a one-word Static update on the same machine is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLUGIN_TREE = {
    "plugin::users-permissions": {"controllers": {
        "auth": {a: {"enabled": a in ("callback", "connect", "register"), "policy": ""} for a in
                 ("callback", "changePassword", "connect", "emailConfirmation", "forgotPassword", "refresh",
                  "register", "resetPassword", "sendEmailConfirmation")},
        "user": {a: {"enabled": False, "policy": ""} for a in ("count", "create", "destroy", "find", "findOne",
                                                               "me", "update")},
        "role": {a: {"enabled": False, "policy": ""} for a in ("createRole", "deleteRole", "find", "findOne",
                                                               "updateRole")}}},
    "plugin::upload": {"controllers": {"content-api": {a: {"enabled": False, "policy": ""} for a in
                                                       ("destroy", "find", "findOne", "upload")}}},
}


def tree(types: int) -> dict:
    out = {f"api::type{i:03d}": {"controllers": {f"type{i:03d}": {
        a: {"enabled": a in ("find", "findOne") and i % 3 == 0, "policy": ""}
        for a in ("find", "findOne", "create", "update", "delete")}}} for i in range(types)}
    out.update(PLUGIN_TREE)
    return out


async def paint_floor(samples: int = 30) -> float:
    """Median time for a minimal Textual app to update one Static and paint it, measured the same way."""
    from textual.app import App
    from textual.widgets import Static

    class Minimal(App):
        def compose(self):
            yield Static("0")

    times = []
    async with Minimal().run_test(size=(120, 40)) as pilot:
        for i in range(samples):
            started = time.perf_counter()
            pilot.app.query_one(Static).update(str(i))
            await pilot.pause()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def run(types: int, roles: int, toggles: int) -> dict:
    from screens.app import StrapiConsoleApp
    from screens.permissions_panel import PermissionsPanel
    from strapi_console import permissions
    from strapi_console.config import Config, Profile

    cfg = Config(path=Path("/nonexistent/config.toml"))
    cfg.add(Profile("bench", "http://127.0.0.1:9"))
    app = StrapiConsoleApp(config=cfg)
    app.refresh_all = lambda: None  # no network: this measures the UI
    summaries = [permissions.RoleSummary(i + 1, f"Role {i}", "public" if i == 0 else f"custom{i}", "", 0)
                 for i in range(roles)]
    role = permissions.Role(1, "Role 0", "public", "", tree(types))
    async with app.run_test(size=(120, 40)) as pilot:
        panel = PermissionsPanel()
        panel.load = lambda role_id=None: None
        await app.push_screen(panel)
        panel.profile_name = "bench"
        await pilot.pause()
        started = time.perf_counter()
        panel.roles, panel.role, panel.staged = summaries, role, {}
        panel._render_roles()
        panel._render_matrix(rebuild=True)
        await pilot.pause()
        first_paint = time.perf_counter() - started
        matrix = panel.query_one("#matrix")
        matrix.focus()
        times = []
        for i in range(toggles):
            matrix.move_cursor(row=i % matrix.row_count, column=2)
            started = time.perf_counter()
            panel.action_toggle()
            await pilot.pause()
            times.append(time.perf_counter() - started)
        rows = matrix.row_count
    return {"rows": rows, "floor_ms": await paint_floor(), "first_paint_s": first_paint, "toggle_median_ms": statistics.median(times) * 1000,
            "toggle_p95_ms": sorted(times)[int(len(times) * 0.95) - 1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--types", type=int, default=300)
    parser.add_argument("--roles", type=int, default=5)
    parser.add_argument("--toggles", type=int, default=50)
    args = parser.parse_args()
    r = asyncio.run(run(args.types, args.roles, args.toggles))
    print(f"permission matrix: {r['rows']} rows, first paint {r['first_paint_s'] * 1000:.0f} ms, "
          f"toggle median {r['toggle_median_ms']:.1f} ms, p95 {r['toggle_p95_ms']:.1f} ms (target < 50 ms; "
          f"a minimal Textual app's update-and-paint, timed the same way: {r['floor_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
