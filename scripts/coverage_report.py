"""Branch coverage of the model (model/) over the presets' full searches.

    python scripts/coverage_report.py [--presets a,b] [--jobs 2] [--text]

Each preset is explored completely (safety search, every state expanded, one
worker so coverage.py sees every step) in its own process under coverage.py
with branch measurement; the data are combined, and the script prints the
branch coverage of each model file and every branch never taken, with the
reason the catalogue below gives for it being unreachable, or "NOT
EXPLAINED" for a branch no preset reaches that should get a preset.

What is measured: model/ without the trace importer (model/gotrace, checked by
the conformance tests), the seeded bugs (model/mutants, run by the kill
table), the presentation code (render, timeline, projections) and the
checking of user input (config, workload, presets: tests/test_bad_input.py).
"""

import argparse
import fnmatch
import io
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

OMIT = ["*/model/gotrace/*", "*/model/mutants/*", "*/model/render.py", "*/model/timeline.py",
        "*/model/projections.py", "*/model/config.py", "*/model/workload.py", "*/model/presets.py",
        # prove's lemmas and the symbolic view (tests/test_symbolic.py), the schedtrace lines and the
        # glossary (tests/test_schedtrace.py, tests/test_explain.py): not run by a search
        "*/model/lemmas.py", "*/model/symbolic.py", "*/model/schedtrace.py", "*/model/glossary.py"]
SKIP = ("large",)  # a superset of default's workload: minutes more, no branch of its own

# Why a branch cannot be taken by any run of the correct model on the presets, by what its target does
# (the first rule whose pattern is in the source lines the branch would run) or by file:line. A missed
# branch that none explains is reported as NOT EXPLAINED.
RULES = (
    ("throw(", "a runtime throw: reached only by a broken model (seeded bugs reach them; no_runtime_throw)"),
    ("raise ModelError", "a model error: reached only by a broken model (tests/test_verdicts.py)"),
    ("raise CapacityError", "a model error: more M slots than the layout has"),
    ("bounded", "numbered threads only (`--threads N`); the presets are unbounded (tests/test_abstraction.py)"),
    ("raise ValueError(f\"action", "a catalogue error (an action registered twice, or without a docstring), raised at import"),
)
UNREACHABLE = {
}

# Why no branch of a whole function is taken by a search: functions a search never calls, or calls only
# in a mode no preset uses. Keyed by (file, function).
BOUNDED = "numbered threads only (`--threads N`); the presets are unbounded (tests/test_abstraction.py)"
TWIN = ("shows or replays a run as numbered threads (the concrete twin): traces, graphs, replay "
        "(tests/test_abstraction.py, tests/test_graph_numbering.py)")
FUNCTIONS = {
    ("model/machine.py", "concrete"): TWIN, ("model/machine.py", "abstract_of"): TWIN,
    ("model/machine.py", "abstract_note"): TWIN,
    ("model/machine.py", "terminal"): ("classifies an end state; the presets' end states are finished programs "
                                       "or spinning Gs (a deadlock of any kind is a violation: tests/test_verdicts.py)"),
    ("model/machine.py", "fairness_class"): "liveness only (the report's coverage runs safety searches)",
    ("model/machine.py", "fairness_key"): "liveness only (the report's coverage runs safety searches)",
    ("model/actions/subroutines.py", "_startm_or_cut"): "a cut: " + BOUNDED,
    ("model/runtime.py", "mput"): BOUNDED, ("model/runtime.py", "mget"): BOUNDED,
}

TIMERS2 = ("a timer with GOMAXPROCS >= 2: beyond the presets' budget (a sleeping G at GOMAXPROCS 2 has hundreds of "
           "thousands of states); tests/test_reach_rare.py goes there breadth-first")
STW_WORK = ("a stop of the world while another P has local work: no preset (67,292 states for "
            "`spawn(1), stw; spawn(2), compute; exit`); tests/test_reach_rare.py goes there breadth-first")

