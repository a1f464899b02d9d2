"""A small checker for the import contracts declared in ``pyproject.toml`` (``[tool.importlinter]``).

The contracts use import-linter's format (``forbidden`` contracts: ``source_modules``,
``forbidden_modules``, ``ignore_imports``, ``allow_indirect_imports``), so ``lint-imports`` reads the
same file; this module needs nothing but the standard library, so the test suite checks them in every
checkout. Like import-linter it builds the import graph statically from the source (imports inside
functions count; ``if TYPE_CHECKING:`` ones do not when ``exclude_type_checking_imports`` is set),
squashes external packages to their top-level name, and reports an ``ignore_imports`` entry that no
longer matches an import (a stale exception must be removed, not kept).
"""

from __future__ import annotations

import ast
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    # importer → imported → the line numbers of the import statements
    edges: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def add(self, importer: str, imported: str, line: int) -> None:
        lines = self.edges.setdefault(importer, {}).setdefault(imported, []) if imported != importer else [line]
        if line not in lines:
            lines.append(line)


@dataclass
class Contract:
    name: str
    sources: list[str]
    forbidden: list[str]
    ignore: list[tuple[str, str]]
    allow_indirect: bool


@dataclass
class Broken:
    contract: str
    chains: list[list[tuple[str, str, list[int]]]]  # each chain: (importer, imported, lines) hops
    unmatched_ignores: list[str]

    def __str__(self) -> str:
        out = [f"BROKEN: {self.contract}"]
        for chain in self.chains:
            out.append("  " + " -> ".join([chain[0][0]] + [f"{b} (l.{','.join(map(str, lines))})"
                                                          for _, b, lines in chain]))
        out += [f"  ignore_imports entry matches no import: {entry}" for entry in self.unmatched_ignores]
        return "\n".join(out)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines of the statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else None
            if name == "TYPE_CHECKING":
                for stmt in node.body:
                    lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def build_graph(root: Path, packages: list[str], *, include_external: bool, exclude_type_checking: bool) -> Graph:
    graph = Graph()
    files: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            name = _module_name(root, path)
            files[name] = (path, path.name == "__init__.py")
            graph.modules.add(name)

    def target(name: str) -> str | None:
        top = name.split(".")[0]
        if top in packages:
            while name and name not in graph.modules:  # `import a.b.C` where C is not a module: a.b
                name = name.rpartition(".")[0]
            return name or None
        return top if include_external else None

    for module, (path, is_package) in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_lines(tree) if exclude_type_checking else set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skipped:
                continue
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    if not is_package:
                        base = base[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                found = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in graph.modules else stem
                         for alias in node.names]
            for name in found:
                imported = target(name)
                if imported:
                    graph.add(module, imported, node.lineno)
    return graph


def _within(module: str, prefixes: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def check(graph: Graph, contract: Contract) -> Broken | None:
    """Every import chain from a source module to a forbidden one (direct imports only when indirect ones
    are allowed), after removing the ignored imports."""
    ignored = set(contract.ignore)
    unmatched = [f"{a} -> {b}" for a, b in contract.ignore if b not in graph.edges.get(a, {})]
    edges = {a: {b: lines for b, lines in targets.items() if (a, b) not in ignored}
             for a, targets in graph.edges.items()}
    chains = []
    for source in sorted(m for m in graph.modules if _within(m, contract.sources)):
        if contract.allow_indirect:
            chains += [[(source, b, lines)] for b, lines in sorted(edges.get(source, {}).items())
                       if _within(b, contract.forbidden)]
            continue
        # breadth first: the shortest chain to each forbidden module reached from this source
        parent: dict[str, tuple[str, list[int]]] = {}
        queue, seen = deque([source]), {source}
        while queue:
            current = queue.popleft()
            for nxt, lines in sorted(edges.get(current, {}).items()):
                if nxt in seen:
                    continue
                seen.add(nxt)
                parent[nxt] = (current, lines)
                if _within(nxt, contract.forbidden):
                    chain, node = [], nxt
                    while node != source:
                        prev, hop_lines = parent[node]
                        chain.append((prev, node, hop_lines))
                        node = prev
                    chains.append(chain[::-1])
                elif not _within(nxt, contract.sources):  # a chain through another source is reported there
                    queue.append(nxt)
    return Broken(contract.name, chains, unmatched) if chains or unmatched else None


def load(pyproject: Path) -> tuple[dict, list[Contract]]:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = []
    for raw in config["contracts"]:
        if raw["type"] != "forbidden":
            raise ValueError(f"contract {raw['name']!r}: only 'forbidden' contracts are checked here")
        ignore = [tuple(part.strip() for part in entry.split("->")) for entry in raw.get("ignore_imports", [])]
        contracts.append(Contract(raw["name"], list(raw["source_modules"]), list(raw["forbidden_modules"]),
                                  ignore, bool(raw.get("allow_indirect_imports", False))))
    return config, contracts


def broken_contracts(root: Path) -> list[Broken]:
    """Check every contract of ``root/pyproject.toml`` against the source under ``root``."""
    config, contracts = load(root / "pyproject.toml")
    graph = build_graph(root, list(config["root_packages"]),
                        include_external=bool(config.get("include_external_packages", False)),
                        exclude_type_checking=bool(config.get("exclude_type_checking_imports", False)))
    return [b for c in contracts if (b := check(graph, c)) is not None]
