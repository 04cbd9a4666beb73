"""Exhaustive breadth-first search with invariant and deadlock checking.

Breadth-first order makes every counterexample a shortest one. States are
numbered in discovery order; each remembers its parent's number, so a path
back to an initial state can be rebuilt. With a StateSpace the search also
keeps every edge, for the liveness check and graph export.

A state is checked when it is expanded: `expand` evaluates the invariants on
it and, if they hold, computes its successors. Expansion is a pure function
of the state, so it can run in worker processes (explorer/parallel.py); the
results are merged in frontier order, which makes the outcome (state counts,
the counterexample) the same for any number of workers and any hash seed.
"""

import builtins
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

from .progress import Progress
from .spec import DEADLOCK, Invariant, Machine, State
from .statespace import CUT, StateSpace

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
    space: StateSpace = field(default_factory=StateSpace, repr=False)  # the visited states (and edges, if kept)

    @builtins.property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Expander:
    """The per-state work: check invariants, then compute canonical successors.

    expand(s) -> (violations, terminal, successors) where violations is a
    list of (property, message), terminal is (kind, why) for a state with no
    steps, and successors a list of (label, canonical state or None).
    """

    def __init__(self, machine: Machine, invariants: list[Invariant], check_deadlock: bool, symmetry: bool):
        self.machine = machine
        self.checks = [(inv.name, inv.check) for inv in invariants]
        self.check_deadlock = check_deadlock
        self.canon = machine.canonical if symmetry else None

    def expand(self, s):
        bad = None
        for name, check in self.checks:
            message = check(s)
            if message is not None:
                bad = bad or []
                bad.append((name, message))
        if bad:
            return bad, None, ()
        succ = self.machine.successors(s)
        if not succ:
            return None, self.machine.terminal(s) if self.check_deadlock else None, ()
        canon = self.canon
        if canon is not None:
            succ = [(label, canon(t) if t is not None else None) for label, t in succ]
        return None, None, succ


def _sequential(expander, res):
    """run(frontier) yields (state, violations, terminal, successors) and
    counts every transition into res."""
    expand = expander.expand
    coverage, cuts = res.coverage, res.cuts

    def run(frontier):
        for s in frontier:
            bad, terminal, succ = expand(s)
            for label, t in succ:
                coverage[label[0]] += 1
                if t is None:
                    cuts[label[0]] += 1
            res.transitions += len(succ)
            yield s, bad, terminal, succ

    return run, (lambda: None)


def explore(machine: Machine, invariants: list[Invariant], *, check_deadlock: bool = True,
            symmetry: bool = True, limits: Limits = Limits(), stop_at_first: bool = True,
            progress: Progress | None = None, keep_edges: bool = False, workers: int = 1) -> Result:
    """Explore every state reachable from machine.init_states().

    Stops at the first violation (with stop_at_first=False: once every
    property has failed), at a limit (complete=False), at Ctrl-C, or when the
    reachable set is exhausted (complete=True). With keep_edges the result's
    StateSpace holds every transition, cut steps included.
    """
    res = Result()
    started = time.perf_counter()
    expander = Expander(machine, invariants, check_deadlock, symmetry)
    if workers > 1:
        from .parallel import pool_runner
        run, close = pool_runner(expander, workers, res, send_all=keep_edges)
    else:
        run, close = _sequential(expander, res)
    space = res.space
    index, states, parent = space.index, space.states, space.parent
    if keep_edges:
        space.keep_edges()
    out_start, dst, lab, label_ids, labels = space.out_start, space.dst, space.lab, space.label_ids, space.labels
    failed: set = set()
    n_props = len(invariants) + (1 if check_deadlock else 0)
    max_states = limits.max_states
    progress = progress or Progress(enabled=False)
    distinct = res.distinct

    frontier = []
    stopped = False
    for s in machine.init_states():
        c = machine.canonical(s) if symmetry else s
        if c not in index:
            if max_states is not None and len(states) >= max_states:
                res.stop_reason = f"state limit reached ({max_states} states)"
                stopped = True
                break
            index[c] = len(states)
            parent.append(len(states))
            states.append(c)
            space.init.append(index[c])
            frontier.append(c)
    try:
        while frontier and not stopped:
            nxt = []
            for s, bad, terminal, succ in run(frontier):
                if keep_edges:
                    src = index[s]
                    while len(out_start) <= src:  # unexpanded states before s have no edges
                        out_start.append(len(dst))
                if bad or (terminal and terminal[0] == DEADLOCK):
                    found = bad or [(DEADLOCK, terminal[1])]
                    for name, message in found:
                        if name not in failed:
                            failed.add(name)
                            res.violations.append(Violation(name, message, s, space.path_to(s)))
                    if stop_at_first or len(failed) >= n_props:
                        stopped = True
                        break
                    continue
                if terminal:
                    res.terminals[terminal[1]] += 1
                    continue
                for label, t in succ:
                    if keep_edges:
                        lid = label_ids.get(label)
                        if lid is None:
                            lid = label_ids[label] = len(labels)
                            labels.append(label)
                        lab.append(lid)
                    if t is None:
                        if keep_edges:
                            dst.append(CUT)
                        continue
                    n = index.get(t)
                    if n is None:
                        n = len(states)
                        if max_states is not None and n >= max_states:
                            res.stop_reason = f"state limit reached ({max_states} states)"
                            stopped = True
                            if keep_edges:
                                lab.pop()
                            break
                        index[t] = n
                        states.append(t)
                        parent.append(index[s])
                        distinct[label[0]] += 1
                        nxt.append(t)
                        if n % CHECK_EVERY == 0:
                            progress.update(n, res.depth + 1, len(nxt))
                            reason = _limit_reached(limits, started)
                            if reason:
                                res.stop_reason = reason
                                stopped = True
                    if keep_edges:
                        dst.append(n)
                    if stopped:
                        break
                if stopped:
                    break
            if nxt:
                res.depth += 1
            frontier = nxt
            if not stopped and (reason := _limit_reached(limits, started)):
                res.stop_reason, stopped = reason, True
    except KeyboardInterrupt:
        res.stop_reason = "interrupted (Ctrl-C)"
    finally:
        close()
        progress.close()
    if keep_edges:
        space.seal()
    res.states = len(states)
    res.seconds = time.perf_counter() - started
    if stopped and not res.stop_reason:
        res.stop_reason = "stopped at the first violation" if stop_at_first else "every property failed"
    res.complete = not res.stop_reason
    return res


def _limit_reached(limits: Limits, started: float) -> str:
    if limits.max_seconds is not None and time.perf_counter() - started >= limits.max_seconds:
        return f"time limit reached ({limits.max_seconds:g} s)"
    if limits.max_memory_mb is not None and peak_rss_mb() >= limits.max_memory_mb:
        return f"memory limit reached ({limits.max_memory_mb:g} MB)"
    return ""