# Why one branch is not taken, by the file and the source text of the branching line.
CONDITIONS = {
    ("model/actions/common.py", "if not cur:"): "current_op is asked only about an M running a G (M_RUN), which has a curg",
    ("model/actions/sysmon.py", "if not owner:"): "preemptone looks only at _Prunning Ps, which always have an M (p_accounting)",
    ("model/actions/clock.py", "if not s[rt.L.sysmonwait]:"): ("sysmon is at SY_SLEEP only with sched.sysmonwait set: "
                                                            "it sets it on the way in, and whoever clears it moves sysmon out"),
    ("model/actions/schedule.py", "if s[rt.pc[m]] == M_NETBLOCK and not s[rt.L.netpolling] and (netpoll_waiters(rt, s) or "
                                  "rt.timers_pending(s)):"): ("at M_NETBLOCK netpoll_block is tried first and fires in "
                                                              "exactly the states where this guard returns"),
    ("model/actions/subroutines.py", "if rt.timers_pending(s) and any(s[rt.L.g_timerp[g]] == pp + 1 for g in range(rt.L.ng)):"):
        TIMERS2, ("model/actions/subroutines.py", "if b[rt.L.netpolling]:"): TIMERS2,
    ("model/actions/timers.py", "if tp != pp and s[rt.p_status[tp]] != _Pidle:"): TIMERS2,
    ("model/actions/stw.py", "if rt.runqempty(b, p2):"): STW_WORK, ("model/actions/stw.py", "for p2 in runnable:"): STW_WORK,
    ("model/actions/stw.py", "if not rt.startm(b, p2, False):"): STW_WORK + "; its cut: " + BOUNDED,
    ("model/runtime.py", "if not b[self.L.throw]:"): "a second throw in one step: only a broken model throws at all",
    ("model/runtime.py", "if not size:"): "every caller of globrunqgetbatch checks first that the global queue has work",
    ("model/runtime.py", "if m is NIL:"): "a cut: " + BOUNDED,
    ("model/runtime.py", "if st == _Gwaiting:"): ("checkdead with no M running and every G parked: a genuine program "
                                                  "deadlock, which parked_g_has_a_waker reports first (`--workload park`)"),
    ("model/runtime.py", "if waiting and not b[L.throw]:"): ("checkdead with no M running and every G parked: a genuine "
                                                             "program deadlock, which parked_g_has_a_waker reports first"),
    ("model/actions/syscall_modern.py", "if b[rt.L.stopwait]:"): (
        "entersyscallHandleGCWait with stopwait = 0: gcwaiting was set when the M read it, and the stop cannot "
        "finish (stopwait reach 0) while this M's P is still _Prunning; the runtime's re-check under sched.lock "
        "guards a gcwaiting read the model makes atomically"),
    ("model/layout.py", "if any(s[o] and s[o] - 1 in hit[3] for o in pm):"): (
        "a P.m naming an M that holds nothing (no P, G or handoff): only a state that breaks p_accounting "
        "(pp.m = M implies M.p = pp)"),
    ("model/runtime.py", "if next:"): (
        "runqput(pp, gp, false): the model's callers (newproc, ready, a timer's ready) put into runnext as Go's "
        "do; Go 1.25's one caller with next=false is goyield_m (proc.go:4426, sema.go's handoff, not a workload "
        "op); tests/test_model.py checks the tail put"),
    ("model/runtime.py", "if self.timers_pending(b):"): (
        "checkdead with every M stopped and a timer pending: findRunnable never stops the last M while a timer is "
        "pending (it blocks in netpoll until the timer is due), and handoffp's wakeNetPoller starts one for a P "
        "idled with a timer (tests/test_reach_rare.py searches sleeping workloads for it)"),
    ("model/runtime.py", "for m in range(L.nm):"): (
        "a _Psyscall P that is no M's m.oldp: psyscall_p_has_syscall_m rules it out (every reachable state)"),
    ("model/machine.py", "if M_SCHEDULE in self._by_pc and first in self._by_pc[M_SCHEDULE]:"):
        "always true: findRunnable_checkTimers is an action at M_SCHEDULE under both protocols",
}


