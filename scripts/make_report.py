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

from benchmark import (BREAKDOWN, PRESETS as BENCH_PRESETS, WORKERS as BENCH_WORKERS, breakdown, check as bench_check,
                       reductions, speed)
from explorer.explain import markdown as explain_markdown
from explorer.killtable import check_mutant
from explorer.observer import find_witness
from explorer.search import peak_rss_mb
from model.glossary import ENTRIES as GLOSSARY
from model.machine import GoScheduler
from model.presets import PRESETS, preset
from properties.plugin import plugin

# The z3 engines are slow beyond small configurations: the report runs this subset (scripts/symbolic_report.py
# runs any other); the coverage runs every preset but the two largest (netspin is netpoll's workload with a
# spinner; large is a superset of default's).
SYMBOLIC_SUBSET = ("tiny", "preempt", "overflow", "retake_no_handoffp", "exitsyscall_no_cas",
                   "entersyscall_keeps_grunning")
COVERAGE_PRESETS = [name for name in PRESETS if name not in ("netspin", "large")]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKERS = 2
SVG = "docs/default-p-status.svg"


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def header(*names) -> list[str]:
    """A table's header row and its separator."""
    return [row(*names), row(*["---"] * len(names))]


PROTOCOLS = ("modern", "classic")  # the default first


def _verdict(d) -> str:
    return d["verdict"] + (f" ({', '.join(v if isinstance(v, str) else v['property'] for v in d['violated'])})"
                           if d["violated"] else "")


def presets_section(skip_large: bool, runs: dict) -> list[str]:
    """Every preset under both protocols; `runs` keeps each run's JSON for the side-by-side section."""
    out = ["## Presets: the full answer", "",
           f"Each preset checked under each syscall protocol with every safety and liveness property, each run in "
           f"its own process (`gosched-mc check --preset NAME --protocol P --json`, {WORKERS} workers). Threads are "
           "unbounded (the counter abstraction, cutoff 1), so a complete search answers for any number of threads. "
           "Seconds are wall-clock: the safety search (keeping the graph for liveness), the liveness analysis, and "
           "the whole command; memory is the peak resident set of the search and its workers.", "",
           *header("preset", "protocol", "GOMAXPROCS", "runq", "Gs", "states", "transitions", "depth", "safety s",
                   "liveness s", "total s", "peak MB", "bytes/state", "complete", "verdict")]
    others = {p: 0.0 for p in PROTOCOLS}
    for name, (config, _about) in PRESETS.items():
        for protocol in PROTOCOLS:
            if skip_large and name == "large":
                out.append(row(name, protocol, config.procs, config.runq, config.goroutines,
                               "skipped (--skip-large)", *[""] * 9))
                continue
            d = runs[name, protocol] = bench_check(name, "--protocol", protocol, workers=WORKERS, liveness=True)
            if name != "default":
                others[protocol] += d["wall_seconds"]
            out.append(row(name, protocol, config.procs, config.runq, config.goroutines, f"{d['states']:,}",
                           f"{d['transitions']:,}", d["depth"], f"{d['safety_seconds']:.1f}",
                           f"{d['liveness_seconds']:.1f}", f"{d['wall_seconds']:.1f}", f"{d['peak_memory_mb']:,.0f}",
                           d["bytes_per_state"], "yes" if d["complete"] else "**no**", _verdict(d)))
    out += ["", "Every preset but `default` together: " + ", ".join(f"{others[p]:,.0f} s ({p})" for p in PROTOCOLS)
            + (" (without `large`)." if skip_large else "."), ""]
    return out


def side_by_side_section(runs: dict, reached: dict) -> list[str]:
    """Per workload: both protocols' states, transitions, time, verdict, and the witnesses each reaches there."""
    out = ["## The two protocols side by side", "",
           "The same workloads under the modern protocol (Go 1.26+, checked against Go 1.27.3) and the classic one "
           "(Go 1.14-1.25, checked against Go 1.25.5), from the runs above and the witnesses below. A witness is "
           "listed under the preset it runs on.", "",
           *header("preset", "modern states", "classic states", "modern transitions", "classic transitions",
                   "modern s", "classic s", "modern verdict", "classic verdict", "modern witnesses",
                   "classic witnesses")]
    for name in PRESETS:
        if (name, "modern") not in runs:
            continue
        m, c = runs[name, "modern"], runs[name, "classic"]
        wit = {p: ", ".join(f"`{w}`" for w in reached.get((name, p), ())) or "-" for p in PROTOCOLS}
        out.append(row(name, f"{m['states']:,}", f"{c['states']:,}", f"{m['transitions']:,}",
                       f"{c['transitions']:,}", f"{m['wall_seconds']:.1f}", f"{c['wall_seconds']:.1f}", _verdict(m),
                       _verdict(c), wit["modern"], wit["classic"]))
    out += ["", "What one protocol has and the other has not (README, \"What the model covers\"): under the classic "
            "protocol a returning syscall CASes its old P back from `_Psyscall` (steal-back from another M's syscall "
            "is that one CAS); under the modern one the P stays `_Prunning` and wired, another thread takes it only "
            "with the G's `_Gscan` bit (setBlockOnExitSyscall, takeP, resume), and a steal-back is "
            "exitsyscallTryGetP's setBlockOnExitSyscall on the old P. The syscall fast path is a store and a CAS on "
            "the P (classic) against one CAS on the G (modern). Only the modern protocol has `_Grunning`-without-P "
            "windows (entersyscallblock, reentersyscall after entersyscallHandleGCWait, exitsyscall before a P), and "
            "its own invariants and mutants (the scan bit, nGsyscallNoP).", ""]
    return out


