"""Benchmark: distinct states per second and bytes per stored state, per preset.

    python scripts/benchmark.py [--presets tiny,default] [--workers 1,2] [--json]

Speed is measured, never asserted: this script prints figures, and the
report command copies them into REPORT.md. It also splits the sequential
time into where it goes (the model's successor function, symmetry
reduction, invariants, the engine's own bookkeeping).
"""

import argparse
import gc
import json
import sys
import time

from explorer.search import explore, peak_rss_mb
from model.presets import preset
from properties.plugin import plugin


PRESETS = ("tiny", "syscalls", "netpoll", "default")  # what the benchmark measures by default
WORKERS = (1, 2)
BREAKDOWN = "default"


def run(name: str, workers: int) -> dict:
    machine, invariants = plugin.build(preset(name))
    gc.collect()
    result = explore(machine, invariants, workers=workers)
    return {
        "preset": name, "workers": workers, "states": result.states, "transitions": result.transitions,
        "seconds": round(result.seconds, 2), "states_per_second": round(result.states_per_second),
        "bytes_per_state": round(result.space.bytes_per_state(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "state_size": len(result.space.states[0]), "complete": result.complete,
    }


def breakdown(name: str) -> dict:
    """Seconds spent in each part of a sequential run, measured part by part
    over the states of one complete exploration."""
    machine, invariants = plugin.build(preset(name))
    result = explore(machine, invariants, workers=1)
    states = result.space.states
    t0 = time.perf_counter()
    succ = [machine.successors(s) for s in states]
    t1 = time.perf_counter()
    fresh_machine, fresh_invariants = plugin.build(preset(name))
    targets = [t for pairs in succ for _, t in pairs if t is not None]
    t2 = time.perf_counter()
    for t in targets:
        fresh_machine.canonical(t)
    t3 = time.perf_counter()
    for s in states:
        for inv in fresh_invariants:
            inv.check(s)
    t4 = time.perf_counter()
    parts = {"successors (model actions)": t1 - t0, "symmetry (canonical form)": t3 - t2, "invariants": t4 - t3}
    parts["engine (queue, visited table, counting)"] = max(0.0, result.seconds - sum(parts.values()))
    return {"preset": name, "total_seconds": round(result.seconds, 2),
            "parts": {k: round(v, 2) for k, v in parts.items()},
            "share": {k: round(100 * v / result.seconds, 1) for k, v in parts.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--workers", default=",".join(map(str, WORKERS)))
    ap.add_argument("--breakdown", default=BREAKDOWN, help="preset whose time to split by part ('' to skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [run(p, int(w)) for p in args.presets.split(",") for w in args.workers.split(",")]
    split = breakdown(args.breakdown) if args.breakdown else None
    if args.json:
        print(json.dumps({"runs": rows, "breakdown": split}, indent=1))
        return 0
    print(f"{'preset':<10} {'workers':>7} {'states':>10} {'seconds':>8} {'states/s':>9} {'bytes/state':>11}")
    for r in rows:
        print(f"{r['preset']:<10} {r['workers']:>7} {r['states']:>10,} {r['seconds']:>8.2f} "
              f"{r['states_per_second']:>9,} {r['bytes_per_state']:>11.1f}")
    if split:
        print(f"\nwhere the time goes ({split['preset']}, 1 worker, {split['total_seconds']} s):")
        for k, v in split["share"].items():
            print(f"  {k:<42} {v:>5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
