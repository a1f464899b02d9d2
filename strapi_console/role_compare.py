"""Two roles side by side: one grid, each cell holding the left role's state and the right role's.

Used for two roles of one server and for the same role on two servers (staging vs production). Works for
end-user roles (users-permissions) and admin roles (RBAC); an admin permission restricted by fields,
locales or conditions is "partial", and two partial grants with different restrictions differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import admin_roles, permissions

ALLOWED, PARTIAL, DENIED, ABSENT = "allowed", "partial", "denied", "absent"
ACTION_ORDER = ["find", "findOne", "create", "update", "delete", "count", "me", "destroy", "upload"]


@dataclass
class Comparison:
    left_name: str
    right_name: str
    columns: list[str]
    rows: list[str]
    cells: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    differing: set[tuple[str, str]] = field(default_factory=set)

    def state(self, row: str, column: str) -> tuple[str, str]:
        return self.cells.get((row, column), (ABSENT, ABSENT))

    def differs(self, row: str, column: str | None = None) -> bool:
        if column is not None:
            return (row, column) in self.differing
        return any((row, c) in self.differing for c in self.columns)

    def differing_rows(self) -> list[str]:
        return [r for r in self.rows if self.differs(r)]

    def describe(self, row: str, column: str) -> str:
        left, right = self.state(row, column)
        return f"{row} {column}: {self.left_name} {left}, {self.right_name} {right}"


def compare(left, right, left_name: str, right_name: str) -> Comparison:
    if isinstance(left, admin_roles.AdminRole) != isinstance(right, admin_roles.AdminRole):
        raise ValueError("compare an end-user role with an end-user role, an admin role with an admin role")
    if isinstance(left, admin_roles.AdminRole):
        return _compare_admin(left, right, left_name, right_name)
    return _compare_end_user(left, right, left_name, right_name)


def _compare_end_user(left: permissions.Role, right: permissions.Role, left_name: str, right_name: str) -> Comparison:
    a, b = left.rows(), right.rows()
    rows = sorted(set(a) | set(b), key=lambda s: (not s.startswith("api::"), s))
    actions = {act for tree in (a, b) for r in tree.values() for act in r}
    columns = sorted(actions, key=lambda act: (ACTION_ORDER.index(act) if act in ACTION_ORDER else 99, act))
    out = Comparison(left_name, right_name, columns, rows)
    for row in rows:
        for column in columns:
            pair = (_up_state(a, row, column), _up_state(b, row, column))
            if pair == (ABSENT, ABSENT):
                continue
            out.cells[(row, column)] = pair
            if _allows(pair[0]) != _allows(pair[1]):
                out.differing.add((row, column))
    return out


def _up_state(rows: dict[str, dict[str, bool]], subject: str, action: str) -> str:
    if action not in rows.get(subject, {}):
        return ABSENT
    return ALLOWED if rows[subject][action] else DENIED


def _allows(state: str) -> bool:
    return state in (ALLOWED, PARTIAL)


def admin_cell(key: str) -> tuple[str, str]:
    """(row, column) of an admin permission key: content-manager actions by content type, the rest as
    one row per action (with its subject, if any) in an 'allow' column."""
    action, subject = admin_roles.split_key(key)
    if action.startswith(admin_roles.CM) and subject and action[len(admin_roles.CM):] in admin_roles.CONTENT_ACTIONS:
        return subject, action[len(admin_roles.CM):]
    return "@" + action + (f" on {subject}" if subject else ""), "allow"


def _compare_admin(left: admin_roles.AdminRole, right: admin_roles.AdminRole, left_name: str,
                   right_name: str) -> Comparison:
    keys = left.granted() | right.granted()
    placed = {admin_cell(k): k for k in keys}
    rows = sorted({r for r, _ in placed}, key=lambda r: (r.startswith("@"), r))
    columns = [c for c in ["allow"] + admin_roles.CONTENT_ACTIONS if any(col == c for _, col in placed)]
    out = Comparison(left_name, right_name, columns, rows)
    for cell, key in placed.items():
        pair = (_admin_state(left, key), _admin_state(right, key))
        out.cells[cell] = pair
        if pair[0] != pair[1] or (pair[0] == PARTIAL and left.detail(key) != right.detail(key)):
            out.differing.add(cell)
    for row in rows:  # neither role holds it: denied on both, where the action applies to the row
        for column in columns:
            if row.startswith("@") == (column == "allow"):
                out.cells.setdefault((row, column), (DENIED, DENIED))
    return out


def _admin_state(role: admin_roles.AdminRole, key: str) -> str:
    if key not in role.granted():
        return DENIED
    return PARTIAL if role.partial(key) else ALLOWED
