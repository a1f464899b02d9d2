"""`python -m strapi_console`: the headless CLI (the TUI needs the `strapi-console` launcher)."""

import sys

from .cli import main

sys.exit(main())