def properties_section() -> list[str]:
    machine, invariants = plugin.build(preset("tiny"))  # the modern protocol's, the default
    _, classic = plugin.build(preset("tiny").with_(protocol="classic"))
    out = ["## Properties", "", "Safety (checked on every reachable state; the modern protocol's, then the classic "
           "protocol's own):", ""]
    out += [f"- `{inv.name}`: {inv.doc}" for inv in invariants]
    names = {inv.name for inv in invariants}
    out += [f"- `{inv.name}` (classic only): {inv.doc}" for inv in classic if inv.name not in names]
    out.append("- `deadlock`: a state with no step is a finished program, a goroutine spinning forever, or a "
               "genuine program deadlock that checkdead reported; anything else is a scheduler deadlock.")
    out.append("- `model_error` (always on): a step the model cannot take.")
    out += ["", "Liveness (on the explored graph, under fairness):", ""]
    out += [f"- `{p.name}`: {p.doc}" + (f" (not assumed fair: {', '.join(sorted(p.unfair))})" if p.unfair else "")
            for p in plugin.liveness(machine)]
    out += ["", "Fairness classes: " + "; ".join(f"`{k}`: {v}" for k, v in GoScheduler.FAIRNESS_CLASSES.items())
            + ". sysmon's retake is strongly fair (see README).", ""]
    return out


def kill_section() -> list[str]:
    out = ["## Seeded bugs (kill table)", "", "`gosched-mc mutants`: each seeded bug checked on the smallest preset that "
           "reaches it, under the protocol whose action it changes (the preset column says which); safety first, "
           "then liveness. Trace: counterexample length, or a lasso's prefix+cycle.", "",
           *header("mutant", "preset", "kind", "verdict", "by property", "trace", "states", "seconds", "grounding")]
    for m in plugin.mutants():
        r = check_mutant(plugin, m, workers=WORKERS)
        length = f"{r.prefix_length}+{r.cycle_length}" if r.killed_by == "liveness" else r.trace_length
        out.append(row(f"`{r.name}`", r.preset, r.kind, "killed" if r.killed else "**SURVIVED**", r.property or "-",
                       length if length is not None else "-", f"{r.states:,}", f"{r.seconds:.2f}",
                       m["grounding"].replace("|", "/")))
    out.append("")
    return out


def witness_section(reached: dict) -> list[str]:
    out = ["## Witnesses", "", "`gosched-mc witness NAME`: the shortest run in which each textbook scenario happens.",
           "", *header("scenario", "preset", "protocol", "steps", "states searched", "what happens")]
    for sc in plugin.witnesses():
        config = plugin.witness_config(sc)
        machine, _ = plugin.build(config)
        trace, res = find_witness(machine, sc)
        if trace:
            reached.setdefault((sc.preset, config.protocol), []).append(sc.name)
        out.append(row(f"`{sc.name}`", sc.preset, config.protocol, trace.length if trace else "**unreachable**",
                       f"{res.states:,}", sc.doc))
    out.append("")
    return out


