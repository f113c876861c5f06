"""How long the ``actions`` command takes to start: ``actions --help`` and ``actions list``
(which finds and imports every destination), each as a new process of this virtualenv's
interpreter, against ``python -c pass``, the interpreter's own start. The figures are wall
seconds, the median of ``--runs`` runs, and each command's multiple of the interpreter's.

Run: .venv/bin/python -m bench.startup [--runs 20] [--max-load 1.0]   (or `make bench`)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time

from bench.processes import MAX_LOAD, ROOT, quiet

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "actions --help": ["-m", "framework.tooling.cli", "--help"],
    "actions list": ["-m", "framework.tooling.cli", "list"],
}


def seconds(arguments: list[str]) -> float:
    """Wall seconds of one run of this interpreter with ``arguments`` (its output dropped);
    a run that fails stops the benchmark."""
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (20)")
    parser.add_argument(
        "--max-load",
        type=float,
        default=MAX_LOAD,
        help=f"first wait for the 1-minute load average to fall to this ({MAX_LOAD:g}; 0: not)",
    )
    args = parser.parse_args()
    runs: int = args.runs
    if runs < 1:
        parser.error("--runs must be at least 1")
    print(f"load before         {asyncio.run(quiet(args.max_load))}")
    timings: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):  # interleaved, so that a burst of load touches every command alike
        for name, arguments in COMMANDS.items():
            timings[name].append(seconds(arguments))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    base = medians["python -c pass"]
    print(f"{'command':<19} {'median s':>9} {'x python':>9}   ({runs} runs each)")
    for name, median in medians.items():
        print(f"{name:<19} {median:>9.3f} {median / base:>9.1f}")


if __name__ == "__main__":
    main()
