"""`python -m bench [name ...] [--quick]`: run benchmarks, print figures, write JSON to bench/results/.

Exits non-zero only when a correctness figure (lost or duplicated deliveries, deadline misses) misses
its target; timings are reported, never fail a run (machines here are noisy).
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = ["latency", "fanout", "queries", "startup", "pairing", "selection"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true", help="reduced sizes, as in CI")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        result = module.run(args.quick)
        result.print()
        print(f"  results: {result.save()}")
        failed += [f"{name}: {f.name}" for f in result.failed]
    if failed:
        print("\nCorrectness figures missed:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
