"""URL redaction on hostile input: the time per MB must stay flat as the input grows (linear, no
backtracking blow-up), whatever shape a server sends.

    python benchmarks/redact_urls.py [--mb 1 4]

Each shape is timed at every size (best of 3); the last column is the time per MB at the largest size
over the time per MB at the smallest: about 1 for linear work, the size ratio or more for quadratic.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MB = 1_000_000


def shapes() -> dict[str, Callable[[int], str]]:
    return {
        "scheme-like run, one ://": lambda n: "a" * n + "://x",
        "many ://": lambda n: "a://" * (n // 4),
        "one long mixed segment": lambda n: "https://h/" + "a" * n + "1!",
        "camel case that fails late": lambda n: "https://h/" + "aB" * (n // 2) + "1",
        "many word segments": lambda n: "https://h/" + "abc-def_ghij12/" * (n // 15),
        "many query pairs": lambda n: "https://h/?" + "a=b&" * (n // 4),
        "many URLs in text": lambda n: "x https://h/?a " * (n // 15),
        "matrix parameters": lambda n: "https://h/p;" + "k=v;" * (n // 4),
    }


def best_of(fn, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    from strapi_console.redact import redact_text, redact_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    sizes = sorted(args.mb)
    print(f"{'shape':<30}" + "".join(f"{f'{mb} MB (s)':>12}" for mb in sizes) + f"{'per-MB ratio':>14}")
    for name, make in shapes().items():
        times = [best_of(lambda t: (redact_url(t), redact_text(t)), make(mb * MB)) for mb in sizes]
        ratio = (times[-1] / sizes[-1]) / (times[0] / sizes[0])
        print(f"{name:<30}" + "".join(f"{t:>12.3f}" for t in times) + f"{ratio:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