def benchmark_section() -> list[str]:
    rows = speed(BENCH_PRESETS, BENCH_WORKERS)
    reds = reductions()
    split = breakdown(BREAKDOWN)
    out = ["## Speed and memory", "", "`python scripts/benchmark.py --reductions`: the safety search alone (no graph "
           "kept), each run in its own process. Bytes per stored state: the visited set (a 128-bit fingerprint "
           "per state in a numpy table) with the parent link and successor position that rebuild "
           "counterexamples exactly, divided by the number of states. Peak MB: the run's own peak resident "
           "memory, of the search process and its workers. CPU: seconds of the main process and of the "
           "workers together; load: the machine's load average when the run started (other jobs share its "
           "cores, and then wall-clock seconds and the speedup are not the code's alone).", "",
           *header("preset", "workers", "states", "seconds", "states/s", "speedup", "CPU main", "CPU workers",
                   "bytes/state", "peak MB", "load")]
    for r in rows:
        out.append(row(r["preset"], r["workers"], f"{r['states']:,}", r["seconds"], f"{r['states_per_second']:,}",
                       f"{r['speedup']}x", r["cpu_main"], r["cpu_workers"], r["bytes_per_state"],
                       f"{r['peak_memory_mb']:,.0f}", r["load"]))
    out += ["", "### Each reduction on and off", "",
            "The counter abstraction of threads against numbered threads (`--threads N` cuts the steps that need "
            "more: a bounded answer), symmetry of numbered threads, and the compact visited set against "
            "`--exact` (every state kept as well, and checked for fingerprint collisions).", "",
            *header("preset", "variant", "flags", "states", "seconds", "cut steps", "bytes/state", "peak MB",
                    "verdict")]
    for r in reds:
        out.append(row(r["preset"], r["variant"], f"`{r['flags']}`" if r["flags"] else "", f"{r['states']:,}",
                       r["seconds"], f"{r['cut_steps']:,}", r["bytes_per_state"], f"{r['peak_memory_mb']:,.0f}",
                       r["verdict"]))
    out += ["", f"Where the time goes ({split['preset']}, 1 worker, {split['total_seconds']} s):", ""]
    out += [f"- {k}: {v}%" for k, v in split["share"].items()]
    out += ["", "Partial-order reduction is not applied: every scheduler step of the model reads or writes "
            "shared scheduler state (a P's status, a run queue, sched's counters) or a field an invariant "
            "reads (the M's program counter), so no step is both independent and invisible in the sense an "
            "ample set needs; the counter abstraction of threads is what removes the interleavings of "
            "interchangeable threads.", ""]
    return out


CONFORMANCE = "Conformance with real Go traces"


def conformance_section() -> list[str]:
    """scripts/conformance.py --runs 3 --markdown: real Go traces against the model, three of each program,
    GOMAXPROCS and Go version (runs differ)."""
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "conformance.py"), "--runs", "3", "--markdown"],
                       capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        return [f"## {CONFORMANCE}", "", f"`scripts/conformance.py` failed (exit {p.returncode}): "
                + (p.stderr.strip().splitlines() or ["?"])[-1], ""]
    return [f"## {CONFORMANCE}", "", "`python scripts/conformance.py --runs 3 --markdown`:", "",
            p.stdout.strip(), ""]


def optional_script_section(title: str, script: str, *args: str) -> list[str]:
    """A section printed by another report script, if the repository has it."""
    path = os.path.join(ROOT, "scripts", script)
    if not os.path.exists(path):
        return []
    p = subprocess.run([sys.executable, path, *args], capture_output=True, text=True, cwd=ROOT)
    body = p.stdout.strip() if p.returncode == 0 else (
        f"`scripts/{script}` failed (exit {p.returncode}): " + (p.stderr.strip().splitlines() or ["?"])[-1])
    return [f"## {title}", "", f"`python scripts/{script} {' '.join(args)}`:".replace(" `", "`"), "", body, ""]


BEYOND = "Beyond explicit reach (z3)"


def beyond_reach_section() -> list[str]:
    return optional_script_section(BEYOND, "beyond_reach.py")


