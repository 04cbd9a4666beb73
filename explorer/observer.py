"""Witnesses: shortest runs in which a scenario happens.

A scenario is an observer automaton that watches each step (its label and
the state it leads to). The search runs over pairs (model state, observer
state), so breadth-first order gives the shortest run the observer accepts.
An observer may branch (return several next observer states), which lets a
scenario bind "the G that entered the syscall" to any G, not only the first.

Witness searches do not use symmetry reduction: an observer may bind a
thread by its number.
"""

from dataclasses import dataclass
from typing import Callable

from .search import Limits, explore
from .spec import Invariant
from .trace import Step, Trace, concretize


@dataclass(frozen=True)
class Scenario:
    """A reachability ("sometimes") property over runs.

    start(machine, state) -> initial observer state (hashable)
    step(machine, obs, label, state) -> iterable of next observer states
    accepted(obs) -> bool
    """

    name: str
    doc: str
    preset: str
    start: Callable
    step: Callable
    accepted: Callable
    settings: tuple = ()  # (field, value) pairs the model applies to the preset (e.g. which protocol)


class ProductMachine:
    """The model run in lockstep with an observer."""

    def __init__(self, machine, scenario: Scenario):
        self.m = machine
        self.sc = scenario

    def init_states(self):
        return [(s, self.sc.start(self.m, s)) for s in self.m.init_states()]

    def successors(self, ps):
        s, obs = ps
        out = []
        for label, t in self.m.successors(s):
            if t is None:
                out.append((label, None))
                continue
            for nobs in self.sc.step(self.m, obs, label, t):
                out.append((label, (t, nobs)))
        return out

    def canonical(self, ps):
        return ps

    def terminal(self, ps):
        return "ok", "final"

    def label_text(self, label):
        return self.m.label_text(label)

    def fields(self, ps):
        return self.m.fields(ps[0])

    def view(self, ps, detail=False):
        return self.m.view(ps[0], detail)


def find_witness(machine, scenario: Scenario, limits: Limits | None = None):
    """(Trace or None, Result): the shortest run the scenario accepts."""
    product = ProductMachine(machine, scenario)
    goal = Invariant(scenario.name, lambda ps: "scenario complete" if scenario.accepted(ps[1]) else None)
    result = explore(product, [goal], check_deadlock=False, symmetry=False, limits=limits)
    if not result.violations:
        return None, result
    steps = concretize(product, result.violations[0].path, symmetry=False)
    trace = Trace(steps=[Step(st.label, st.state[0]) for st in steps], property=scenario.name,
                  message=scenario.doc, kind="witness")
    return trace, result
