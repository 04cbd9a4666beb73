"""Beyond explicit reach (issue 15, item 5), as a markdown section.

    python scripts/beyond_reach.py [--seconds S] [--protocol classic|modern ...]

For one configuration the explicit search cannot finish in S seconds (600,
the issue's 10 minutes), under each protocol: the explicit search with that
time limit (one worker each, the protocols side by side), then `prove
--candidates named` (Houdini over the model's named lemmas; thousands of
generated candidates do not finish here), which either proves the safety
properties or prints a CTI that it confirms on the explicit model before
printing. Every figure comes from these runs.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCS = THREADS = 3
GOROUTINES = 5
WORKLOAD = ("spawn(1), spawn(2), spawn(3), spawn(4), syscall, syscall, exit; "
            + "; ".join(["syscall, syscall, exit"] * (GOROUTINES - 1)))


def config_args(protocol: str) -> list[str]:
    return ["--protocol", protocol, "--procs", str(PROCS), "--threads", str(THREADS), "--workload", WORKLOAD]


def start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "explorer", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)


def finish(p: subprocess.Popen) -> tuple[dict | None, str]:
    out, err = p.communicate()
    try:
        return json.loads(out), ""
    except json.JSONDecodeError:
        return None, (err.strip().splitlines() or ["no output"])[-1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600, help="the explicit search's time limit (default 600)")
    ap.add_argument("--protocol", action="append", choices=("classic", "modern"),
                    help="only this protocol (repeatable; default both)")
    args = ap.parse_args(argv)
    protocols = args.protocol or ["classic", "modern"]
    checks = {p: start(["check", *config_args(p), "--max-seconds", f"{args.seconds:g}", "--workers", "1",
                        "--no-liveness", "--json"]) for p in protocols}
    explicit = {p: finish(c) for p, c in checks.items()}
    proofs = {}
    for p in protocols:  # one at a time: each takes a core and a few GB
        t0 = time.perf_counter()
        proofs[p] = (*finish(start(["prove", *config_args(p), "--candidates", "named", "--json"])),
                     time.perf_counter() - t0)
    print(f"GOMAXPROCS {PROCS}, {THREADS} threads, five goroutines that each make two syscalls (`--procs {PROCS} "
          f"--threads {THREADS} --workload \"{WORKLOAD}\"`). The explicit search runs with "
          f"`--max-seconds {args.seconds:g} --workers 1 --no-liveness`, the protocols side by side; then "
          "`prove --candidates named`.")
    print()
    print("| protocol | explicit search | states | depth | prove (named lemmas) | CTI step | breaks | confirmed | s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in protocols:
        d, why = explicit[p]
        if d is None:
            e = (f"failed: {why}", "", "")
        else:
            e = ("complete" if d["complete"] else f"stopped: {d.get('stop_reason') or d['verdict']}",
                 f"{d['states']:,}", str(d["depth"]))
        r, why, seconds = proofs[p]
        if r is None:
            q = (f"failed: {why}", "", "", "")
        elif r["proven"]:
            q = (f"proven ({len(r['lemmas'])} lemmas)", "", "", "")
        elif "cti" in r:
            cti = r["cti"]
            q = ("CTI", f"`{cti['step']}`", "; ".join(f"{k}: {v}" for k, v in cti["broken"].items()),
                 "yes" if cti["confirmed"] else "no")
        else:
            q = (f"violated ({', '.join(r.get('violated', []))})", "", "", "")
        print("| " + " | ".join((p, *e, *q, f"{seconds:.0f}")) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
