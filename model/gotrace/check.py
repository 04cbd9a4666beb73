"""The Go side of `gosched-mc conform`: the model instance for a trace, the
observation spec that explorer/conform.py validates it with, and the report.

The search itself runs in properties/conformance.py, where the model and the
explorer meet. Each trace is checked against the model of its own syscall
protocol: Go 1.22-1.25 traces (header `go 1.25 trace`) against the classic
one (`_Psyscall`), Go >= 1.26 traces (header `go 1.26 trace`, written by Go
1.26 and 1.27) against the modern one (the P stays wired to the syscalling
M; observe.py says how each protocol's states look in a trace).
"""

import json
from dataclasses import dataclass, field

from ..actions import ACTIONS
from ..config import MAX_GOROUTINES, MAX_PROCS, MAX_RUNQ, MAX_THREADS, Config, ConfigError
from ..machine import GoScheduler
from ..names import g_name
from ..workload import OP_NAMES, OP_READY, OP_SPAWN
from . import events as ev
from . import mapping
from . import observe as view
from .mapping import RULES, InconsistentTrace, Unsupported
from .runner import RunError
from .source import ConformError, Source
from .toolchain import ToolchainError

INPUT_ERRORS = (ConformError, ToolchainError, RunError, ev.ParseError, InconsistentTrace)


