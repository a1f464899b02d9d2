"""Writing files the console produces (reports, exports): atomically, readable only by the owner."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from .errors import ConfigError


def write_private(path: str | os.PathLike, text: str) -> Path:
    with open_private(path) as fh:
        fh.write(text)
    return Path(path).expanduser()


@contextmanager
def open_private(path: str | os.PathLike) -> Iterator[TextIO]:
    """A text file to write in pieces (an export too large to build in memory), replaced atomically at the
    end, readable only by the owner; nothing is left behind when writing fails."""
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    except OSError as exc:
        raise ConfigError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConfigError(f"Cannot write {target}: {exc.strerror or exc}.") from None
        raise
