"""Secrets a test plants on a server that the console never registers as its own (a webhook URL's token,
a password in a URL), for the post-suite sweep (test_zz_no_secret_leaks) to look for in every file.

Not registered with :func:`strapi_console.redact.register_secret` on purpose: a registered secret is
scrubbed verbatim by redact_text, which would hide a broken URL redaction from the test that plants it.
"""

from __future__ import annotations

PLANTED: set[str] = set()


def plant(*values: str) -> tuple[str, ...]:
    PLANTED.update(values)
    return values
