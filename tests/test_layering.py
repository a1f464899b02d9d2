"""The core (strapi_console) never imports Textual or the UI; headless commands do not load Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "strapi_console"


def test_no_core_module_imports_textual_or_screens():
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in ("textual", "screens", "rich"):
                    offenders.append(f"{path.relative_to(CORE.parent)}: {name}")
    assert offenders == []


def test_headless_scan_path_does_not_load_textual():
    code = ("import sys, strapi_console.cli, strapi_console.scan, strapi_console.report, strapi_console.demo;"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')], 'textual loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)
