"""Exhaustive breadth-first search with invariant and deadlock checking.

Breadth-first order makes every counterexample a shortest one. Each new
state (after the model's symmetry reduction) remembers its parent, so a path
back to an initial state can be rebuilt. Results are deterministic: the
frontier and the visited table keep insertion order, whatever the hash seed.
"""

import builtins
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

from .progress import Progress
from .spec import DEADLOCK, Invariant, Machine, State

CHECK_EVERY = 2048  # states between checks of the time and memory limits


@dataclass(frozen=True)
class Limits:
    max_states: int | None = None
    max_seconds: float | None = None
    max_memory_mb: float | None = None


@dataclass
class Violation:
    property: str
    message: str
    state: State
    path: list  # states from an initial state to `state`, inclusive

    @builtins.property
    def length(self) -> int:
        return len(self.path) - 1


@dataclass
class Result:
    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    complete: bool = False
    stop_reason: str = ""
    coverage: Counter = field(default_factory=Counter)  # action -> transitions
    distinct: Counter = field(default_factory=Counter)  # action -> new states it found
    cuts: Counter = field(default_factory=Counter)  # action -> steps cut at a model bound
    terminals: Counter = field(default_factory=Counter)  # why -> count of ok terminal states
    violations: list = field(default_factory=list)
    parents: dict = field(default_factory=dict, repr=False)  # state -> parent state

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def path_to(parents: dict, state: State) -> list:
    path = [state]
    while (state := parents[state]) is not None:
        path.append(state)
    path.reverse()
    return path


def explore(machine: Machine, invariants: list[Invariant], *, check_deadlock: bool = True,
            symmetry: bool = True, limits: Limits = Limits(), stop_at_first: bool = True,
            progress: Progress | None = None, on_state=None) -> Result:
    """Explore every state reachable from machine.init_states().

    Stops at the first violation (or, with stop_at_first=False, once every
    property has failed), at a limit (complete=False), at Ctrl-C, or when the
    reachable set is exhausted (complete=True). `on_state(state, parent,
    label)` is called for every transition into a kept state, for callers
    that build the graph.
    """
    res = Result()
    started = time.perf_counter()
    canon = machine.canonical if symmetry else (lambda s: s)
    parents: dict = {}
    failed: set = set()
    watch = list(invariants)
    max_states = limits.max_states

    def violate(name: str, message: str, state: State) -> bool:
        """Record a violation; True if the search should stop."""
        failed.add(name)
        res.violations.append(Violation(name, message, state, path_to(parents, state)))
        return stop_at_first or len(failed) >= len(watch) + (1 if check_deadlock else 0)

    def check(state: State) -> bool:
        """Check every invariant not yet failed; True if the search should stop."""
        stop = False
        for inv in watch:
            if inv.name not in failed:
                message = inv.check(state)
                if message is not None:
                    stop = violate(inv.name, message, state) or stop
        return stop

    frontier = []
    stopped = False
    for s in machine.init_states():
        c = canon(s)
        if c in parents:
            continue
        parents[c] = None
        frontier.append(c)
        if on_state:
            on_state(c, None, None)
        stopped = check(c) or stopped
    bad = {v.state for v in res.violations}
    progress = progress or Progress(enabled=False)
    successors, coverage, distinct = machine.successors, res.coverage, res.distinct
    try:
        while frontier and not stopped:
            nxt = []
            for s in frontier:
                if s in bad:
                    continue  # a violating state is not expanded
                succ = successors(s)
                if not succ and check_deadlock:
                    kind, why = machine.terminal(s)
                    if kind == DEADLOCK:
                        bad.add(s)
                        if DEADLOCK not in failed and violate(DEADLOCK, why, s):
                            stopped = True
                            break
                    else:
                        res.terminals[why] += 1
                for label, t in succ:
                    res.transitions += 1
                    name = label[0]
                    coverage[name] += 1
                    if t is None:
                        res.cuts[name] += 1
                        continue
                    t = canon(t)
                    if t in parents:
                        if on_state:
                            on_state(t, s, label)
                        continue
                    parents[t] = s
                    distinct[name] += 1
                    nxt.append(t)
                    if on_state:
                        on_state(t, s, label)
                    n_before = len(res.violations)
                    if check(t):
                        stopped = True
                    if len(res.violations) != n_before:
                        bad.add(t)
                    if len(parents) % CHECK_EVERY == 0:
                        progress.update(len(parents), res.depth + 1, len(nxt))
                        reason = _limit_reached(limits, started, len(parents))
                        if reason:
                            res.stop_reason = reason
                            stopped = True
                    elif max_states is not None and len(parents) >= max_states:
                        res.stop_reason = f"state limit reached ({max_states} states)"
                        stopped = True
                    if stopped:
                        break
                if stopped:
                    break
            if nxt:
                res.depth += 1
            frontier = nxt
    except KeyboardInterrupt:
        res.stop_reason = "interrupted (Ctrl-C)"
    progress.close()
    res.states = len(parents)
    res.seconds = time.perf_counter() - started
    if stopped and not res.stop_reason:
        res.stop_reason = "stopped at the first violation" if stop_at_first else "every property failed"
    res.complete = not res.stop_reason
    res.parents = parents
    return res


def _limit_reached(limits: Limits, started: float, states: int) -> str:
    if limits.max_states is not None and states >= limits.max_states:
        return f"state limit reached ({limits.max_states} states)"
    if limits.max_seconds is not None and time.perf_counter() - started >= limits.max_seconds:
        return f"time limit reached ({limits.max_seconds:g} s)"
    if limits.max_memory_mb is not None and peak_rss_mb() >= limits.max_memory_mb:
        return f"memory limit reached ({limits.max_memory_mb:g} MB)"
    return ""
