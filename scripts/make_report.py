"""Regenerate REPORT.md (and docs/default-p-status.svg) from real runs.

    python scripts/make_report.py [--skip-large]

Every figure in the report comes from a run this script makes: the presets
(safety and liveness), the kill table, the witnesses, the benchmark, the
projected state graph. Nothing is typed in by hand.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

from benchmark import BREAKDOWN, PRESETS as BENCH_PRESETS, WORKERS as BENCH_WORKERS, breakdown, run as bench_run
from explorer.killtable import check_mutant
from explorer.observer import find_witness
from explorer.output import overall_verdict
from explorer.search import peak_rss_mb
from explorer.verify import verify
from model.machine import GoScheduler
from model.presets import PRESETS, preset
from properties.plugin import plugin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKERS = 2
SVG = "docs/default-p-status.svg"


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def header(*names) -> list[str]:
    """A table's header row and its separator."""
    return [row(*names), row(*["---"] * len(names))]


def presets_section(skip_large: bool) -> list[str]:
    out = ["## Presets", "",
           f"Each preset checked with every safety and liveness property ({WORKERS} worker processes; "
           "`gosched-mc check --preset NAME`). Seconds are wall-clock: the safety search (keeping the graph "
           "for liveness), then the liveness analysis.", "",
           *header("preset", "GOMAXPROCS", "threads", "runq", "Gs", "states", "transitions", "depth", "safety s",
               "states/s", "liveness s", "SCCs (cycles)", "thread-limit cuts", "verdict")]
    for name, (config, _about) in PRESETS.items():
        if skip_large and name == "large":
            out.append(row(name, config.procs, config.max_threads, config.runq, config.goroutines,
                           "skipped (--skip-large)", "", "", "", "", "", "", "", ""))
            continue
        machine, invariants = plugin.build(config)
        v = verify(machine, invariants, plugin.liveness(machine), workers=WORKERS)
        r = v.result
        out.append(row(name, config.procs, config.max_threads, config.runq, config.goroutines, f"{r.states:,}",
                       f"{r.transitions:,}", r.depth, f"{r.seconds:.1f}", f"{r.states_per_second:,.0f}",
                       f"{v.liveness_seconds:.1f}", f"{v.sccs:,} ({v.nontrivial_sccs:,})",
                       f"{sum(r.cuts.values()):,}", overall_verdict(v)))
    out += ["", "Thread-limit cuts are steps that would have needed one more M than the preset allows; they are "
            "counted, not explored (raise `--threads` to explore them).", ""]
    return out


def properties_section() -> list[str]:
    machine, invariants = plugin.build(preset("tiny"))
    out = ["## Properties", "", "Safety (checked on every reachable state):", ""]
    out += [f"- `{inv.name}`: {inv.doc}" for inv in invariants]
    out.append("- `deadlock`: a state with no step is a finished program, a goroutine spinning forever, or a "
               "genuine program deadlock (reported like checkdead); anything else is a scheduler deadlock.")
    out += ["", "Liveness (on the explored graph, under fairness):", ""]
    out += [f"- `{p.name}`: {p.doc}" + (f" (not assumed fair: {', '.join(sorted(p.unfair))})" if p.unfair else "")
            for p in plugin.liveness(machine)]
    out += ["", "Fairness classes: " + "; ".join(f"`{k}`: {v}" for k, v in GoScheduler.FAIRNESS_CLASSES.items())
            + ". sysmon's retake is strongly fair (see README).", ""]
    return out


def kill_section() -> list[str]:
    out = ["## Seeded bugs (kill table)", "", "`gosched-mc mutants`: each seeded bug checked on the smallest preset that "
           "reaches it; safety first, then liveness. Trace: counterexample length, or a lasso's prefix+cycle.", "",
           *header("mutant", "preset", "kind", "verdict", "by property", "trace", "states", "seconds", "grounding")]
    for m in plugin.mutants():
        r = check_mutant(plugin, m, workers=WORKERS)
        length = f"{r.prefix_length}+{r.cycle_length}" if r.killed_by == "liveness" else r.trace_length
        out.append(row(f"`{r.name}`", r.preset, r.kind, "killed" if r.killed else "**SURVIVED**", r.property or "-",
                       length if length is not None else "-", f"{r.states:,}", f"{r.seconds:.2f}",
                       m["grounding"].replace("|", "/")))
    out.append("")
    return out


