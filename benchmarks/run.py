"""Run benchmark scenarios: one JSON line of figures per scenario on stdout.

    python benchmarks/run.py                 # every scenario
    python benchmarks/run.py start --runs 21 # chosen scenarios, more runs each
    python benchmarks/run.py --list

Progress and diagnostics go to stderr. Exit codes: 0 all scenarios produced figures, 1 some
scenario failed (its line holds "error"), 2 a scenario name is unknown or the arguments are wrong.
Whether a target is met is a figure (meets_target), not an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Context, ScenarioError, log  # noqa: E402
from scenarios import all_scenarios  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    known = all_scenarios()
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=f"any of: {', '.join(known)} (default: all)")
    parser.add_argument("--runs", type=int, metavar="N", help="measured runs per scenario (default: each scenario's own)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and what they measure, then stop")
    args = parser.parse_args(argv)

    if args.list:
        for item in known.values():
            print(f"{item.name}\t{item.summary}")
        return 0
    unknown = [name for name in args.scenarios if name not in known]
    if unknown:
        print(f"benchmarks/run.py: unknown scenario {', '.join(map(repr, unknown))}; "
              f"known: {', '.join(known)}", file=sys.stderr)
        return 2
    if args.runs is not None and args.runs < 1:
        print("benchmarks/run.py: --runs must be at least 1", file=sys.stderr)
        return 2

    ctx = Context(runs=args.runs)
    failed = False
    for name in args.scenarios or list(known):
        log(f"== {name}: {known[name].summary}")
        began = time.perf_counter()
        try:
            figures = {"scenario": name, **known[name].run(ctx)}
        except ScenarioError as exc:
            failed = True
            figures = {"scenario": name, "error": str(exc), **exc.figures}
            log(f"{name}: {exc}")
        except Exception as exc:  # a bug in the scenario: say so loudly, keep going with the rest
            failed = True
            traceback.print_exc()
            figures = {"scenario": name, "error": f"{type(exc).__name__}: {exc}"}
        figures["elapsed_s"] = round(time.perf_counter() - began, 1)
        print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
