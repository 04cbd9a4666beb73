"""Conformance of the model with real Go execution traces: the table.

Runs every program under tests/goprograms at GOMAXPROCS 1, 2 and 4 on Go
1.25.5 and Go 1.27.3 and checks each trace against the model of its syscall
protocol: Go 1.25.5 traces against the classic protocol (`_Psyscall`), Go
1.27.3 traces (format go 1.26) against the modern one (the P stays wired to
the syscalling M). With --cross-check each trace is checked against the
other protocol's model instead (a cross-check, not conformance). One row
per trace:

    program  GOMAXPROCS  Go  events  checked  mapped  not covered  verdict  first unexplained  seconds

then, per protocol, the model actions that explained events in no trace
(with the reason they are not seen), and the actions seen.

    python scripts/conformance.py                    # every program, one run each
    python scripts/conformance.py --runs 5 chanpark  # five traces of one program
    python scripts/conformance.py --go 1.27          # the modern protocol only
    python scripts/conformance.py --markdown         # for REPORT.md
    python scripts/conformance.py --json out.json
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.actions import ACTIONS  # noqa: E402
from model.gotrace.check import INPUT_ERRORS, to_json  # noqa: E402
from properties.conformance import conform  # noqa: E402

PROGRAMS = ROOT / "tests" / "goprograms"
PROCS = (1, 2, 4)
VERSIONS = ("1.25", "1.27")
PROTOCOL = {"1.25": "classic", "1.27": "modern"}  # the protocol each pinned release's traces follow
OTHER = {"classic": "modern", "modern": "classic"}

# Why a model action may explain no event of any trace: it changes nothing a
# trace records (its steps are stuttering steps), or it is rare.
UNOBSERVABLE = "unobservable: changes nothing a trace records (a stuttering step)"
NOT_SEEN = {
    "netpollready": UNOBSERVABLE + "; the fd becoming ready is the kernel's",
    "chansend_nowaiter": UNOBSERVABLE + "; a send that wakes no one",
    "chanrecv_buffered": UNOBSERVABLE + "; a receive that does not park",
    "wakep_noop": UNOBSERVABLE, "wakep_cas": UNOBSERVABLE, "wakep_startm": UNOBSERVABLE,
    "wakep_nopidle": UNOBSERVABLE, "wakep_store": "seeded bugs only",
    "handoffp_startm": UNOBSERVABLE, "handoffp_startm_spinning": UNOBSERVABLE, "handoffp_lock": UNOBSERVABLE,
    "handoffp_lastp_startm": UNOBSERVABLE, "handoffp_pidleput": UNOBSERVABLE,
    "injectglist_startm": UNOBSERVABLE, "injectglist_done": UNOBSERVABLE,
    "runqsteal": UNOBSERVABLE + "; the stolen G's GoStart is `execute` or `resetspinning`'s",
    "stealWork_none": UNOBSERVABLE, "findRunnable_becomeSpinning": UNOBSERVABLE, "stealWork_gcwaiting": UNOBSERVABLE,
    "stealWork_victim_empty": UNOBSERVABLE, "findRunnable_nosteal": UNOBSERVABLE,
    "findRunnable_stopspinning": UNOBSERVABLE, "findRunnable_recheck_none": UNOBSERVABLE,
    "findRunnable_needspinning": UNOBSERVABLE, "resetspinning": UNOBSERVABLE,
    "goschedImpl_globrunqput": UNOBSERVABLE + "; the GoSched or GoPreempt before it is gosched's or gopreempt_m's",
    "goschedImpl_runqput": "rare: a goroutine preempted while the world stops (Go 1.26+); its GoPreempt is gopreempt_m's",
    "preemptone": UNOBSERVABLE + "; sets gp.preempt, the GoStop is gopreempt_m's",
    "exitsyscall_lostp": UNOBSERVABLE + "; the G stays _Gsyscall", "exitsyscallfast_nopidle": UNOBSERVABLE,
    "incidlelocked": UNOBSERVABLE, "stopm": UNOBSERVABLE, "netpoll_block": UNOBSERVABLE,
    "exitsyscall_wirep": "seeded bugs only", "runqsteal_runnext_store": "seeded bugs only",
    "lockOSThread": UNOBSERVABLE + "; LockOSThread records no event (the op is inferred: the locked thread rule)",
    "unlockOSThread": UNOBSERVABLE + "; UnlockOSThread records no event", "stoplockedm_park": UNOBSERVABLE,
    "timer_fires": UNOBSERVABLE + "; a timer's time passing (the GoUnblock is checkTimers')",
    "forEachP": UNOBSERVABLE + "; forEachP records no event (the op is inferred: the forEachP rule), its steals "
                "are forEachP_handoffp's",
    "runSafePointFn": UNOBSERVABLE + "; a P's safe-point function (writing its status, for StopTrace)",
    # the modern protocol's steps that change nothing a trace records
    "entersyscall_casgstatus": UNOBSERVABLE + "; the GoSyscallBegin before it is reentersyscall's",
    "entersyscallblock_casgstatus": UNOBSERVABLE + "; the GoSyscallBegin is entersyscallblock_handoffp's",
    "exitsyscall_nop_window": UNOBSERVABLE + "; the trace shows the G in its syscall until it has a P or none",
    "exitsyscallTryGetP_setBlock": UNOBSERVABLE + "; takes the scan bit, the ProcSteal is exitsyscallTryGetP_takeP's",
    "exitsyscallTryGetP_nosteal": UNOBSERVABLE, "exitsyscallTryGetP_none": UNOBSERVABLE,
    "retake_setBlockOnExitSyscall": UNOBSERVABLE, "retake_castogscanstatus": UNOBSERVABLE,
    "retake_setBlock_fails": UNOBSERVABLE, "retake_resume_early": UNOBSERVABLE,
    "retake_resume": UNOBSERVABLE + "; gives the scan bit back, the ProcSteal is retake_takeP's",
}


def run_all(programs, versions, procs, runs, cross_check, log, keep=None, keep_failed=None):
    """Every row; with keep, every trace and its dump under keep; with
    keep_failed, those of the traces not accepted under keep_failed (a
    rejection that does not recur is then still there to analyse)."""
    rows = []
    for name in programs:
        for version in versions:
            protocol = OTHER[PROTOCOL[version]] if cross_check else PROTOCOL[version]
            for n in procs:
                for k in range(runs):
                    t = time.perf_counter()
                    label = f"{name}-go{version}-p{n}-{k}"
                    scratch = tempfile.mkdtemp(prefix="conform-") if keep_failed and not keep else None
                    try:
                        kept = str(Path(keep) / label) if keep else scratch
                        report = conform(str(PROGRAMS / name), go=version, procs=n, max_seconds=300, keep=kept,
                                         against=protocol if cross_check else None)
                        data = to_json(report)
                    except INPUT_ERRORS as err:
                        data = {"verdict": "error", "reason": str(err)}
                    if keep_failed and data["verdict"] != "accepted" and kept and Path(kept).is_dir():
                        shutil.copytree(kept, Path(keep_failed) / label, dirs_exist_ok=True)
                    if scratch:
                        shutil.rmtree(scratch, ignore_errors=True)
                    data.update(program=name, go=version, procs=n, run=k, seconds=round(time.perf_counter() - t, 2),
                                protocol=protocol, cross_check=cross_check)
                    rows.append(data)
                    log(_row_text(data))
    return rows


def _first(data) -> str:
    f = data.get("first_unexplained")
    if not f:
        return ""
    s = data.get("search", {})
    return f"#{f['index'] + 1}/{s.get('checked', '?')} {f.get('kind', '')}: {_event_short(f['event'])}"


def _held(data) -> int | None:
    """Checked events the trace reader held back (None: not searched)."""
    return data.get("search", {}).get("held_events")


def _event_short(line: str) -> str:
    parts = dict(p.split("=", 1) for p in line.split() if "=" in p and not p.startswith(("Time", "Reason", "Resource")))
    trans = [p for p in line.split() if "->" in p]
    who = f"g{parts['GoID']}" if "GoID" in parts else f"p{parts.get('ProcID', '?')}"
    return f"M={parts.get('M')} {who} {trans[0] if trans else ''}"


def _row_text(d) -> str:
    ev = d.get("events", {})
    return (f"{d['program']:14} {d['procs']:>2} {d['go']:>5} {ev.get('events', '-'):>6} {ev.get('checked', '-'):>7} "
            f"{ev.get('mapped', '-'):>6} {ev.get('not_covered', '-'):>5}  {d['verdict']:11} {d['seconds']:6.2f}  "
            f"{_first(d) or d.get('reason', '')[:70]}")


def _protocol(d) -> str:
    return d.get("protocol") or PROTOCOL[d["go"]]


def never_seen(rows, protocol) -> tuple[list, Counter]:
    """Over the traces checked against this protocol's model (conformance
    proper, not cross-checks): its actions that explained no event, with
    why, and the events each action explained."""
    rows = [d for d in rows if _protocol(d) == protocol and not d.get("cross_check")]
    seen: Counter = Counter()
    for d in rows:
        seen.update(d.get("explaining_actions", {}))
    hidden: Counter = Counter()
    for d in rows:
        hidden.update(d.get("run_actions", {}))
    out = []
    for name, info in ACTIONS.items():
        if seen[name] or (info.protocols and protocol not in info.protocols):
            continue
        why = NOT_SEEN.get(name, "rare: not in these traces")
        if hidden[name] and why.startswith("rare"):
            why = "taken only as a stuttering step in these traces"
        out.append((name, hidden[name], why))
    return out, seen


def markdown(rows) -> str:
    runs = max((d["run"] for d in rows), default=0) + 1
    verdicts = Counter((d["go"], d["verdict"]) for d in rows)
    summary = "; ".join(f"Go {go} ({PROTOCOL[go]} model): " + ", ".join(f"{n} {v}" for (g, v), n in
                                                                       sorted(verdicts.items()) if g == go)
                        for go in sorted({d["go"] for d in rows}))
    cross = any(d.get("cross_check") for d in rows)
    lines = ["<!-- generated by `python scripts/conformance.py --markdown` from real runs; they differ run to run -->",
             "", f"{len(rows)} traces ({runs} per program, GOMAXPROCS and Go version): {summary}. Each trace is "
             "checked against the model of its syscall protocol: Go 1.25.5 traces against the classic protocol "
             "(`_Psyscall`), Go 1.27.3 traces (format go 1.26) against the modern one (`--protocol modern`: the P "
             "stays wired to the syscalling M)" + ("; these rows are a cross-check against the other protocol's "
                                                   "model, not conformance" if cross else "") + ". "
             "`checked`: state transitions the model must "
             "explain; `mapped`: those of them that go through a stand-in rule (the trace reader and timer "
             "channels as the netpoller, the runtime's trace timers as the sleep op); `not covered`: events dropped "
             "by a named rule (allocm's P borrow); `held`: checked events the trace reader held back behind an "
             "event they depend on (their timestamps raised to 1 ns past the one before); they and the event "
             "each run of them waited for are not bound by the search's reordering window; `first unexplained`: the first event no run of the model "
             "explains, #index/checked and its kind. Ops no event records (LockOSThread, a goroutine queued all "
             "through the trace) are inferred per goroutine and listed by `gosched-mc conform`, not counted here.",
             "",
             "| program | GOMAXPROCS | Go | model | traces | events | checked | mapped | not covered | held | accepted | seconds per trace |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    groups: dict = {}
    for d in rows:
        groups.setdefault((d["program"], d["procs"], d["go"]), []).append(d)
    for (program, procs, go), ds in sorted(groups.items()):
        total = Counter()
        for d in ds:
            total.update(d.get("events", {}))
        accepted = sum(1 for d in ds if d["verdict"] == "accepted")
        checked = [d for d in ds if d["verdict"] in ("accepted", "rejected", "limit")]
        verdict = f"{accepted}/{len(checked)}" + (" (cross-check)" if cross and checked else "")
        others = Counter(d["verdict"] for d in ds if d["verdict"] not in ("accepted", "rejected"))
        if others:
            verdict += " (" + ", ".join(f"{n} {v}" for v, n in sorted(others.items())) + ")"
        held = sum(_held(d) or 0 for d in ds)
        lines.append(f"| {program} | {procs} | {go} | {_protocol(ds[0])} | {len(ds)} | {total['events']} | "
                     f"{total['checked']} | {total['mapped']} | {total['not_covered']} | {held} | {verdict} | "
                     f"{sum(d['seconds'] for d in ds) / len(ds):.2f} |")
    lines += ["", "Every trace:", "",
              "| program | GOMAXPROCS | Go | model | events | checked | mapped | not covered | held | verdict | first unexplained | seconds |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for d in rows:
        ev = d.get("events", {})
        verdict = d["verdict"] + (" (cross-check)" if d.get("cross_check") and d["verdict"] in ("accepted", "rejected") else "")
        lines.append(f"| {d['program']} | {d['procs']} | {d['go']} | {_protocol(d)} | {ev.get('events', '')} | "
                     f"{ev.get('checked', '')} | {ev.get('mapped', '')} | {ev.get('not_covered', '')} | "
                     f"{'' if _held(d) is None else _held(d)} | {verdict} | "
                     f"{_first(d) or d.get('reason', '') if d['verdict'] != 'accepted' else ''} | {d['seconds']} |")
    for protocol, go in (("classic", "1.25"), ("modern", "1.27")):
        if not any(_protocol(d) == protocol and not d.get("cross_check") for d in rows):
            continue
        missing, seen = never_seen(rows, protocol)
        lines += ["", f"Model actions ({protocol} protocol) that explained no event in any Go {go} trace:", "",
                  "| action | stuttering steps in explaining runs | why |", "|---|---|---|"]
        lines += [f"| `{name}` | {n} | {why} |" for name, n, why in missing]
        lines += ["", f"Events explained per action, over the accepted Go {go} traces: "
                  + ", ".join(f"`{a}` {n}" for a, n in seen.most_common()) + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="*", help="program names under tests/goprograms (default: all)")
    ap.add_argument("--go", action="append", choices=VERSIONS, help="Go versions (default: both)")
    ap.add_argument("--procs", action="append", type=int, help="GOMAXPROCS values (default: 1 2 4)")
    ap.add_argument("--runs", type=int, default=1, help="traces per program, version and GOMAXPROCS")
    ap.add_argument("--cross-check", action="store_true",
                    help="check each trace against the other protocol's model instead of its own")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table for REPORT.md")
    ap.add_argument("--json", metavar="FILE", help="write every row as JSON")
    ap.add_argument("--keep", metavar="DIR", help="keep every trace and its dump under DIR")
    ap.add_argument("--keep-failed", metavar="DIR",
                    help="keep the trace and dump of every trace not accepted under DIR")
    ap.add_argument("--from-json", metavar="FILE", help="print the table of a previous --json run instead of running")
    args = ap.parse_args(argv)
    programs = args.programs or sorted(p.name for p in PROGRAMS.iterdir() if (p / "main.go").is_file())
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.markdown else (lambda s: print(s, flush=True))
    if not args.markdown:
        print(f"{'program':14} {'P':>2} {'Go':>5} {'events':>6} {'checked':>7} {'mapped':>6} {'n/c':>5}  "
              f"{'verdict':11} {'sec':>6}  first unexplained / reason")
    if args.from_json:
        rows = json.loads(Path(args.from_json).read_text())
    else:
        rows = run_all(programs, args.go or VERSIONS, args.procs or PROCS, args.runs, args.cross_check, log, args.keep,
                       args.keep_failed)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    if args.markdown:
        print(markdown(rows))
    else:
        verdicts = Counter((d["go"], d["verdict"]) for d in rows)
        print("\n" + ", ".join(f"Go {go} {v}: {n}" for (go, v), n in sorted(verdicts.items())))
        for protocol in sorted({_protocol(d) for d in rows if not d.get("cross_check")}):
            missing, _ = never_seen(rows, protocol)
            print(f"Model actions ({protocol} protocol) that explained no event:")
            for name, n, why in missing:
                print(f"  {name:28} {why}" + (f" ({n} stuttering steps)" if n else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
