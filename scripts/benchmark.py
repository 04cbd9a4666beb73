"""Benchmark: speed, memory and the effect of each reduction, per preset.

    python scripts/benchmark.py [--presets tiny,default] [--workers 1,2] [--reductions] [--json]

Speed is measured, never asserted: this script prints figures, and the
report command copies them into REPORT.md. Every figure comes from a real
`gosched-mc check --json` run in its own process. Its peak memory is the
one that run reports: the search process's high-water mark, reset when the
search starts (a child's ru_maxrss would start at this script's peak), or
the sampled sum over the search process and its workers, whichever is
larger. The machine's load average is recorded with each run: on a loaded
machine, wall-clock figures (and so the speedup) are not the code's alone.

- `speed`: the safety search alone, on 1 and on 2 workers: distinct states
  per second, bytes per stored state, peak memory, CPU seconds of the main
  process and of the workers, and the speedup (best of `--repeat` runs).
- `reductions`: the same search with each reduction on and off: the counter
  abstraction of threads (unbounded, cutoff 1 and 2) against numbered
  threads (`--threads N`, with the steps it cuts), symmetry of numbered
  threads on and off, and the compact visited set (fingerprints) against
  `--exact` (every state kept too).
- `breakdown`: where one sequential run's time goes (the model's successor
  function, invariants, the engine).
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESETS = ("tiny", "syscalls", "netpoll", "default")  # what the speed table measures by default
WORKERS = (1, 2)
BREAKDOWN = "default"
# (preset, variants): each variant is (label, extra flags)
REDUCTIONS = (
    ("syscalls", (("abstraction, cutoff 1 (default)", ()), ("abstraction, cutoff 2", ("--cutoff", "2")),
                  ("threads ≤ 4, symmetry", ("--threads", "4")),
                  ("threads ≤ 4, no symmetry", ("--threads", "4", "--no-symmetry")),
                  ("threads ≤ 7, symmetry", ("--threads", "7")),
                  ("exact visited set (cutoff 1)", ("--exact",)))),
    ("default", (("abstraction, cutoff 1 (default)", ()), ("abstraction, cutoff 2", ("--cutoff", "2")),
                 ("threads ≤ 3, symmetry", ("--threads", "3")),
                 ("threads ≤ 3, no symmetry", ("--threads", "3", "--no-symmetry")),
                 ("exact visited set (cutoff 1)", ("--exact",)))),
)


def check(preset: str, *flags: str, workers: int = 2, liveness: bool = False, timeout: float = 1800) -> dict:
    """One `gosched-mc check --json` run in its own process; its JSON, plus
    the wall-clock seconds of the whole command."""
    cmd = [sys.executable, "-m", "explorer", "check", "--preset", preset, "--json", "--quiet", "--workers",
           str(workers), *flags] + ([] if liveness else ["--no-liveness"])
    started = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"benchmark: {' '.join(cmd[2:])} printed no JSON (exit {p.returncode}): "
                         f"{(p.stderr or p.stdout).strip()[-300:]}")
    data["wall_seconds"] = round(time.perf_counter() - started, 2)
    return data


def run(name: str, workers: int, repeat: int = 1) -> dict:
    """The fastest of `repeat` runs (the others only lost time to other load)."""
    runs = []
    for _ in range(repeat):
        load = os.getloadavg()[0]
        runs.append((check(name, "--force-workers", workers=workers), load))
    d, load = min(runs, key=lambda r: r[0]["seconds"])
    return {"preset": name, "workers": workers, "states": d["states"], "transitions": d["transitions"],
            "seconds": d["seconds"], "all_seconds": [r[0]["seconds"] for r in runs],
            "states_per_second": round(d["states_per_second"]),
            "cpu_main": d["cpu_seconds"]["main"], "cpu_workers": d["cpu_seconds"]["workers"],
            "bytes_per_state": d["bytes_per_state"], "peak_memory_mb": d["peak_memory_mb"],
            "load": round(load, 2), "complete": d["complete"]}


def speed(presets=PRESETS, workers=WORKERS, repeat: int = 1) -> list[dict]:
    rows = [run(p, w, repeat) for p in presets for w in workers]
    for r in rows:
        one = next(x for x in rows if x["preset"] == r["preset"] and x["workers"] == 1)
        r["speedup"] = round(one["seconds"] / r["seconds"], 2) if r["seconds"] else None
    return rows


def reductions(table=REDUCTIONS) -> list[dict]:
    rows = []
    for preset, variants in table:
        for label, flags in variants:
            d = check(preset, *flags)
            rows.append({"preset": preset, "variant": label, "flags": " ".join(flags), "states": d["states"],
                         "seconds": d["seconds"], "peak_memory_mb": d["peak_memory_mb"],
                         "bytes_per_state": d["bytes_per_state"], "cut_steps": d["cut_steps"],
                         "complete": d["complete"], "verdict": d["verdict"]})
    return rows


def breakdown(name: str) -> dict:
    """Seconds spent in each part of a sequential run, measured part by part
    over the states of one complete exploration."""
    sys.path.insert(0, ROOT)
    from explorer.search import explore
    from model.presets import preset
    from properties.plugin import plugin
    machine, invariants = plugin.build(preset(name))
    result = explore(machine, invariants, workers=1, keep_states=True)
    states = result.space.states
    t0 = time.perf_counter()
    for s in states:
        machine.successors(s)
    t1 = time.perf_counter()
    _, fresh_invariants = plugin.build(preset(name))
    for s in states:
        for inv in fresh_invariants:
            inv.check(s)
    t2 = time.perf_counter()
    parts = {"successors (model actions, normal form)": t1 - t0, "invariants": t2 - t1}
    parts["engine (fingerprints, visited set, levels)"] = max(0.0, result.seconds - sum(parts.values()))
    return {"preset": name, "total_seconds": round(result.seconds, 2),
            "parts": {k: round(v, 2) for k, v in parts.items()},
            "share": {k: round(100 * v / result.seconds, 1) for k, v in parts.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default=",".join(PRESETS), help="presets for the speed table")
    ap.add_argument("--workers", default=",".join(map(str, WORKERS)), help="worker counts to compare")
    ap.add_argument("--reductions", action="store_true", help="also measure each reduction on and off")
    ap.add_argument("--breakdown", default=BREAKDOWN, help="preset whose time to split by part ('' to skip)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per speed figure (the fastest is kept)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    try:
        workers = tuple(int(w) for w in args.workers.split(","))
    except ValueError:
        ap.error(f"--workers takes comma-separated integers, not {args.workers!r}")
    rows = speed(tuple(args.presets.split(",")), workers, max(1, args.repeat))
    reds = reductions() if args.reductions else None
    split = breakdown(args.breakdown) if args.breakdown else None
    if args.json:
        print(json.dumps({"speed": rows, "reductions": reds, "breakdown": split}, indent=1))
        return 0
    print(f"{'preset':<10} {'workers':>7} {'states':>10} {'seconds':>8} {'states/s':>9} {'speedup':>7} "
          f"{'CPU main':>8} {'CPU wkrs':>8} {'bytes/state':>11} {'peak MB':>8} {'load':>5}")
    for r in rows:
        print(f"{r['preset']:<10} {r['workers']:>7} {r['states']:>10,} {r['seconds']:>8.2f} "
              f"{r['states_per_second']:>9,} {r['speedup']:>7} {r['cpu_main']:>8.2f} {r['cpu_workers']:>8.2f} "
              f"{r['bytes_per_state']:>11.1f} {r['peak_memory_mb']:>8,.0f} {r['load']:>5.2f}")
    if reds:
        print(f"\n{'preset':<10} {'variant':<34} {'states':>10} {'seconds':>8} {'cut':>7} {'bytes/st':>8} verdict")
        for r in reds:
            print(f"{r['preset']:<10} {r['variant']:<34} {r['states']:>10,} {r['seconds']:>8.2f} "
                  f"{r['cut_steps']:>7,} {r['bytes_per_state']:>8.1f} {r['verdict']}")
    if split:
        print(f"\nwhere the time goes ({split['preset']}, 1 worker, {split['total_seconds']} s):")
        for k, v in split["share"].items():
            print(f"  {k:<44} {v:>5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
