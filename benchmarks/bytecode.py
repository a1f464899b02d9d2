"""The console's modules compiled to bytecode before a measurement, as a real install has them.

pip compiles a wheel's modules when it installs them, so a user's console loads ``.pyc`` files. A
checkout run in place compiles each module from source in every new process unless its ``__pycache__``
is written, and an environment with ``PYTHONDONTWRITEBYTECODE`` set (some CI machines and sandboxes)
never writes it: every fresh process (a measured start-up, a fleet scan's worker) would then pay the
compiler for ~100 modules, a cost no installed console has. Existing ``.pyc`` files are read whatever
that variable says, so compiling them once here is enough.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_console() -> None:
    for package in ("strapi_console", "screens"):
        compileall.compile_dir(str(ROOT / package), quiet=1)
