"""The Python API: build a model from a configuration, explore it, check the built-in properties and
your own, and get shortest runs as traces.

    from explorer import api

    model = api.model(preset="syscalls", mutant="exitsyscall_no_cas")    # or procs=, workload=, threads=, ...
    result = api.check(model)                                            # every built-in property
    result.verdict                      # "holds", "holds_within_bound", "violated" or "incomplete"
    print(result.violations[0].text())  # the shortest counterexample, as `check` prints it

    # your own invariant: a function of the fields, as a trace shows them (None when it holds)
    def p0_never_idle_with_work(f):
        if f["P0.status"] == "_Pidle" and f["P0.runq"] != "[]":
            return "P0 is idle with work in its run queue"
    result = api.check(model, invariants={"p0_never_idle_with_work": p0_never_idle_with_work}, builtin=False)

    # your own liveness property: always (p implies eventually q)
    result = api.check(model, liveness={"g2_runs": (lambda f: f["G2.status"] == "_Grunnable",
                                                    lambda f: f["G2.status"] == "_Grunning")})

    # the shortest run to a state you describe (None if no reachable state is one)
    trace = api.find(model, lambda f: f["P0.status"] == "_Psyscall" and f["P1.status"] == "_Prunning")
    print(trace.text()); trace.steps[-1].fields; trace.to_json()

Fields are named as in traces and `--trace-out` files: goroutines by goid (main is G1), `P0.status`,
`M1.nextp`, `sched.runq`, ... (README, "Reading the output"). The model is found through the same plugin
as the command, so this module, like the rest of explorer/, does not import the model.
"""

import builtins
from dataclasses import dataclass, field

from . import userprops
from .limits import Limits
from .plugins import liveness_of, load_plugin
from .search import explore
from .spec import DEADLOCK, MODEL_ERROR, Invariant
from .trace import Spurious, Trace, render_text, shown_run, to_json
from .verdict import judge
from .verify import lasso_trace, verify

__all__ = ["Model", "model", "check", "find", "CheckResult", "Run"]


@dataclass
class Model:
    """One configuration of the model: the plugin's configuration, machine and built-in properties."""

    plugin: object
    config: object
    machine: object
    invariants: list
    liveness: list

    def fields(self, state) -> dict:
        return self.machine.fields(state)


def model(preset: str | None = None, **overrides) -> Model:
    """A model of a named preset (default: the plugin's default), with any configuration field
    overridden: procs, threads, runq, workload, protocol, mutant, cutoff. Raises the plugin's
    configuration error (a ValueError with one sentence) for a configuration that cannot run."""
    plugin = load_plugin()
    config = plugin.make_config(preset or "default", {k: v for k, v in overrides.items() if v is not None})
    machine, invariants = plugin.build(config)
    return Model(plugin, config, machine, invariants, liveness_of(plugin, machine))


@dataclass
class Run:
    """A run of the model (a counterexample, a lasso, or a run found by `find`)."""

    trace: Trace

    @property
    def steps(self) -> list:
        """Each step's action text (None for the initial state) and its fields."""
        m = self.trace.machine
        return [_Step(m.label_text(st.label) if st.label is not None else None, m.fields(st.state))
                for st in self.trace.steps]

    @builtins.property
    def property(self) -> str:
        return self.trace.property

    @builtins.property
    def message(self) -> str:
        return self.trace.message

    def text(self, detail: bool = False, markdown: bool = False) -> str:
        return render_text(self.trace.machine, self.trace, detail=detail, markdown=markdown)

    def to_json(self) -> dict:
        """The `--trace-out` format (explorer/schema/check-result.schema.json, $defs/trace)."""
        return to_json(self.trace.machine, self.trace)


@dataclass
class _Step:
    action: str | None
    fields: dict


@dataclass
class CheckResult:
    verdict: str  # holds, holds_within_bound, violated, incomplete
    verdict_text: str
    exit_code: int  # what `gosched-mc check` would exit with
    states: int
    transitions: int
    complete: bool
    violations: list = field(default_factory=list)  # of Run: safety counterexamples, then lassos
    liveness: dict = field(default_factory=dict)  # name -> True (holds), False (violated), None (not applicable)


def check(m: Model, invariants: dict | None = None, liveness: dict | None = None, *, builtin: bool = True,
          check_liveness: bool = True, all_violations: bool = False, max_states: int | None = None,
          max_seconds: float | None = None, workers: int = 1) -> CheckResult:
    """Explore every reachable state and check the properties: the built-in ones (unless builtin=False)
    and your own (`invariants`: name -> check(fields) returning None or a sentence; `liveness`: name ->
    (p, q), always p implies eventually q, under every fairness assumption)."""
    invariants, liveness = invariants or {}, liveness or {}
    known = {i.name for i in m.invariants} | {p.name for p in m.liveness} | {DEADLOCK, MODEL_ERROR}
    userprops.check(invariants, liveness, known)
    invs = (list(m.invariants) if builtin else []) + userprops.invariants_for(m.machine, invariants)
    lives = (list(m.liveness) if builtin else []) + userprops.liveness_for(m.machine, liveness)
    v = verify(m.machine, invs, lives, check_liveness=check_liveness, limits=Limits(max_states, max_seconds),
               workers=workers, stop_at_first=not all_violations, check_deadlock=builtin)
    runs, spurious = [], ""
    c = m.config.to_dict()
    try:
        for viol in v.result.violations:
            shown, steps = shown_run(m.machine, viol.path)
            message = viol.message
            mine = [i for i in (m.plugin.invariants_of(shown) if builtin and hasattr(m.plugin, "invariants_of")
                                else []) + userprops.invariants_for(shown, invariants) if i.name == viol.property]
            if mine:
                message = mine[0].check(steps[-1].state) or message
            elif viol.property == DEADLOCK:
                message = shown.terminal(steps[-1].state)[1]
            runs.append(Run(Trace(steps=steps, property=viol.property, kind="safety", message=message,
                                  config=c, model=m.plugin.name, machine=shown)))
        for live in v.liveness:
            if not live.holds:
                t = lasso_trace(m.machine, v, live, True, c, m.plugin.name)
                runs.append(Run(t))
    except Spurious as err:
        spurious = str(err)
    verdict = judge(m.machine, v, spurious)
    return CheckResult(verdict.status, verdict.text, verdict.exit_code, v.result.states, v.result.transitions,
                       verdict.status == "holds", runs,
                       {live.name: (live.holds if live.applies else None) for live in v.liveness})


def find(m: Model, predicate, *, max_states: int | None = None, max_seconds: float | None = None) -> Run | None:
    """The shortest run from the initial state to a state where predicate(fields) is true, or None if
    no reachable state is one (within the limits)."""
    def check_state(s, f=m.machine.fields):
        return "found" if predicate(f(s)) else None
    result = explore(m.machine, [Invariant("find", check_state)], check_deadlock=False,
                     limits=Limits(max_states, max_seconds), stop_at_first=True)
    if not result.violations:
        return None
    shown, steps = shown_run(m.machine, result.violations[0].path)
    return Run(Trace(steps=steps, property="", kind="witness", config=m.config.to_dict(), model=m.plugin.name,
                     machine=shown))
