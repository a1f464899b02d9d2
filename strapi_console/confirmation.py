"""One confirmation policy for every write, used by the CLI and the TUI alike.

- What cannot be undone is said first, before the changes.
- A production profile (or a read-only one unlocked for the session): the operator types the profile's name.
- A destructive change (a deletion, a regeneration): the operator types the object's name.
- Anything else: a yes/no question (the CLI's ``--yes`` answers it; it never answers a typed one,
  except an object's name passed with ``--confirm NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Profile
from .plans import Plan


@dataclass
class Typed:
    """A text the operator must type before the change is sent."""

    text: str
    prompt: str
    reason: str  # "production" or "destructive"


@dataclass
class Confirmation:
    title: str
    lines: list[str]  # what cannot be undone first, then what will change
    typed: list[Typed] = field(default_factory=list)

    def question(self) -> str:
        return self.title + "\n\n" + "\n".join(self.lines)

    def object_name(self) -> str | None:
        return next((t.text for t in self.typed if t.reason == "destructive"), None)

    def needs_profile_name(self) -> bool:
        return any(t.reason == "production" for t in self.typed)


def needs_profile_name(profile: Profile, *, unlocked: bool) -> bool:
    """Production, or a read-only profile unlocked for this session or command."""
    return profile.production or (profile.default_read_only and unlocked)


def profile_name(profile: Profile) -> Typed:
    return Typed(profile.name, f"Type the profile name ({profile.name}) to write to this production server",
                 "production")


def object_name(plan: Plan) -> str | None:
    """What the operator types for a deletion or regeneration (``--confirm`` in scripts): the object's name,
    or "N <plan title>" for several; None when the plan has neither."""
    names = plan.destructive_names()
    if not names:
        return None
    return names[0] if len(names) == 1 else f"{len(names)} {plan.title}"


def for_plan(profile: Profile, plan: Plan, *, unlocked: bool, title: str = "") -> Confirmation:
    lines = plan.cannot_undo() + plan.describe()
    typed = [profile_name(profile)] if needs_profile_name(profile, unlocked=unlocked) else []
    text = object_name(plan)
    if text:
        typed.append(Typed(text, f"This cannot be undone. Type '{text}' to go on", "destructive"))
    return Confirmation(title or f"Apply to {profile.name}?", lines, typed)


def for_probes(profile: Profile) -> Confirmation | None:
    """The aggressive probes (failed sign-ins with made-up identities, a deep GraphQL query) on production."""
    if not profile.production:
        return None
    return Confirmation(f"Send the aggressive probes to {profile.name}?",
                        ["Failed sign-ins with made-up identities fill the server's rate-limit buckets and its logs, "
                         "and a deep GraphQL query loads it."], [profile_name(profile)])
