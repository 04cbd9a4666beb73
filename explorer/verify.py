"""One verification run: explore with the safety properties, then, if the
graph was kept and safety holds, check the liveness properties on it."""

import time
from dataclasses import dataclass, field

from .liveness import Analysis, LivenessResult
from .search import Limits, Result, explore
from .trace import Step, Trace, concretize


@dataclass
class Verification:
    result: Result
    liveness: list = field(default_factory=list)  # LivenessResult
    liveness_skipped: str = ""  # why liveness was not checked, if it was not
    sccs: int = 0
    nontrivial_sccs: int = 0
    liveness_seconds: float = 0.0


def verify(machine, invariants, liveness_props, *, check_liveness: bool = True, no_fairness=(),
           limits: Limits = Limits(), workers: int = 1, progress=None, stop_at_first: bool = True,
           symmetry: bool = True, check_deadlock: bool = True, liveness_max_states: int = 20_000_000) -> Verification:
    want_live = check_liveness and bool(liveness_props)
    result = explore(machine, invariants, check_deadlock=check_deadlock, symmetry=symmetry, limits=limits,
                     stop_at_first=stop_at_first, progress=progress, workers=workers, keep_edges=want_live)
    space = result.space
    v = Verification(result)
    if not want_live:
        v.liveness_skipped = "not requested" if check_liveness else "turned off (--no-liveness)"
        return v
    if not result.complete:
        v.liveness_skipped = f"the search is incomplete ({result.stop_reason})"
        return v
    if result.violations:
        v.liveness_skipped = "a safety property is violated"
        return v
    if space.n_nodes > liveness_max_states:
        v.liveness_skipped = f"the graph has {space.n_nodes:,} states, more than the liveness limit"
        return v
    started = time.perf_counter()
    analysis = Analysis(space, machine, no_fairness)
    v.sccs, v.nontrivial_sccs = analysis.scc_count, len(analysis.components)
    v.liveness = [analysis.check(prop) for prop in liveness_props]
    v.liveness_seconds = time.perf_counter() - started
    return v


def lasso_trace(machine, v: Verification, live: LivenessResult, symmetry: bool, config: dict, model: str) -> Trace:
    """A real run for a liveness violation: the prefix, then the cycle,
    repeated until the threads come back to their own numbers (under symmetry
    the cycle may return to a renaming of its first state)."""
    space = v.result.space
    lasso = live.lasso
    prefix = [space.states[n] for n in lasso.prefix]
    steps = concretize(machine, prefix, symmetry)
    loop_start = len(steps) - 1
    if lasso.cycle_edges:
        # Follow the cycle's own edges: the next state and the same fairness key
        # (keys do not depend on thread numbers, so they survive the renaming).
        canon = machine.canonical if symmetry else (lambda s: s)
        wanted = [(space.states[space.dst[e]], machine.fairness_key(space.states[v], space.labels[space.lab[e]]))
                  for v, e in lasso.cycle_edges]
        start = steps[-1].state
        for _ in range(64):
            for target, key in wanted:
                cur = steps[-1].state
                label, nxt = next((lab, t) for lab, t in machine.successors(cur)
                                  if t is not None and canon(t) == target and machine.fairness_key(cur, lab) == key)
                steps.append(Step(label, nxt))
            if steps[-1].state == start:
                break
        else:
            raise AssertionError("the cycle does not close after 64 turns")
    unfair = live.unfair
    note = (f"liveness violated by {lasso.instance}: " + live.message.split(": ", 1)[-1]
            + ("" if lasso.cycle_edges else "; no fair step is enabled at the last state (it stutters forever)")
            + (f"; not assumed fair: {', '.join(unfair)}" if unfair else ""))
    return Trace(steps=steps, property=live.name, message=note, kind="liveness", loop_start=loop_start,
                 config=config, model=model, unfair=list(unfair))
