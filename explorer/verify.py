"""One verification run: explore with the safety properties, then, if the
graph was kept and safety holds, check the liveness properties on it.

One Limits object bounds both phases: the time and memory limits, and
Ctrl-C or SIGTERM, stop the liveness analysis too, with what it has so far.
"""

import time
from dataclasses import dataclass, field

from .limits import Interrupted, LimitReached, Limits, interrupted_once, stop_reason
from .liveness import Analysis, LivenessResult, predicates_of
from .search import Result, explore
from .trace import Spurious, Step, Trace, concretize


@dataclass
class Verification:
    result: Result
    liveness: list = field(default_factory=list)  # LivenessResult, for the properties checked
    liveness_skipped: str = ""  # why liveness was not checked (or not finished), if it was not
    liveness_requested: int = 0  # how many liveness properties were asked for
    sccs: int = 0
    nontrivial_sccs: int = 0
    liveness_seconds: float = 0.0
    properties: list = field(default_factory=list)  # the liveness properties asked for
    predicates: list = field(default_factory=list)  # their predicates, in the order of the state bits

    @property
    def liveness_complete(self) -> bool:
        return not self.liveness_skipped and len(self.liveness) == self.liveness_requested


def verify(machine, invariants, liveness_props, *, check_liveness: bool = True, no_fairness=(),
           limits: Limits | None = None, workers: int = 1, progress=None, stop_at_first: bool = True,
           symmetry: bool = True, check_deadlock: bool = True, liveness_max_states: int = 50_000_000,
           exact: bool = False) -> Verification:
    limits = limits or Limits()
    want_live = check_liveness and bool(liveness_props)
    predicates = predicates_of(liveness_props) if want_live else ()
    result = explore(machine, invariants, check_deadlock=check_deadlock, symmetry=symmetry, limits=limits,
                     stop_at_first=stop_at_first, progress=progress, workers=workers, keep_edges=want_live,
                     predicates=predicates, exact=exact)
    space = result.space
    v = Verification(result, liveness_requested=len(liveness_props) if want_live else 0,
                     properties=list(liveness_props), predicates=list(predicates))
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
    bar = progress.phase("liveness") if progress is not None else None
    try:
        analysis = Analysis(space, machine, predicates, no_fairness, check_limits=limits.check)
        v.sccs, v.nontrivial_sccs = analysis.scc_count, len(analysis.components)
        for i, prop in enumerate(liveness_props):
            if bar is not None:
                bar.tick(i, prop.name)
            v.liveness.append(analysis.check(prop))
            limits.check()
    except LimitReached as err:
        v.liveness_skipped = f"the liveness check stopped early: {err}"
    except (KeyboardInterrupt, Interrupted) as err:
        v.liveness_skipped = f"the liveness check stopped early: {stop_reason(err)}"
        interrupted_once()
    finally:
        if bar is not None:
            bar.close()
    v.liveness_seconds = time.perf_counter() - started
    if result.memory is not None:  # the liveness phase counts too
        result.peak_memory_mb = max(result.peak_memory_mb, result.memory.peak_mb())
    return v


def lasso_trace(machine, v: Verification, live: LivenessResult, symmetry: bool, config: dict, model: str) -> Trace:
    """A real run for a liveness violation: the prefix, then the cycle,
    repeated until the threads come back to their own numbers (under symmetry
    the cycle may return to a renaming of its first state)."""
    space = v.result.space
    lasso = live.lasso
    canon = machine.canonical if symmetry else (lambda s: s)
    prefix = space.rebuild(machine, canon, lasso.prefix)
    steps = concretize(machine, prefix, symmetry)
    twin = getattr(machine, "concrete", lambda: None)()
    runner, image = (twin[0], twin[1]) if twin is not None else (machine, canon)
    loop_start = len(steps) - 1
    if lasso.cycle_edges:
        # Follow the cycle's own edges: the next state and the same fairness key
        # (keys do not depend on thread numbers, so they survive the renaming).
        cycle_states, cur = [], prefix[-1]
        for node, e in lasso.cycle_edges:
            cur = canon(machine.successors(cur)[e - space.out_start[node]][1])
            cycle_states.append(cur)
        keys = [space.key[e] for _, e in lasso.cycle_edges]
        wanted = [(target, _key_object(space, kid)) for target, kid in zip(cycle_states, keys)]
        seen = {steps[-1].state: len(steps) - 1}  # twin state at the start of each turn -> step
        for _ in range(64):
            for target, key in wanted:
                cur = steps[-1].state
                found = next(((lab, t) for lab, t in runner.successors(cur) if t is not None
                              and image(t) == target and runner.fairness_key(cur, lab) == key), None)
                if found is None:
                    raise Spurious("the lasso's cycle cannot be followed by the concrete model")
                steps.append(Step(*found))
            if steps[-1].state in seen:
                loop_start = seen[steps[-1].state]
                break
            seen[steps[-1].state] = len(steps) - 1
        else:
            raise Spurious("the lasso's cycle does not close in the concrete model after 64 turns")
    unfair = live.unfair
    note = (f"liveness violated by {lasso.instance}: " + live.message.split(": ", 1)[-1]
            + ("" if lasso.cycle_edges else "; no fair step is enabled at the last state (it stutters forever)")
            + (f"; not assumed fair: {', '.join(unfair)}" if unfair else ""))
    return Trace(steps=steps, property=live.name, message=note, kind="liveness", loop_start=loop_start,
                 config=config, model=model, unfair=list(unfair), machine=runner)


def _key_object(space, kid: int):
    for k, i in space.key_ids.items():
        if i == kid:
            return k
    raise KeyError(kid)