def witness_section() -> list[str]:
    out = ["## Witnesses", "", "`gosched-mc witness NAME`: the shortest run in which each textbook scenario happens.",
           "", *header("scenario", "preset", "steps", "states searched", "what happens")]
    for sc in plugin.witnesses():
        machine, _ = plugin.build(plugin.witness_config(sc))
        trace, res = find_witness(machine, sc)
        out.append(row(f"`{sc.name}`", sc.preset, trace.length if trace else "**unreachable**", f"{res.states:,}",
                       sc.doc))
    out.append("")
    return out


def benchmark_section() -> list[str]:
    rows = [bench_run(p, w) for p in BENCH_PRESETS for w in BENCH_WORKERS]
    split = breakdown(BREAKDOWN)
    out = ["## Speed and memory", "", "`python scripts/benchmark.py`: the safety search alone (no graph kept), "
           "distinct states per second and the visited table's bytes per stored state (the state bytes, the "
           "dict, the state numbers and parent links).", "",
           *header("preset", "workers", "states", "seconds", "states/s", "bytes/state", "state size (bytes)")]
    for r in rows:
        out.append(row(r["preset"], r["workers"], f"{r['states']:,}", r["seconds"], f"{r['states_per_second']:,}",
                       r["bytes_per_state"], r["state_size"]))
    out += ["", f"Where the time goes ({split['preset']}, 1 worker, {split['total_seconds']} s):", ""]
    out += [f"- {k}: {v}%" for k, v in split["share"].items()]
    out += ["", "The successor function is plain Python: every step copies the state into a bytearray, applies "
            "the action and freezes it back to bytes, and each M's program counter selects the actions to try. "
            "Symmetry reduction sorts the M records (memoised on the M block). Invariants are memoised on the "
            f"fields they read. With {WORKERS} workers, forked processes expand the frontier and the main "
            "process merges their results in order, so the results are the same for any number of workers.", ""]
    return out


def graph_section() -> list[str]:
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    cmd = [sys.executable, "-m", "explorer", "graph", "--preset", "default", "--project", "p-status", "-o", SVG,
           "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    out = ["## State graph", "", "`gosched-mc graph --preset default --project p-status -o " + SVG + "`:", "", "```"]
    out += p.stdout.strip().splitlines()
    out += ["```", "", f"![default preset projected on P statuses]({SVG})", ""]
    return out


README_WITNESSES = ("syscall_handoff", "netpoll_ready")


def refresh_readme_witnesses() -> None:
    """Replace the generated witness traces in README.md (between markers)."""
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    for name in README_WITNESSES:
        start, end = f"<!-- witness:{name} -->", f"<!-- /witness:{name} -->"
        if start not in text:
            continue
        p = subprocess.run([sys.executable, "-m", "explorer", "witness", name], capture_output=True, text=True, cwd=ROOT)
        lines = [ln for ln in p.stdout.splitlines() if not ln.strip().startswith(("SCHED:", "changed:"))]
        block = f"{start}\n```\n$ gosched-mc witness {name}\n" + "\n".join(lines) + f"\n```\n{end}"
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-large", action="store_true", help="do not run the large preset (takes minutes)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    body = presets_section(args.skip_large) + properties_section() + kill_section() + witness_section()
    body += benchmark_section() + graph_section()
    refresh_readme_witnesses()
    head = ["# gosched-mc report", "",
            f"Regenerated by `python scripts/make_report.py` on {datetime.date.today()} at commit {commit or '?'} "
            f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"peak memory {peak_rss_mb():,.0f} MB, {time.perf_counter() - started:,.0f} s in all). "
            "Every figure below comes from a run this command made.", ""]
    with open(os.path.join(ROOT, "REPORT.md"), "w") as f:
        f.write("\n".join(head + body))
    print(f"REPORT.md written ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
