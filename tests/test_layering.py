"""The layering rules are import contracts declared in pyproject.toml ([tool.importlinter]): the core
never imports Textual, Rich or the screens; the HTTP layer never imports the client; checks never import
the write engine; screens never import httpx. They are checked here on every run (tests/import_contracts.py),
and the checker itself is shown to catch each kind of break."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import import_contracts as ic

ROOT = Path(__file__).resolve().parent.parent


def test_every_declared_import_contract_holds():
    broken = ic.broken_contracts(ROOT)
    assert not broken, "\n".join(map(str, broken))


def test_the_layering_rules_are_declared():
    """Deleting a contract is not a way to pass: the four rules stay declared, with these sources."""
    config, contracts = ic.load(ROOT / "pyproject.toml")
    assert {"strapi_console", "screens"} <= set(config["root_packages"]) and config["include_external_packages"]
    declared = {(s, f) for c in contracts for s in c.sources for f in c.forbidden}
    assert {("strapi_console", "textual"), ("strapi_console", "rich"), ("strapi_console", "screens"),
            ("strapi_console.http", "strapi_console.client"), ("strapi_console.checks", "strapi_console.engine"),
            ("screens", "httpx")} <= declared
    direct_only = {c.name for c in contracts if c.allow_indirect}
    assert all("httpx" in c.forbidden for c in contracts if c.name in direct_only)  # only screens→httpx is direct-only


def test_a_new_import_that_breaks_a_contract_fails():
    """The real tree with one import added on purpose: the HTTP layer importing the client."""
    config, contracts = ic.load(ROOT / "pyproject.toml")
    graph = ic.build_graph(ROOT, config["root_packages"], include_external=True, exclude_type_checking=True)
    http_contract = next(c for c in contracts if c.sources == ["strapi_console.http"])
    assert ic.check(graph, http_contract) is None
    graph.add("strapi_console.errors", "strapi_console.session", 99)  # indirect: http → errors → session
    line = graph.edges["strapi_console.http"]["strapi_console.errors"][0]
    broken = ic.check(graph, http_contract)
    assert broken and (f"strapi_console.http -> strapi_console.errors (l.{line}) -> strapi_console.session (l.99)"
                       in str(broken))
    graph.add("strapi_console.http", "strapi_console.client", 7)  # and direct
    assert "strapi_console.http -> strapi_console.client (l.7)" in str(ic.check(graph, http_contract))


def _package(tmp_path: Path, files: dict[str, str], contracts: str) -> list[ic.Broken]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["core", "ui"]\ninclude_external_packages = true\n'
        "exclude_type_checking_imports = true\n" + contracts)
    return ic.broken_contracts(tmp_path)


UI_CONTRACT = ('[[tool.importlinter.contracts]]\nname = "core never imports the UI"\ntype = "forbidden"\n'
               'source_modules = ["core"]\nforbidden_modules = ["rich", "ui"]\n')


def test_the_checker_catches_direct_indirect_relative_and_late_imports(tmp_path):
    broken = _package(tmp_path, {
        "core/__init__.py": "",
        "core/a.py": "from . import b\n",  # relative, then b imports the UI inside a function
        "core/b.py": "def late():\n    from ui.screen import Screen\n",
        "core/c.py": "import rich.text as t\n",  # external, squashed to 'rich'
        "core/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import rich\n",  # never executed
        "ui/__init__.py": "", "ui/screen.py": "class Screen: ...\n",
    }, UI_CONTRACT)
    (b,) = broken
    text = str(b)
    assert "core.b -> ui.screen (l.2)" in text and "core.c -> rich (l.1)" in text
    assert "core.d" not in text


def test_indirect_chains_through_outside_modules_count_unless_allowed(tmp_path):
    files = {"core/__init__.py": "", "core/a.py": "import helpers.x\n", "helpers/__init__.py": "",
             "helpers/x.py": "import httpx\n", "ui/__init__.py": ""}
    contract = ('[[tool.importlinter.contracts]]\nname = "no httpx"\ntype = "forbidden"\n'
                'source_modules = ["core"]\nforbidden_modules = ["httpx"]\n')
    assert _package(tmp_path, files, contract) == []  # helpers is not a root package here: its imports are not analysed
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["core", "ui", "helpers"]\ninclude_external_packages = true\n' + contract)
    (b,) = ic.broken_contracts(tmp_path)
    assert "core.a -> helpers.x (l.1) -> httpx (l.1)" in str(b)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["core", "ui", "helpers"]\ninclude_external_packages = true\n'
        + contract + "allow_indirect_imports = true\n")
    assert ic.broken_contracts(tmp_path) == []


def test_an_ignored_import_is_allowed_but_a_stale_exception_fails(tmp_path):
    files = {"core/__init__.py": "", "core/a.py": "import rich\n", "ui/__init__.py": ""}
    assert _package(tmp_path, files, UI_CONTRACT + 'ignore_imports = ["core.a -> rich"]\n') == []
    files["core/a.py"] = "import json\n"
    (b,) = _package(tmp_path, files, UI_CONTRACT + 'ignore_imports = ["core.a -> rich"]\n')
    assert "ignore_imports entry matches no import: core.a -> rich" in str(b)


def test_contracts_are_valid_toml_in_import_linters_shape():
    raw = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in raw["contracts"]:
        assert set(contract) <= {"name", "type", "source_modules", "forbidden_modules", "ignore_imports",
                                 "allow_indirect_imports"}, contract["name"]


@pytest.mark.parametrize("modules", ["strapi_console.cli, strapi_console.scan, strapi_console.report, strapi_console.demo"])
def test_headless_scan_path_does_not_load_textual(modules):
    """At run time too: the headless commands never load Textual or the screens."""
    code = (f"import sys, {modules};"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')], 'textual loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)