@dataclass
class Report:
    source: Source
    verdict: str  # "accepted", "rejected", "limit", "not checked"
    reason: str = ""
    instance: mapping.Instance | None = None
    validation: object = None  # explorer.conform.Validation
    prelude_states: int = 0
    # With the whole prelude past its limit: the most Ms its runs kept active
    # at once (Spec.prelude_within_threads), else None.
    prelude_threads: int | None = None
    prelude_limit: int = 0
    model: str = ""
    seconds: dict = field(default_factory=dict)
    spec: object = None
    # Rule "locked thread" with several equally good readings: per reading
    # tried, (its locked goroutines' ids, verdict, first unexplained index).
    readings: list = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 accepted, 1 rejected, 2 not checked (unsupported), 3 a search limit."""
        return {"accepted": 0, "rejected": 1, "limit": 3}.get(self.verdict, 2)

    def text(self, detail: bool = False) -> str:
        return format_text(self, detail)

    def json(self) -> str:
        return dumps(self)


def model_for(inst: mapping.Instance, mutant: str | None = None, protocol: str = "classic") -> GoScheduler:
    """The model instance (machine) that runs the trace's programs, with
    the syscall protocol the trace follows (Source.protocol)."""
    if len(inst.programs) > MAX_GOROUTINES:
        raise Unsupported(f"the trace has {len(inst.programs)} goroutines the model must run; it allows "
                          f"{MAX_GOROUTINES} (model/config.py MAX_GOROUTINES)")
    if inst.gomaxprocs > MAX_PROCS:
        raise Unsupported(f"the trace has GOMAXPROCS={inst.gomaxprocs}; the model allows {MAX_PROCS}")
    config = Config(procs=inst.gomaxprocs, threads=MAX_THREADS, runq=MAX_RUNQ, workload=inst.programs,
                    mutant=mutant, name="trace", protocol=protocol)
    try:
        machine = GoScheduler(config)
    except ConfigError as err:
        raise Unsupported(f"the programs read off the trace do not make a model: {err}") from None
    return machine


class Spec:
    """The Go trace's side of explorer.conform.validate."""

    def __init__(self, machine: GoScheduler, inst: mapping.Instance):
        self.observer = view.ModelObserver(machine)
        self.proc_name = machine.proc_name
        self.sysmon = machine.L.sysmon
        self.initial = inst.initial
        self.prelude = inst.prelude
        self.g_names = [inst.g_name(i) for i in range(len(inst.g_ids))]
        self.p_names = [inst.p_name(i) for i in range(len(inst.p_ids))]

    def observe(self, s):
        return self.observer(s)

    agrees = staticmethod(view.agrees)

    def actor_agrees(self, s, label, event) -> bool:
        """The model process taking the step holds what the trace's emitting
        M holds before the event (its P and G context): sysmon and Ms that
        hold nothing for a context of P=-1 G=-1, otherwise the M holding
        that P and G. So a retake cannot stand for an STW steal by a
        running goroutine, nor for a steal-back by an M in a syscall."""
        proc = label[1]
        if proc == self.sysmon:
            return event.context == (-1, -1)
        if proc > self.sysmon:  # the environment (the kernel, the network)
            return True
        return event.context in self.observer.holds(s, proc)
    changed = staticmethod(view.changed)
    apply = staticmethod(mapping.apply)

    def label_text(self, label, m_names=None) -> str:
        """A step with the trace's names: acquirep(M3, p1), execute(M3, g17)."""
        name, proc, *params = label
        info = ACTIONS.get(name)
        kinds = info.params if info else ("?",) * len(params)
        args = [m_names.get(proc, self.proc_name(proc)) if m_names else self.proc_name(proc)]
        for kind, v in zip(kinds, params):
            args.append(self.g_names[v] if kind == "G" else self.p_names[v] if kind == "P" else str(v))
        return f"{name}({', '.join(args)})"

    # --- the prelude: the unobserved run before the trace's first event
    def prelude_within(self, s) -> bool:
        """No goroutine has gone past its prelude ops."""
        return all(pc <= b for pc, b in zip(self.observer.pcs(s), self.prelude))

    def prelude_within_threads(self, k: int):
        """prelude_within, and at most k Ms active at once (not parked:
        observe.PARKED_PCS). Its runs are some of the prelude's runs, so
        every state it reaches is a state of the model the whole prelude
        reaches too: a start it finds is as good as one the whole prelude
        finds, but one it does not find may still exist."""
        def within(s) -> bool:
            return self.prelude_within(s) and self.observer.active_ms(s) <= k
        return within

    def prelude_done(self, s) -> bool:
        """Every goroutine has done exactly its prelude ops, and the state
        looks as the trace does when it starts."""
        return self.observer.pcs(s) == self.prelude and view.agrees(self.observer(s), self.initial)

    def start_variants(self, s) -> list:
        """s, and s with G0's M inside startTheWorld's wakep, each with the
        idle P list and each P's queued goroutines in every order: none of
        it is observable. With G0's M inside that wakep, also every choice
        of the queued goroutines moved to the global run queue: the wakep
        that ends startTheWorldWithSema is there for "excessive runnable
        goroutines in local queues or in the global queue" (proc.go:
        1825 in Go 1.25.5), so a state with global work and an idle P has an
        M about to look at it, as every reachable one does (the lemma
        global_work_is_picked_up); without the wakep the global queue stays
        empty. And for each of these, every choice of queued goroutines in
        the run queues of idle Ps that startTheWorld's procresize hands to
        Ms (observe.ModelObserver.handed_variants): such a P shows Idle
        until its M starts it."""
        woken = self.observer.in_wakep(s, 0)
        placed = [s] if woken is None else [s, *self.observer.global_queue_variants(woken)]
        out = []
        for variant in placed:
            for handed in self.observer.handed_variants(variant):
                for queued in self.observer.runq_orders(handed):
                    out.extend(self.observer.idle_orders(queued))
        return out

    def run_texts(self, run) -> list[str]:
        """The steps of an explaining run, with Ms numbered in order of
        first appearance (model M numbers are arbitrary)."""
        names: dict = {}
        out = []
        for step in run:
            proc = step.label[1]
            if self.proc_name(proc).startswith("M") and proc not in names:
                names[proc] = f"M{len(names)}"
            out.append(self.label_text(step.label, names))
        return out

    def describe(self, obs) -> str:
        return view.describe(obs, self.g_names, self.p_names)

    def describe_change(self, a, b) -> str:
        return view.describe_change(a, b, self.g_names, self.p_names)


# --- output ------------------------------------------------------------------------------


def _counts(inst: mapping.Instance) -> dict:
    mapped = sum(n for rule, n in inst.rules.items() if RULES[rule][0] == "mapped" and rule != "prelude")
    return {"events": inst.total, "checked": inst.classes["checked"], "mapped": mapped,
            "status": inst.classes["status"], "not_covered": inst.classes["not covered"],
            "other": inst.classes["other"]}


