"""What a change to a server is, apart from how it is made: a :class:`Target` (one kind of object:
how to read it, compare it, build the body, verify and revert), a :class:`Snapshot` of it as read, a
:class:`Step` (a target and the cells wanted) and a :class:`Plan` (the steps of one fix, one journal
group). Checks build plans from these; only :mod:`strapi_console.engine` carries them out, so a check
never imports the write engine (a declared import contract)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .redact import redact_url

if TYPE_CHECKING:
    from .client import StrapiClient

MAX_SHOWN = 8  # cells named in one message before "and N more"


def _some(items: list[str]) -> str | None:
    if not items:
        return None
    more = f" and {len(items) - MAX_SHOWN} more" if len(items) > MAX_SHOWN else ""
    return "; ".join(items[:MAX_SHOWN]) + more


@dataclass
class Snapshot:
    """One object as read: ``cells`` is what is compared (JSON-like values), ``raw`` what bodies are built from."""

    cells: dict[str, Any]
    raw: Any = None


class Target(ABC):
    """One object of one kind on the server, and how the engine reads, writes and checks it.

    Capabilities are declared as class attributes, so the engine and the confirmation policy read them
    without probing."""

    key: ClassVar[str]  # registry key (journal ``target["target"]``): which class reverts and settles an entry
    kind: ClassVar[str]  # journal kind, shared with the audit snapshots (``api-token``, ``up-role``, ...)
    undoable: ClassVar[bool] = True
    cannot_undo: ClassVar[str] = ""  # why not, said first in the confirmation
    destructive: ClassVar[bool] = False  # the operator types the object's name
    reveals_secret: ClassVar[bool] = False  # the write creates a secret shown once
    removes: ClassVar[bool] = False  # success means the object is gone
    volatile: ClassVar[frozenset[str]] = frozenset()  # cells any write moves (timestamps): compared for drift only
    secret_cells: ClassVar[frozenset[str]] = frozenset()  # journalled redacted; exact values in the keyring
    reverted_by: ClassVar[str | None] = None  # registry key of the target that undoes it (None: the same)

    registry: ClassVar[dict[str, type[Target]]] = {}

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        if "key" in cls.__dict__:
            Target.registry[cls.key] = cls

    def __init__(self, ref: dict[str, Any], name: str) -> None:
        self.ref = dict(ref)  # what finds the object again (its id)
        self.name = name

    # --- declared by each kind ----------------------------------------------------------------

    @property
    def title(self) -> str:
        """How messages name the object ("The role Public", "The webhook deploy")."""
        return self.name

    @property
    def journal_kind(self) -> str:
        return self.kind

    @abstractmethod
    async def read(self, client: StrapiClient) -> Snapshot | None:
        """The object as it is now; None when it no longer exists."""

    @abstractmethod
    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        """The request body: built from the fresh state, so whatever the write replaces is sent back as read."""

    @abstractmethod
    async def send(self, client: StrapiClient, body: Any) -> Any:
        """Send the write; returns the server's answer."""

    @abstractmethod
    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        """What `scan` shows as the fix's request (never a secret)."""

    def show(self, cell: str, value: Any) -> str:
        if cell in self.secret_cells and isinstance(value, str):
            return repr(redact_url(value))
        return repr(value)

    def label(self, cell: str) -> str:
        return cell

    def line(self, cell: str, old: Any, new: Any) -> str:
        return f"{self.name}: {self.label(cell)} {self.show(cell, old)} → {self.show(cell, new)}"

    def describe(self, loaded: Snapshot, wanted: dict[str, Any]) -> list[str]:
        return [self.line(c, loaded.cells.get(c), v) for c, v in sorted(wanted.items())]

    def check(self, wanted: dict[str, Any], after: Snapshot, answer: Any, secrets: dict[str, str]) -> str | None:
        """What in the read-back contradicts the write (None: verified). Default: every staged cell."""
        wrong = [f"{self.label(c)}: wanted {self.show(c, v)}, read back {self.show(c, after.cells.get(c))}"
                 for c, v in sorted(wanted.items()) if after.cells.get(c) != v]
        return _some(wrong)

    def new_secrets(self, answer: Any, body: Any) -> dict[str, str]:
        """Secrets the write created, to show once (never journalled)."""
        return {}

    def settled(self, before: dict[str, Any], after: dict[str, Any], now: Snapshot | None) -> str:
        """Whether an interrupted write reached the server: applied, not applied, partly applied or unknown."""
        if self.removes:
            return "applied" if now is None else "not applied"
        if now is None:
            return "partly applied"
        if all(now.cells.get(c) == v for c, v in after.items()):
            return "applied"
        if all(now.cells.get(c) == before.get(c) for c in after):
            return "not applied"
        return "partly applied"

    # --- journal ------------------------------------------------------------------------------

    def journal_ref(self) -> dict[str, Any]:
        return {"kind": self.journal_kind, "target": self.key, "name": self.name, **self.ref}

    @classmethod
    def from_journal(cls, target: dict[str, Any]) -> Target:
        ref = {k: v for k, v in target.items() if k not in ("kind", "target", "name")}
        return cls(ref, str(target.get("name", "?")))


@dataclass
class Step:
    """One object to change: the state the operator reviewed, and the cells wanted."""

    target: Target
    loaded: Snapshot
    wanted: dict[str, Any]

    def lines(self) -> list[str]:
        return self.target.describe(self.loaded, self.wanted)


@dataclass
class Plan:
    """What the operator confirms: one step, or a group applied in order and undone together."""

    steps: list[Step]
    title: str
    undo_of: list[str] | None = None  # the journal entry each step reverts (undo plans)
    kept: list[str] = field(default_factory=list)  # undo plans: steps of the group that cannot be undone
    server: dict[str, Any] | None = None  # undo plans: the server the undone change was made on
    already: list[str] = field(default_factory=list)  # undo plans: entries the server already has undone
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # created by the write, shown once

    @property
    def count(self) -> int:
        return sum(max(1, len(s.wanted)) for s in self.steps)

    @property
    def destructive(self) -> bool:
        return any(s.target.destructive for s in self.steps)

    @property
    def reveals_secret(self) -> bool:
        return any(s.target.reveals_secret for s in self.steps)

    @property
    def undoable(self) -> bool:
        return self.undo_of is None and all(s.target.undoable for s in self.steps)

    def cannot_undo(self) -> list[str]:
        """Said first, before anything else, in every confirmation."""
        if self.undo_of is not None:
            return [f"Cannot be undone in turn: {line}" for line in self.kept]
        return [f"Cannot be undone: {s.target.name}: {s.target.cannot_undo}" for s in self.steps
                if not s.target.undoable]

    def destructive_names(self) -> list[str]:
        return [s.target.name for s in self.steps if s.target.destructive]

    def describe(self) -> list[str]:
        return [line for s in self.steps for line in s.lines()]

    def request(self) -> dict[str, Any]:
        """What `scan` shows as the fix's request: the first step's, and every object the fix writes to."""
        if not self.steps:
            return {}
        first = self.steps[0]
        return {**first.target.request(first.loaded, first.wanted), "objects": [s.target.name for s in self.steps]}