def refresh_section(title: str, make, flag: str) -> int:
    """--only-...: run one section again and replace it in REPORT.md, saying at which commit (the rest of the
    report keeps its own run)."""
    path = os.path.join(ROOT, "REPORT.md")
    with open(path) as f:
        text = f.read()
    head = f"## {title}\n"
    if head not in text:
        print(f"REPORT.md has no section {title!r}: regenerate the whole report", file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    section = make()
    section[1:1] = ["", f"(This section alone regenerated by `python scripts/make_report.py {flag}` on "
                        f"{datetime.date.today()} at commit {commit or '?'}.)"]
    before, rest = text.split(head, 1)
    after = rest[rest.index("\n## "):] if "\n## " in rest else "\n"
    with open(path, "w") as f:
        f.write(before + "\n".join(section).rstrip("\n") + "\n" + after)
    print(f"REPORT.md: section {title!r} replaced")
    return 0


def lemma_section() -> list[str]:
    """The strengthening lemmas `prove` uses: the named ones (model/lemmas.py) and the generated families, each
    with the sentence on why it holds."""
    from model.lemmas import FAMILIES, lemmas
    mc = GoScheduler(preset("default").with_(threads=2, protocol="classic"))
    out = ["## Strengthening lemmas of `prove`", "",
           "Every lemma a proof keeps is proven in the same induction (none assumed). Named (model/lemmas.py):", ""]
    out += [f"- `{lm.name}`: {lm.reason}" for lm in lemmas(mc)]
    out += ["", "Generated (model/symbolic.py:candidate_lemmas), kept only when they hold on every sampled reachable "
            "state and Houdini keeps them, by family:", ""]
    out += [f"- `{name}`: {reason}" for name, reason in FAMILIES.items()]
    return out + [""]


def graph_section() -> list[str]:
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    cmd = [sys.executable, "-m", "explorer", "graph", "--preset", "default", "--project", "p-status", "-o", SVG,
           "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    out = ["## State graph", "", "`gosched-mc graph --preset default --project p-status -o " + SVG + "`:", "", "```"]
    out += p.stdout.strip().splitlines()
    out += ["```", "", f"![default preset projected on P statuses]({SVG})", ""]
    return out


def finding_section() -> list[str]:
    return ["## A finding: handoffp idles a P beside a runnable goroutine", "",
            "See docs/finding-handoffp.md (`python scripts/finding_handoffp.py` reruns the real-Go measurement). "
            "The model's verdict on the workload is in the presets table above when the preset exists.", ""]


def screenshots_section() -> list[str]:
    from screenshots import regenerate
    paths = regenerate(ROOT)
    return ["## Viewer screenshots", "", "Regenerated by this command (`scripts/screenshots.py`):", ""] + [
        f"![{os.path.basename(p)}]({os.path.relpath(p, ROOT)})" for p in paths] + [""]


README_WITNESSES = ("syscall_handoff", "netpoll_ready")


def _replace_between(text: str, start: str, end: str, body: str) -> str:
    """text with what lies between the markers start and end replaced by body (unchanged without them)."""
    if start not in text:
        return text
    before, rest = text.split(start, 1)
    return before + start + "\n" + body + "\n" + end + rest.split(end, 1)[1]


def refresh_readme_witnesses() -> None:
    """Replace the generated witness traces and the glossary in README.md (between markers)."""
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    for name in README_WITNESSES:
        start, end = f"<!-- witness:{name} -->", f"<!-- /witness:{name} -->"
        if start not in text:
            continue
        p = subprocess.run([sys.executable, "-m", "explorer", "witness", name], capture_output=True, text=True, cwd=ROOT)
        lines = [ln for ln in p.stdout.splitlines() if not ln.strip().startswith(("SCHED", "changed:", "#"))]
        text = _replace_between(text, start, end, f"```\n$ gosched-mc witness {name}\n" + "\n".join(lines) + "\n```")
    text = _replace_between(text, "<!-- glossary -->", "<!-- /glossary -->", readme_glossary())
    with open(path, "w") as f:
        f.write(text)


def readme_glossary() -> str:
    """The README's glossary: `gosched-mc explain --markdown`, from model/glossary.py."""
    return explain_markdown(GLOSSARY)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-large", action="store_true", help="do not run the large preset (takes minutes)")
    ap.add_argument("--skip-conformance", action="store_true", help="do not run real Go programs")
    ap.add_argument("--only-beyond-reach", action="store_true",
                    help="only run the beyond-explicit-reach section again and replace it in REPORT.md")
    ap.add_argument("--only-conformance", action="store_true",
                    help="only run the conformance section (real Go traces) again and replace it in REPORT.md")
    args = ap.parse_args(argv)
    if args.only_beyond_reach:
        return refresh_section(BEYOND, beyond_reach_section, "--only-beyond-reach")
    if args.only_conformance:
        return refresh_section(CONFORMANCE, conformance_section, "--only-conformance")
    started = time.perf_counter()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    runs, reached = {}, {}
    body = presets_section(args.skip_large, runs)
    witnesses = witness_section(reached)
    body += side_by_side_section(runs, reached) + properties_section() + kill_section() + witnesses
    body += benchmark_section()
    body += [] if args.skip_conformance else conformance_section()
    body += optional_script_section("Symbolic checking (z3): a representative subset", "symbolic_report.py",
                                    "--threads", "1", "--max-depth", "10", "--only", *SYMBOLIC_SUBSET)
    body += optional_script_section("k-induction (z3) of the default preset", "symbolic_report.py", "--prove-only",
                                    "--threads", "2", "--only", "default", "--protocol", "classic", "--all-kept")
    body += beyond_reach_section()
    body += lemma_section()
    body += optional_script_section("Branch coverage of the model", "coverage_report.py",
                                    "--presets", ",".join(COVERAGE_PRESETS))
    body += finding_section() + graph_section() + screenshots_section()
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
