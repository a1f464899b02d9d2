"""The `strapi-console` launcher: the core CLI, with the TUI plugged in as its `open_tui` hook.

Textual is imported only when the TUI actually opens, so headless commands (scan, login) start fast.
"""

from __future__ import annotations

import sys


def open_tui(*, config, store=None, only=None) -> int:
    from .app import StrapiConsoleApp

    app = StrapiConsoleApp(config=config, store=store, only=only)
    app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    from strapi_console.cli import main as cli_main

    return cli_main(argv, open_tui=open_tui)


if __name__ == "__main__":
    sys.exit(main())
