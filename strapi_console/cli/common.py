"""What every command shares: the parser class, config and secret store loading, one-line errors, the
profile's session for a command, the one confirmation and apply path, safe standard output."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable

from .. import config as config_mod
from .. import loops
from ..config import Config, Profile
from ..display import SafeStream, safe
from ..errors import ConfigError
from ..redact import redact_text
from ..secrets import SecretStore

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_INCOMPLETE, EXIT_FINDINGS = 0, 1, 2, 3, 4, 5
OpenTUI = Callable[..., int]
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 1 (the scan contract), with the usage line
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def _check_value(self, action, value):
        """A command or choice typed wrong names the closest one first, as a config typo does, instead of
        argparse's bare list (argparse calls this for every value that has choices, subcommands included)."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise argparse.ArgumentError(action, f"invalid choice: '{safe(value, 80)}'.{hint} "
                                             f"Choose from: {', '.join(choices)}.")
def _positive(kind):
    """An argparse type: a number above zero (a budget of 0 or NaN seconds is a typo, not a setting)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"'{text}' must be above 0")
        return value
    return parse
def _load_config(args) -> Config:
    return config_mod.load(args.config)
def _store(cfg: Config) -> SecretStore:
    return SecretStore.for_config(cfg)
def _err(text: str) -> None:
    """One error line: secrets redacted, server text made safe (a newline in it cannot start a line)."""
    print(safe(redact_text(text), 4000), file=sys.stderr)
def _read_secret_stdin(what: str) -> str:
    if sys.stdin is None:
        raise ConfigError(f"No standard input to read the {what} from.")
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ConfigError(f"Standard input held no {what}.")
    return value
def _ask(prompt: str, out) -> str:
    out.write(safe(prompt, 400))
    out.flush()
    return input().strip()
def _confirm(confirmation, *, yes: bool, given: str | None = None, heading: str = "Changes:", out=None) -> bool:
    """Show what will change (what cannot be undone first) and ask, by the core's one confirmation policy.
    ``--yes`` answers a yes/no question and, with ``--confirm NAME``, an object's name; never a profile's.
    ``out`` is where the question goes (stderr when stdout carries a report). Each change is one line
    (server text through safe(): a newline in a name cannot start another)."""
    out = out or sys.stdout
    out.write("\n".join([heading] + [f"  {safe(line, 1000)}" for line in confirmation.lines]) + "\n")
    production = confirmation.needs_profile_name()
    name = confirmation.object_name()
    if yes and not production:
        if name is None or given == name:
            return True
        raise ConfigError(f"This cannot be undone: pass --confirm '{name}' with --yes, or run it on a terminal.")
    if sys.stdin is None or not sys.stdin.isatty():
        raise ConfigError("Confirmation needed: run this on a terminal" + ("" if production else ", or pass --yes") + ".")
    for typed in confirmation.typed:
        if _ask(f"{typed.prompt}: ", out) != typed.text:
            return False
    if confirmation.typed:
        return True
    return _ask("Apply? [y/N] ", out).lower() in ("y", "yes")
def _writable(profile: Profile, allow_write: bool) -> bool:
    if profile.default_read_only and not allow_write:
        raise ConfigError(f"Profile '{profile.name}' is read-only" + (" (tagged production)" if profile.production else "")
                          + ": nothing was sent.", hint="Pass --allow-write to unlock it for this command.")
    return True
def _with_client(profile: Profile, store: SecretStore, work, *, allow_write: bool = False, session: bool = False):
    """Run ``work(client)`` on the profile's session (``work(session)`` with ``session=True``), in a registry
    closed at the end; ``allow_write`` unlocks a read-only profile for this command."""
    from ..session import Sessions, WritePolicy

    policy = WritePolicy()
    if allow_write:
        policy.unlock(profile)

    async def run():
        async with Sessions(store, policy=policy) as sessions:
            own = sessions.get(profile)
            return await work(own if session else await own.ready())

    return loops.run(run())
def _confirm_and_apply(args, profile: Profile, store: SecretStore, plan, *, source: str, title: str = "") -> int:
    """Show the plan (what cannot be undone first), ask, then apply it through the write engine."""
    from .. import confirmation, engine

    if not plan.steps:
        print(f"Nothing to change on {safe(profile.name, 60)}: the server already has the wanted values.")
        return EXIT_OK
    key_file = getattr(args, "key_file", None)
    if plan.reveals_secret and not key_file and not sys.stdout.isatty():
        raise ConfigError("This change creates a secret that is shown once: pass --key-file PATH, or run this on a "
                          "terminal.")
    asked = confirmation.for_plan(profile, plan, unlocked=args.allow_write, title=title)
    if title:
        print(safe(title, 400))
    if not _confirm(asked, yes=args.yes, given=getattr(args, "confirm", None)):
        print("Nothing was sent.")
        return EXIT_OK
    read_only = profile.default_read_only and not args.allow_write
    outcome = _with_client(profile, store, lambda client: engine.apply(client, plan, read_only=read_only,
                                                                        source=source), allow_write=args.allow_write)
    if key_file and plan.secrets:
        from ..files import write_private

        # one key: the file holds it alone; several (a containment group): one "name<TAB>key" line each
        keys = list(plan.secrets.items())
        write_private(key_file, keys[0][1] + "\n" if len(keys) == 1 else "".join(f"{n}\t{k}\n" for n, k in keys))
        print(f"The new {', '.join(safe(n, 120) for n, _ in keys)} {'is' if len(keys) == 1 else 'are'} in {key_file} "
              "(mode 0600). It is not shown again.")
    for name, key in [] if key_file else plan.secrets.items():
        sys.stdout.write(f"New {safe(name, 120)} (shown once, copy it now):\n{key}\n")
    plan.secrets.clear()
    for warning in outcome.warnings:
        _err(f"Warning: {warning}")
    if plan.undo_of is not None:
        print(f"Undone and verified. Journal entry {outcome.ref}.")
        return EXIT_OK
    kept = sum(1 for s in plan.steps if not s.target.undoable)
    undo = (" (cannot be undone)" if kept == len(plan.steps) else
            f"; undo with: strapi-console journal undo {profile.name} {outcome.ref}"
            + (f" (all but the {kept} step(s) that cannot be undone)" if kept else ""))
    group = f" (a group of {len(outcome.entries)} changes)" if len(outcome.entries) > 1 else ""
    print(f"Applied and verified. Journal entry {outcome.ref}{group}{undo}")
    return EXIT_OK
class _safe_output:
    """For a command's run, standard output and error escape every terminal-active character, under the
    per-value ``safe()`` calls: whatever a server sent, and wherever a print forgot it, no escape
    sequence reaches the terminal (or a CI log). JSON output is unchanged: it is already escaped."""

    def __enter__(self) -> None:
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)

    def __exit__(self, *exc) -> None:
        sys.stdout, sys.stderr = self._saved
