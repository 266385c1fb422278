"""Run SaferHub's benchmarks: one JSON object per benchmark per backend on stdout.

    python benchmarks/run.py [--only NAME] [--backend sqlite|postgresql|both] [--scale S]
                             [--repeat N]

Each benchmark is a script beside this one, run in its own process; each measured job
inside it (SaferHub's import and the pandas baseline) runs in a child process of its
own, in the same run on the same machine. Progress notes go to stderr. Performance is
measured here, never asserted in the test suite. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = (
    "import_police_uk",
    "import_synthetic_calls",
    "link_people",
    "gistar",
    "frequent_callers",
    "briefings",
    "web_latency",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="Run only NAME (repeatable).")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="Input size multiplier (1.0 = full).")
    parser.add_argument("--repeat", type=int, default=1, help="Best of N measurements of each side.")
    args = parser.parse_args()
    failed = []
    for name in args.only or BENCHMARKS:
        cmd = [
            sys.executable,
            str(BENCH_DIR / f"{name}.py"),
            "--backend",
            args.backend,
            "--scale",
            str(args.scale),
            "--repeat",
            str(args.repeat),
        ]
        print(f"== {name} ({args.backend}, scale {args.scale})", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
        for line in proc.stdout.splitlines():
            try:
                json.loads(line)
            except json.JSONDecodeError:
                print(line, file=sys.stderr)
            else:
                print(line, flush=True)
        if proc.returncode:
            failed.append(name)
            print(f"!! {name} failed (exit {proc.returncode})", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
