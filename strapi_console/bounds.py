"""Numbers and JSON from a server, checked before use.

A server is untrusted: ``X-RateLimit-Reset: 1e999``, a JWT whose ``exp`` is NaN, a token ``lifespan``
of 10^400 or a ``pageCount`` of -3 must not reach ``datetime.fromtimestamp``, ``int()``, ``timedelta``,
``asyncio.sleep`` or a loop bound, where they raise (OverflowError, ValueError) or hang. Every number
a server sends goes through :func:`number` or :func:`integer` first: it comes out finite and inside
the range its use allows, or not at all (the caller's default). Core module: no dependency.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Unix times worth using (1970 to the year 3000): a datetime holds them in any time zone, and nothing a
# server says about a rate limit, a token or its clock is further away.
MAX_EPOCH = 32_503_680_000.0
# Seconds in 200 years: the longest duration (a lifetime, a lifespan, a wait) worth representing.
MAX_DURATION = 200 * 365 * 86_400.0
# npm's limit for a version number part (Number.MAX_SAFE_INTEGER): larger parts are not versions.
MAX_SAFE_INTEGER = 2**53 - 1
# How long a number written as text may be: int() refuses over 4,300 digits, and nothing real is longer.
MAX_NUMBER_TEXT = 40
# How deeply nested JSON from a server may be. Strapi's deepest answers (role permissions, entries with
# components) stay far below; recursive code (redaction, rendering) stays far from Python's limit.
MAX_JSON_DEPTH = 64


def number(value: Any, low: float, high: float, *, default: float | None = None,
           clamp: bool = False) -> float | None:
    """``value`` as a finite float in [low, high], else ``default`` (or the nearest bound with ``clamp``).

    Accepts JSON numbers and numeric text (a header, a biginteger column sent as a string); refuses
    booleans, NaN, infinities and text too long to be a real number."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > MAX_NUMBER_TEXT:
            return default
        try:
            value = float(text)
        except ValueError:
            return default
    if isinstance(value, int):
        if low <= value <= high:
            return float(value)
        return float(low if value < low else high) if clamp else default
    if not isinstance(value, float) or math.isnan(value):
        return default
    if low <= value <= high:  # an infinity fails here, and is clamped like any other out-of-range value
        return value
    return float(low if value < low else high) if clamp else default


def integer(value: Any, low: int, high: int, *, default: int | None = None, clamp: bool = False) -> int | None:
    """``value`` as an int in [low, high] (fractions truncated), else ``default`` (or the nearest bound
    with ``clamp``)."""
    checked = number(value, low, high, clamp=clamp)
    return default if checked is None else int(checked)


def timestamp(value: Any, *, default: float | None = None) -> float | None:
    """A Unix time a datetime can hold, else ``default``."""
    return number(value, 0.0, MAX_EPOCH, default=default)


def obj(value: Any) -> dict:
    """``value`` when it is a JSON object, else an empty one: where a server may answer a list, a string or
    null instead of the object the console reads (``.get`` on those raised AttributeError)."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list:
    """``value`` when it is a JSON array, else an empty one (a string would be iterated character by
    character, an object by its keys)."""
    return value if isinstance(value, list) else []


class JSONTooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH` (or deep enough to exhaust the parser)."""


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` (JSONTooDeep, a ValueError), and reads a
    number that is not finite (``NaN``, ``Infinity``, ``1e999``) as ``None``.

    100,000 nested brackets make the parser itself raise RecursionError, and a few hundred make any
    recursive consumer (redaction, JSON rendering) raise it later; either way the answer is refused here,
    once, with an error the caller already handles (ValueError, like any other invalid JSON)."""
    try:
        value = json.loads(text, parse_constant=_not_finite, parse_float=_finite_float)
    except RecursionError:
        raise JSONTooDeep(f"nested deeper than {max_depth} levels") from None
    opening = (b"[", b"{") if isinstance(text, bytes) else ("[", "{")
    if text.count(opening[0]) + text.count(opening[1]) > max_depth and depth(value, max_depth) > max_depth:
        raise JSONTooDeep(f"nested deeper than {max_depth} levels")
    return value


def _not_finite(_text: str) -> None:
    """NaN, Infinity and -Infinity in JSON are read as null, as JavaScript's JSON.stringify writes them: a
    value that is no number, never equal to itself (a NaN made every compare-before-write see a change), and
    that no JSON encoder writes back."""
    return None


def _finite_float(text: str) -> float | None:
    """A JSON number that overflows a float (``1e999``) is null too, for the same reasons."""
    value = float(text)
    return value if math.isfinite(value) else None


def depth(value: Any, stop: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of parsed JSON (a scalar is 0), walked a level at a time without recursion; stops
    past ``stop``. (One list per level instead of a tuple per node: this runs on most large answers.)"""
    level, frontier = 0, [value] if isinstance(value, (dict, list)) else []
    while frontier:
        level += 1
        if level > stop:
            return level
        below: list = []
        for node in frontier:
            below.extend(c for c in (node.values() if isinstance(node, dict) else node) if isinstance(c, (dict, list)))
        frontier = below
    return level