def _functions(path: str) -> list:
    """(first line, last line, name) of every function in the file."""
    import ast
    if path not in _FUNCS:
        tree = ast.parse("\n".join(source(path)))
        _FUNCS[path] = [(n.lineno, n.end_lineno, n.name) for n in ast.walk(tree)
                        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return _FUNCS[path]


_FUNCS: dict = {}


def enclosing(path: str, line: int) -> str:
    """The innermost function around a line ("" at module level)."""
    inside = [(a, name) for a, b, name in _functions(path) if a <= line <= b]
    return max(inside)[1] if inside else ""


def sibling_reason(path: str, line: int, targets) -> str | None:
    """The early return of an action at a pc where only the first action
    that fires is tried (model/machine.py: every pc but CHOICE_PCS, and a
    running G's op): if the guard is never false when the action is tried,
    the actions tried before it fire in every other reached state."""
    from model.actions.registry import ACTIONS
    from model.machine import CHOICE_PCS
    from model.vocab import M_RUN

    text = source(path)
    if not targets or not all(0 < t <= len(text) and text[t - 1].strip() == "return" for t in targets):
        return None
    fn = enclosing(path, line)
    names = list(ACTIONS)
    info = next((a for a in ACTIONS.values() if a.step.__name__ == fn and not a.mutant_only
                 and os.path.samefile(a.step.__code__.co_filename, path)), None)
    if info is None:
        return None
    keys = [("op", op) for op in info.ops] if M_RUN in info.pcs else [("pc", pc) for pc in info.pcs]
    if not keys or any(kind == "pc" and pc in CHOICE_PCS for kind, pc in keys):
        return None

    def shares(a, kind, v):
        same = v in (a.ops if kind == "op" and M_RUN in a.pcs else a.pcs if kind == "pc" else ())
        both = not a.protocols or not info.protocols or set(a.protocols) & set(info.protocols)
        return same and both and not a.mutant_only

    before = set()
    for kind, v in keys:
        earlier = [a.name for a in ACTIONS.values() if names.index(a.name) < names.index(info.name) and shares(a, kind, v)]
        if not earlier:
            return None
        before.update(earlier)
    return (f"tried after {', '.join(sorted(before))} at a pc where only the first action that fires is tried: "
            "whenever this guard is reached they did not fire, and it never fails there")


def reason_for(key: str, lines: list[str], path: str = "", line: int = 0, targets=()) -> str:
    if key in UNREACHABLE:
        return UNREACHABLE[key]
    rel = key.rsplit(":", 1)[0]
    if path:
        why = FUNCTIONS.get((rel, enclosing(path, line))) or CONDITIONS.get((rel, lines[0].strip()))
        if why:
            return why
    text = "\n".join(lines)
    rule = next((reason for pattern, reason in RULES if pattern in text), None)
    if rule:
        return rule
    return (path and sibling_reason(path, line, targets)) or "NOT EXPLAINED"


_CHILD = r"""
import sys
sys.path.insert(0, {root!r})
from explorer.search import explore
from model.presets import preset
from properties.plugin import plugin
for protocol in ("modern", "classic"):  # each preset under both syscall protocols
    config = preset({name!r}).with_(protocol=protocol, **{extra!r})
    machine, invariants = plugin.build(config)
    r = explore(machine, invariants, workers=1)
    print(protocol, r.states, r.complete)
"""


_SOURCES: dict = {}


def source(path: str) -> list[str]:
    if path not in _SOURCES:
        with open(path) as f:
            _SOURCES[path] = f.read().splitlines()
    return _SOURCES[path]


# Numbered threads (`--threads N`, a user's explicit bound) have code of their own: the symmetry of numbered
# Ms and the cut of startm's newm. One preset is measured that way too, beside every preset unbounded.
BOUNDED_RUNS = {"default": {"threads": 3}}


def measure(presets: list[str], jobs: int, data_dir: str) -> None:
    runs = [(name, {}) for name in presets] + [(n, extra) for n, extra in BOUNDED_RUNS.items() if n in presets]

    def one(run):
        name, extra = run
        tag = name + "".join(f"_{k}{v}" for k, v in extra.items())
        path = os.path.join(data_dir, f"child_{tag}.py")
        with open(path, "w") as f:
            f.write(_CHILD.format(root=ROOT, name=name, extra=extra))
        cmd = [sys.executable, "-m", "coverage", "run", "--branch", "--parallel-mode", f"--source={ROOT}/model",
               f"--data-file={data_dir}/.coverage", path]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            raise SystemExit(f"coverage_report: preset {name} failed: {p.stderr.strip()[-300:]}")
        return tag, p.stdout.strip()

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, out in pool.map(one, runs):
            print(f"  {name}: {out}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    import coverage
    from model.presets import PRESETS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", help="comma-separated presets (default: every preset but large)")
    ap.add_argument("--jobs", type=int, default=2, help="presets measured at once")
    ap.add_argument("--text", action="store_true", help="plain text instead of markdown")
    args = ap.parse_args(argv)
    presets = args.presets.split(",") if args.presets else [p for p in PRESETS if p not in SKIP]
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        ap.error(f"unknown preset {unknown[0]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        measure(presets, max(1, args.jobs), tmp)
        cov = coverage.Coverage(data_file=f"{tmp}/.coverage", branch=True, omit=OMIT)
        cov.combine([tmp])
        cov.load()
        buf = io.StringIO()
        total = cov.report(file=buf, omit=OMIT, show_missing=False,
                           output_format="text" if args.text else "markdown")
        bounded = "; ".join(f"{n} also with " + ", ".join(f"--{k} {v}" for k, v in e.items())
                            for n, e in BOUNDED_RUNS.items() if n in presets)
        lines = [f"Presets: {', '.join(presets)} (full safety searches under both syscall protocols, one worker each"
                 + (f"; {bounded}, numbered threads" if bounded else "") + ").", "", buf.getvalue().strip(),
                 "", f"Branch coverage of the model, all files: {total:.1f}%.", ""]
        missed = []
        for path in sorted(cov.get_data().measured_files()):
            rel = os.path.relpath(path, ROOT)
            if any(fnmatch.fnmatch(path, o) for o in OMIT):
                continue
            analysis = cov._analyze(path)  # noqa: SLF001 (coverage has no public API for missed arcs)
            for line, targets in sorted(analysis.missing_branch_arcs().items()):
                text = source(path)
                src = text[line - 1].strip()
                key = f"{rel}:{line}"
                near = [src] + [text[t - 1] for t in targets if t > 0] + [text[t] for t in targets if 0 < t < len(text)]
                missed.append((key, targets, src, reason_for(key, near, path, line, targets)))
        lines += ["Branches never taken (line -> the line it would go to; negative: leaves the function):", ""]
        lines += (["| where | to | code | why |", "|---|---|---|---|"] if not args.text else [])
        for key, targets, src, why in missed:
            to = ", ".join(map(str, targets))
            lines.append(f"| `{key}` | {to} | `{src[:70].replace('|', '/')}` | {why} |" if not args.text
                         else f"  {key:32} -> {to:10} {src[:60]:60} {why}")
        if not missed:
            lines.append("none")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