def format_text(report: Report, detail: bool = False) -> str:
    src, inst, v = report.source, report.instance, report.validation
    out = []
    what = {"program": f"program {src.path}, run at GOMAXPROCS={src.procs} ({src.run_seconds * 1000:.0f} ms)",
            "trace": f"trace {src.path}", "dump": f"dump {src.path}"}[src.kind]
    out.append(f"gosched-mc conform: {what}; Go {src.toolchain} (trace format go {src.go}, {src.protocol} protocol)")
    if inst is not None:
        c = _counts(inst)
        out.append(f"  events     {c['events']}: {c['checked']} state transitions checked ({c['mapped']} through a "
                   f"stand-in rule), {c['status']} status assertions verified, {c['not_covered']} not covered, "
                   f"{c['other']} other (sync, metrics, ranges)")
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(inst.kinds.items(), key=lambda kv: -kv[1]))
        out.append(f"  kinds      {kinds}")
        if inst.rules:
            rules = "; ".join(f"{r} ({RULES[r][0]}): {n}" for r, n in inst.rules.items() if n)
            out.append(f"  rules      {rules}")
        if report.model:
            out.append(f"  model      {report.model}")
        if len(inst.readings) > 1:
            out.append(f"  readings   {readings_text(report)}")
        if detail or report.verdict == "rejected":
            out.append("  programs   (read off the trace; before | : the prelude, run before the trace starts)")
            for i in range(len(inst.programs)):
                out.append(f"    {inst.g_name(i):>6}: {program_text(inst, i)}")
    if report.verdict == "not checked":
        out.append(f"Not checked: {report.reason}.")
        return "\n".join(out)
    secs = report.seconds
    timing = f"run {secs.get('run', 0):.2f} s, parse {secs.get('parse', 0):.2f} s, prelude {secs.get('prelude', 0):.2f} s, search {secs.get('search', 0):.2f} s"
    if v is None:
        out.append(f"Verdict: {report.verdict}: {report.reason}.")
        return "\n".join(out)
    prelude = f"prelude: {report.prelude_states} states"
    if report.prelude_threads is not None:
        prelude += (f" of its runs with at most {report.prelude_threads} threads active at once, the whole prelude "
                    f"having more than {report.prelude_limit}")
    out.append(f"  search     {v.initial_states} initial states ({prelude}), "
               f"{v.nodes} (state, position) nodes, {v.cut} steps cut at the thread limit; {timing}")
    out.append(f"  bounds     {bounds_text(inst, v)}")
    if v.accepted:
        explaining = ", ".join(f"{a} {n}" for a, n in v.explaining().most_common())
        hidden = {a: n for a, n in v.coverage().items() if a not in v.explaining()}
        out.append(f"  explained  by {sum(1 for s in v.run if s.events)} model steps ({v.fused()} of them fused "
                   f"several events, {v.reordered()} events reordered past independent ones): {explaining}")
        out.append("  hidden     " + (", ".join(f"{a} {n}" for a, n in sorted(hidden.items(), key=lambda kv: -kv[1]))
                                       or "none"))
        if detail:
            out.append("  run:       (Ms numbered as they first act; <- the events a step explains)")
            texts = report.spec.run_texts(v.run)
            for k, step in enumerate(v.run, 1):
                ev_text = "; ".join(f"#{i + 1} {_short(inst.checked[i].event)}" for i in step.events)
                out.append(f"   {k:4}  {texts[k - 1]}" + (f"    <- {ev_text}" if ev_text else ""))
        out.append(f"Verdict: accepted: a run of the model explains all {v.events} checked events.")
    elif report.verdict == "limit":
        out.append(f"Verdict: search limit: {report.reason}; {v.explained} of {v.events} events explained so far.")
    else:
        k = v.explained
        e = inst.checked[k].event
        spec_names = ([inst.g_name(i) for i in range(len(inst.g_ids))], [inst.p_name(i) for i in range(len(inst.p_ids))])
        before = view.describe(_prefix_obs(inst, k), *spec_names)
        out.append(f"Verdict: rejected: no run of the model explains checked event {k + 1} of {v.events} "
                   f"(dump line {e.line}) within the bounds above:")
        out.append(f"    {e.text}")
        out.append(f"  the trace's state before it: {before}")
        if v.allowed is not None:
            out.append(f"  what the model can do there ({v.allowed.states} model states):")
            for action, change, n in v.allowed.moves[:12]:
                out.append(f"    {action}: {change}")
            if not v.allowed.moves:
                out.append("    no observable step")
            if v.allowed.hidden:
                out.append("    hidden steps: " + ", ".join(f"{a}" for a, _ in v.allowed.hidden[:12]))
    return "\n".join(out)


