"""Bounded model checking: is a state violating a safety property reachable
in at most K steps?

Frame 0 is an initial state; frame k+1 is a step from frame k; frames
before the last satisfy every property (the search stops at a violating
state too, so the shortest violation has the same length in both). Depths
are tried in order, so the first one found is the shortest, as the
breadth-first search's is. A counterexample is a list of concrete states;
`explicit_steps` turns it into labelled steps of the explicit machine,
which also checks that each step is one the explicit engine takes.
"""

import time
from dataclasses import dataclass, field

import z3

from ..trace import Step
from .encode import solver as new_solver


class Disagreement(RuntimeError):
    """A step z3 found is not a step of the explicit machine: the symbolic
    relation disagrees with the model (a bug in gosched-mc)."""


@dataclass
class BmcResult:
    depth: int  # the depth reached (all depths up to it checked)
    violated: list = field(default_factory=list)  # property names violated at `length`
    length: int | None = None  # steps of the shortest violation
    states: list = field(default_factory=list)  # the counterexample's states
    raises_at: int | None = None  # the model's code raises at this depth (a model bug)
    seconds: float = 0.0
    per_depth: list = field(default_factory=list)  # seconds per depth


def bmc(problem, depth: int, properties=None, log=None, stop=None) -> BmcResult:
    started = time.perf_counter()
    enc = problem.encoding()
    init = problem.view.init_states()
    solver = new_solver()
    solver.add(z3.Or([enc.equals(s, 0) for s in init]))
    res = BmcResult(depth=-1)
    for k in range(depth + 1):
        t0 = time.perf_counter()
        if k:
            solver.add(enc.step(k - 1))
        bad = enc.violated(k, properties)
        solver.push()
        solver.add(z3.Or(list(bad.values()) + [enc.raises(k)]))
        verdict = solver.check()
        if verdict == z3.sat:
            model = solver.model()
            res.states = [enc.state(model, i) for i in range(k + 1)]
            res.length = k
            if z3.is_true(model.eval(enc.raises(k), model_completion=True)):
                res.raises_at = k
            solver.pop()
            for name, cond in bad.items():  # every property violated at this depth, the model's first
                if z3.is_true(model.eval(cond, model_completion=True)) or \
                        solver.check(cond) == z3.sat:
                    res.violated.append(name)
            res.violated.sort(key=lambda n: not z3.is_true(model.eval(bad[n], model_completion=True)))
            res.depth = k
            break
        if verdict != z3.unsat:
            raise RuntimeError(f"z3 answered {verdict} at depth {k}: {solver.reason_unknown()}")
        solver.pop()
        solver.add(z3.Not(z3.Or(list(bad.values()))))
        res.depth = k
        res.per_depth.append(time.perf_counter() - t0)
        if log:
            log(f"bmc: depth {k}: no violation ({time.perf_counter() - started:.1f} s)")
        if stop is not None and stop():
            break
    res.seconds = time.perf_counter() - started
    return res


def explicit_steps(machine, states) -> list:
    """The labelled run of the explicit machine through `states`."""
    if states[0] not in machine.init_states():
        raise Disagreement("the counterexample does not start in an initial state")
    steps = [Step(None, states[0])]
    for i, (a, b) in enumerate(zip(states, states[1:]), start=1):
        label = next((lab for lab, t in machine.successors(a) if t == b), None)
        if label is None:
            raise Disagreement(f"step {i} of the counterexample z3 found is not a step of the explicit model")
        steps.append(Step(label, b))
    return steps
