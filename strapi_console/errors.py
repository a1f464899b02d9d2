"""Typed errors with a title and an operator-readable message.

Every failure the console can explain is one of these. The CLI prints ``title: message``; the TUI
shows the same two strings in one place. Messages never contain a secret: they are built from
what the console knows, and anything echoed from a server goes through :func:`redact_text` first.
"""

from __future__ import annotations

from .redact import redact_text


class ConsoleError(Exception):
    """Base of every error the console explains to the operator."""

    title = "Error"

    def __init__(self, message: str, *, title: str | None = None, hint: str | None = None) -> None:
        self.message = redact_text(message)
        if title:
            self.title = title
        self.hint = redact_text(hint) if hint else None
        super().__init__(self.message)

    def __str__(self) -> str:
        text = f"{self.title}: {self.message}"
        return f"{text} {self.hint}" if self.hint else text

    def __reduce__(self):  # keeps pickling (and traceback printing in workers) free of surprises
        return (self.__class__, (self.message,), {"title": self.title, "hint": self.hint})


class ConfigError(ConsoleError):
    title = "Configuration problem"


class ProfileNotFound(ConfigError):
    title = "Unknown profile"


class SecretStoreError(ConsoleError):
    title = "Keyring problem"


class NoKeyringError(SecretStoreError):
    title = "No usable keyring"


class PlaintextKeyringError(NoKeyringError):
    """The keyring backend would keep secrets readable in a file: refused unless the config opts in."""

    title = "Keyring stores secrets in clear"


class KeyringLoadError(NoKeyringError):
    """The backend the operator chose could not be loaded (a missing dependency, a typo in its name)."""

    title = "Keyring backend failed to load"


class KeyringLocked(SecretStoreError):
    """The keyring wants its own password and there is no terminal to type it on (cron, CI)."""

    title = "Keyring needs a password"


class InsecureURLError(ConsoleError):
    title = "Plain HTTP refused"


class ReadOnlyError(ConsoleError):
    title = "Read-only profile"


# --- network and server errors -------------------------------------------------------------


class StrapiError(ConsoleError):
    """Something went wrong talking to a Strapi server."""

    title = "Server error"

    def __init__(self, message: str, *, status: int | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.status = status


class Unreachable(StrapiError):
    title = "Server unreachable"


class TimedOut(Unreachable):
    title = "Server did not answer in time"


class TLSFailure(StrapiError):
    title = "TLS failure"


class SignedOut(StrapiError):
    title = "Signed out"


class SessionBusy(StrapiError):
    """Another strapi-console process held the profile's session lock for too long."""

    title = "Session busy"


class WrongCredentials(StrapiError):
    title = "Sign-in refused"


class Forbidden(StrapiError):
    title = "Forbidden"


class RateLimited(StrapiError):
    title = "Rate limited"

    def __init__(self, message: str, *, reset_at: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.reset_at = reset_at


class ServerFailure(StrapiError):
    title = "Server error"


class NotJSON(StrapiError):
    title = "Not a Strapi JSON answer"


class UnexpectedShape(StrapiError):
    title = "Unexpected answer"


class TooLarge(UnexpectedShape):
    title = "Answer too large"


class TooDeep(UnexpectedShape):
    title = "Answer nested too deeply"


class BudgetExhausted(StrapiError):
    """The per-server request budget or deadline of one scan ran out: the request was not sent."""

    title = "Scan cut short"


class FeatureAbsent(StrapiError):
    title = "Feature not available"


class NotFound(StrapiError):
    title = "Not found"


class BadRequest(StrapiError):
    title = "Request refused"


class Interrupted(ConsoleError):
    title = "Interrupted"


class UnexpectedFailure(ConsoleError):
    """Anything else that broke while working on one server, said as that server's error."""

    title = "Unexpected problem"


def isolate(exc: BaseException, where: str) -> ConsoleError:
    """The error to show for a failure inside one server's scan, tail or panel load.

    A ConsoleError is already typed and says what happened; anything else (a bug, or a server answer no
    code path expected: RecursionError, OverflowError, ...) becomes an UnexpectedFailure naming the
    server and the exception type, with a hint, never a traceback. The other servers carry on."""
    if isinstance(exc, ConsoleError):
        return exc
    text = redact_text(str(exc))[:200]
    return UnexpectedFailure(f"{where} stopped on an unexpected error ({type(exc).__name__}"
                             + (f": {text}" if text else "") + ").",
                             hint="Only this server is affected; if it persists, please report it.")