def readings_text(report: Report) -> str:
    """The readings of rule "locked thread" tried, and what each gave."""
    inst = report.instance
    tried = []
    for locked, verdict, first in report.readings:
        what = f"rejected at event {first + 1}" if verdict == "rejected" and first is not None else verdict
        tried.append(f"{', '.join(f'g{g}' for g in locked) or 'none'} locked: {what}")
    untried = len(inst.readings) - len(report.readings)
    return (f"{len(inst.readings)} sets of locked goroutines explain the hand-offs equally"
            + (f" (the first {mapping.MAX_READINGS}; there are more)" if inst.readings_cut else "")
            + "; tried in order until one is accepted or time runs out: " + "; ".join(tried)
            + (f"; {untried} not tried" if untried else "")
            + f". Shown below: {', '.join(f'g{g}' for g in inst.readings[inst.reading]) or 'none'} locked")


def held_events(inst: mapping.Instance) -> tuple[int, int]:
    """Checked events the trace reader held back behind an event they
    waited for (events.Event.behind), and those events
    (events.Event.releases)."""
    return (sum(1 for c in inst.checked if c.event.behind >= 0),
            sum(1 for c in inst.checked if c.event.releases))


def bounds_text(inst: mapping.Instance, v) -> str:
    """What the validation allowed itself: the reordering window and the
    fusing of events into one step (explorer/conform.py)."""
    held, behind = held_events(inst)
    held_text = (f"; past the window, the {held} event{'s' if held != 1 else ''} the trace reader held back "
                 f"(their timestamps raised to "
                 f"1 ns past the event before) and the {behind} they waited for may be explained ahead of any "
                 f"event before those on other resources and Ms (among themselves, within the window)"
                 if held or behind else "")
    return (f"an event explained at most {v.window} events ahead of an earlier one still unexplained, "
            f"if they touch different resources on different Ms{held_text}; "
            f"one model step explains at most {v.max_fused} events of one M")


def _short(e: ev.Event) -> str:
    res = f"g{e.id}" if e.resource == "G" else f"p{e.id}"
    reason = f" ({e.reason})" if e.reason else ""
    return f"M={e.m} {res} {e.old}->{e.new}{reason}"


def program_text(inst: mapping.Instance, g: int) -> str:
    """G g's program with the trace's goroutine names, the prelude before `|`."""
    ops = [f"{OP_NAMES[op.code]}(g{inst.g_ids[op.arg]})" if op.code in (OP_SPAWN, OP_READY) else str(op)
           for op in inst.programs[g]]
    pre = inst.prelude[g]
    return (", ".join(ops[:pre]) + " | " if pre else "") + ", ".join(ops[pre:])


def _prefix_obs(inst: mapping.Instance, k: int):
    obs = inst.initial
    for c in inst.checked[:k]:
        obs = mapping.apply(obs, c)
    return obs


def to_json(report: Report) -> dict:
    src, inst, v = report.source, report.instance, report.validation
    out = {"source": vars(src), "verdict": report.verdict, "reason": report.reason, "seconds": report.seconds,
           "model": report.model}
    if inst is not None:
        out["events"] = _counts(inst)
        out["kinds"] = dict(inst.kinds)
        out["rules"] = {r: {"class": RULES[r][0], "events": n, "rule": RULES[r][1]} for r, n in inst.rules.items()}
        out["goroutines"] = [{"model": g_name(i), "goid": g, "prelude": inst.prelude[i],
                              "program": program_text(inst, i)} for i, g in enumerate(inst.g_ids)]
        out["locked_readings"] = [{"locked": list(locked), "verdict": verdict, "first_unexplained": first}
                                  for locked, verdict, first in report.readings]
        out["locked_readings_cut"] = inst.readings_cut
    if v is not None:
        out["search"] = {"nodes": v.nodes, "initial_states": v.initial_states, "prelude_states": report.prelude_states,
                         "prelude_threads": report.prelude_threads, "cut": v.cut, "explained": v.explained,
                         "checked": v.events, "window": v.window, "max_fused": v.max_fused,
                         "held_events": held_events(inst)[0], "waited_for_events": held_events(inst)[1]}
        if v.accepted:
            out["explaining_actions"] = dict(v.explaining())
            out["run_actions"] = dict(v.coverage())
            out["fused_steps"], out["reordered_events"] = v.fused(), v.reordered()
        elif v.allowed is not None:
            e = inst.checked[v.explained].event
            c = inst.checked[v.explained]
            out["first_unexplained"] = {"index": v.explained, "line": e.line, "event": e.text, "kind": c.kind,
                                        "context": c.context}
            out["allowed"] = [{"action": a, "change": c, "states": n} for a, c, n in v.allowed.moves]
    return out


def dumps(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, default=str)
