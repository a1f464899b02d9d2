"""Every benchmark, one after another, with the arguments the README's numbers were measured with.

    .venv/bin/python benchmarks/run_all.py            # ~12 minutes (the audit tail plays 10 minutes at 10×,
                                                      # the hostile tail floods for 3, two processes share a
                                                      # session for 2, then the TUI and the CLI for 2)
    .venv/bin/python benchmarks/run_all.py --quick    # ~5 minutes: 1 minute of audit tail, 30 s of flood

Each runs in its own process (start-up is measured from a fresh one anyway) and prints its own lines;
none asserts anything: they measure, the README records.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def runs(quick: bool) -> list[list[str]]:
    return [
        ["startup.py", "--runs", "9"],
        ["permission_matrix.py", "--types", "300"],
        ["permission_matrix.py", "--types", "1000"],
        ["request_economy.py"],
        ["fleet_scan.py", "--delay", "0.1", *(["--quick"] if quick else [])],
        ["audit_tail.py", "--minutes", "1" if quick else "10", "--speed", "10"],
        ["redact_urls.py"],
        ["hostile_tail.py", "--minutes", "0.5" if quick else "3"],
        ["session_sharing.py", "--minutes", "1" if quick else "2"],
        ["session_sharing.py", "--tui", "--minutes", "1" if quick else "2"],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter audit-tail run")
    args = parser.parse_args()
    failed = 0
    for script, *rest in runs(args.quick):
        print(f"\n$ benchmarks/{script} {' '.join(rest)}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *rest])
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
