"""The ``strapi-console`` command line: profiles, login, logout, scan, advisories, demo.

With no subcommand it opens the TUI through the ``open_tui`` hook the launcher passes in, so this core
module never imports the UI. Every ConsoleError ends as ``title: message`` on stderr and exit code 1
(scan has its own contract codes); Ctrl-C ends with exit code 2; nothing prints a traceback.

One module per command family (profiles, scan, advisories, fixes, incident, tail, demo); this
package's face is ``main``."""

from __future__ import annotations

import os
import sys

from ..errors import ConfigError, ConsoleError, Interrupted
from ..redact import redact_text

from .advisories import cmd_advisories
from .common import EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, OpenTUI, _err, _load_config, _safe_output
from .demo import cmd_demo
from .fixes import cmd_fix, cmd_journal, cmd_permissions, cmd_tokens, cmd_webhooks
from .incident import cmd_contain, cmd_triage
from .parser import build_parser
from .profiles import cmd_login, cmd_logout, cmd_profile
from .scan import cmd_scan
from .tail import cmd_tail


def main(argv: list[str] | None = None, *, open_tui: OpenTUI | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "tui"):
            if open_tui is None:
                raise ConfigError("The TUI is not installed with this entry point.",
                                  hint="Run the `strapi-console` command installed by pip.")
            cfg = _load_config(args)
            return open_tui(config=cfg, only=getattr(args, "names", None) or None)
        handler = {"profile": cmd_profile, "login": cmd_login, "logout": cmd_logout, "scan": cmd_scan,
                   "advisories": cmd_advisories, "fix": cmd_fix, "journal": cmd_journal,
                   "permissions": cmd_permissions, "tokens": cmd_tokens, "webhooks": cmd_webhooks,
                   "tail": cmd_tail, "triage": cmd_triage, "contain": cmd_contain}.get(args.command)
        if args.command == "demo":
            return cmd_demo(args, open_tui)
        with _safe_output():
            return handler(args)
    except KeyboardInterrupt:
        _err(f"{Interrupted.title}: stopped by Ctrl-C.")
        return EXIT_INTERRUPTED
    except ConsoleError as exc:
        _err(str(exc))
        return EXIT_USAGE if args.command != "scan" or isinstance(exc, ConfigError) else EXIT_INCOMPLETE
    except Exception as exc:  # the last line of defence: never a raw traceback with secrets in it
        _err(f"Unexpected internal error: {type(exc).__name__}: {redact_text(str(exc))}. "
             "Please report it (the message above has secrets redacted).")
        if os.environ.get("STRAPI_CONSOLE_DEBUG"):
            import traceback

            _err(redact_text(traceback.format_exc()))
        return EXIT_INTERNAL
if __name__ == "__main__":
    sys.exit(main())
