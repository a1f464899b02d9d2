"""The filter language of the tail (`--filter` and `/` in panel 4).

Space-separated terms, all of which must match: ``server:NAME``, ``user:TEXT``, ``action:PREFIX``
(``*`` wildcards allowed), ``is:alert``, ``is:derived``; any other word is searched in who, action,
target and summary. ``-term`` negates. Case-insensitive.
"""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Callable

from .events import AuditEvent


def _term(term: str) -> Callable[[AuditEvent], bool]:
    key, sep, value = term.partition(":")
    value = value.lower()
    if sep and key == "server":
        return lambda e: fnmatch.fnmatch(e.profile.lower(), value if "*" in value else f"{value}*")
    if sep and key == "user":
        return lambda e: value in e.who.lower()
    if sep and key == "action":
        return lambda e: fnmatch.fnmatch(e.action.lower(), value if "*" in value else f"{value}*")
    if sep and key == "is" and value == "alert":
        return lambda e: e.alert is not None
    if sep and key == "is" and value == "derived":
        return lambda e: e.derived
    needle = term.lower()
    return lambda e: any(needle in part.lower() for part in (e.who, e.action, e.target, e.summary, e.profile))


def compile_filter(expr: str | None) -> Callable[[AuditEvent], bool]:
    if not expr or not expr.strip():
        return lambda e: True
    try:
        terms = shlex.split(expr)
    except ValueError:  # an unbalanced quote: take the words as they are
        terms = expr.split()
    tests = []
    for term in terms:
        negate = term.startswith("-") and len(term) > 1
        test = _term(term[1:] if negate else term)
        tests.append((negate, test))
    return lambda e: all(test(e) != negate for negate, test in tests)
