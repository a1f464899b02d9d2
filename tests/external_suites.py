"""The reference implementations' own test cases (node-semver, OSV, the MDN HTTP Observatory).

They live in ``../shared/external-suites/fixtures/`` beside the checkout, as data from other
repositories: read here at run time, never copied into the project. In a user's own clone the folder
is absent; the conformance tests then skip with a reason that says so, and the run's summary names
the folder that was looked for (never a silent pass).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(os.environ.get("STRAPI_CONSOLE_EXTERNAL_SUITES",
                               Path(__file__).resolve().parents[2] / "shared" / "external-suites" / "fixtures"))

# suite name → (agreed, total), filled by the conformance tests and printed in the run's summary
RESULTS: dict[str, tuple[int, int]] = {}


def available() -> bool:
    return FIXTURES.is_dir()


def load(name: str) -> Any:
    """The suite file ``name`` (e.g. 'semver-range-include.json'), or a skip that names the folder."""
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"external suite {name} not found: {FIXTURES} is absent (a clone without ../shared); "
                    "conformance against the reference implementations was not run")
    return json.loads(path.read_text(encoding="utf-8"))


def record(suite: str, agreed: int, total: int) -> None:
    """Remember one suite's agreement so the run's summary prints it."""
    RESULTS[suite] = (agreed, total)


def summary_lines() -> list[str]:
    if not available():
        return [f"external suites: {FIXTURES} is absent, conformance NOT run"]
    return [f"{suite}: {agreed}/{total} agree" + ("" if agreed == total else "  <-- disagreements")
            for suite, (agreed, total) in sorted(RESULTS.items())]
