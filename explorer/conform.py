"""Trace validation: does some run of a machine explain an observed trace?

This is trace validation as the TLA+ community does it (Cirstea, Kuppe,
Loillier, Merz, "Validating traces of distributed programs against TLA+
specifications", 2024): a breadth-first search over pairs (model state, trace
position), with the trace as a constraint on the search. The machine is the
explorer's (init_states, successors, canonical); the trace is a sequence of
observed events; an observation function says what of a model state the
trace can see.

A model step either leaves the observation unchanged (a stuttering step: run
queues, spinning, thread creation, anything the trace does not record),
which keeps the trace position, or changes it, and then it must explain the
next observed events: its new observation must agree with the trace's after
those events. Two relaxations make real traces checkable, and both are
bounded:

- one model step may explain several consecutive events of one actor (the
  model's atomic step can be coarser than the trace's events: a step that
  takes an idle P and resumes a goroutine is three events in a Go trace),
  provided it changes each event's own resource and the events do not
  revisit an observation (a round trip such as a P started and stopped
  again cannot ride along unexplained);
- events of different actors that touch disjoint resources (their `keys`)
  commute, so a step may explain an event up to `window` positions ahead
  while earlier independent events wait: the trace is one linearisation of
  concurrent events, and the model need not pick the same one. Events the
  spec gives a `run` (not None) float: a Go trace reader held a run of
  events back until the run's first event was out, so their places say
  nothing of their order against other actors' events before that first
  one. Past the window only floating events may be explained early: ahead
  of any earlier event before their run that they share no key with, and
  within the window of the earliest unexplained event of their own run
  (among themselves they are in order, as any events are).

A node is (state, pos, ahead): the first `pos` events are explained, and so
are the events in `ahead` (indices >= pos: within the window, or floating).
The search is best-first: it expands a node at the furthest position
reached, breadth-first among those, so the first node that has explained
every event ends it and its parent chain is a run of the machine that
explains the trace. If none does, every reachable node has been expanded,
and the answer names the first event that no run explains, the trace's
observation before it, and what the model could do there.

The spec (the model's side, e.g. model/gotrace) supplies:

    initial                       the trace's observation before its first event
    observe(state)                the model's observation of a state (hashable)
    agrees(model_obs, trace_obs)  do they agree
    changed(model_a, model_b)     the keys a model step changed
    apply(trace_obs, event)       the trace's observation after one more event
    describe(trace_obs)           text for a report
    describe_change(model_a, model_b)  text for a report

and optionally actor_agrees(state, label, event): may the model process
taking this step (in state) be the actor that emitted the event (the first
of those the step explains)? Without it any step with the right
observable effect may explain an event, whoever takes it.

and each event has `resource_key` (the resource whose state it changes),
`keys` (a frozenset: every resource it touches, its own and its actor
among them), `actor` and `text`, and optionally `run` (default None: not floating).
"""

import time
from bisect import bisect_left
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import combinations, islice
from typing import Any, Callable, Sequence

from .limits import tree_rss_mb

WINDOW = 6  # how far ahead of the first unexplained event a step may reach
MAX_FUSED = 4  # the most events one model step may explain
MEMORY_EVERY = 1024  # nodes expanded between two looks at the resident size (--max-memory)


@dataclass
class Step:
    """One step of the explaining run: a model action and the events it
    explained (none for a stuttering step)."""

    label: tuple
    text: str
    events: tuple[int, ...]


@dataclass
class Allowed:
    """What the model can do where the trace could not be followed."""

    moves: list[tuple[str, str, int]]  # (action, observable change, how many states allow it)
    hidden: list[tuple[str, int]]  # stuttering actions possible there
    states: int  # model states (after the stuttering closure) at that point


@dataclass
class Validation:
    accepted: bool
    complete: bool  # False: a limit stopped the search
    events: int
    explained: int  # the longest prefix of events some run explains
    nodes: int  # (state, position) pairs visited
    cut: int  # steps the model cut at one of its bounds
    seconds: float
    initial_states: int
    run: list[Step] = field(default_factory=list)  # on acceptance
    allowed: Allowed | None = None  # on rejection
    stopped_by: str = ""
    window: int = WINDOW  # the bound on reordering the search was run with
    max_fused: int = MAX_FUSED  # the most events one step may explain
    per_position: list = field(default_factory=list)  # nodes at each trace position
    graph: dict | None = None  # every node and its parent, when validate(keep_graph=True)

    @property
    def first_unexplained(self) -> int | None:
        return None if self.accepted or not self.complete else self.explained

    def coverage(self) -> Counter:
        """Actions of the explaining run: how many steps of each, stuttering included."""
        return Counter(step.label[0] for step in self.run)

    def explaining(self) -> Counter:
        """Actions of the explaining run that explained events: events per action."""
        c: Counter = Counter()
        for step in self.run:
            if step.events:
                c[step.label[0]] += len(step.events)
        return c

    def fused(self) -> int:
        """Steps of the run that explained more than one event."""
        return sum(1 for step in self.run if len(step.events) > 1)

    def reordered(self) -> int:
        """Events explained before an earlier event (commuted past it)."""
        seen, late = -1, 0
        for step in self.run:
            for i in step.events:
                if i < seen:
                    late += 1
                seen = max(seen, i)
        return late


class _Trace:
    """The trace's observations after each prefix plus events explained ahead."""

    def __init__(self, spec, events):
        self.spec = spec
        self.events = events
        self.prefix = [spec.initial]
        for e in events:
            self.prefix.append(spec.apply(self.prefix[-1], e))
        self._cache: dict = {}

    def progresses(self, pos: int, ahead: tuple, chosen: tuple) -> bool:
        """Do the chosen events, applied in order, visit no observation twice?
        One step may stand for several events, but not hide a round trip
        (a P started and stopped again, a goroutine run and stopped)."""
        o = self.obs(pos, ahead)
        seen = [o]
        for i in chosen:
            o = self.spec.apply(o, self.events[i])
            seen.append(o)
        return _distinct(seen)

    def obs(self, pos: int, ahead: tuple) -> Any:
        if not ahead:
            return self.prefix[pos]
        key = (pos, ahead)
        hit = self._cache.get(key)
        if hit is None:
            hit = self.prefix[pos]
            for i in ahead:
                hit = self.spec.apply(hit, self.events[i])
            self._cache[key] = hit
        return hit


def _distinct(observations) -> bool:
    seen = set()
    for o in observations:
        if o in seen:
            return False
        seen.add(o)
    return True


def _normal(pos: int, ahead: frozenset) -> tuple[int, tuple]:
    while pos in ahead:
        ahead = ahead - {pos}
        pos += 1
    return pos, tuple(sorted(ahead))


def validate(machine, spec, events: Sequence, initial_states: Sequence, *, window: int = WINDOW,
             max_nodes: int | None = None, max_seconds: float | None = None, max_memory_mb: float | None = None,
             on_progress: Callable[[int, int], None] | None = None, keep_graph: bool = False,
             label_text: Callable[[tuple], str] | None = None) -> Validation:
    """Search for a run of machine, from one of initial_states, whose
    observations follow events (see the module docstring). label_text
    renders a step for the report (default: the machine's)."""
    label_text = label_text or machine.label_text
    start = time.perf_counter()
    trace = _Trace(spec, events)
    n = len(events)
    observe_cache: dict = {}

    def observe(s):
        o = observe_cache.get(s)
        if o is None:
            o = observe_cache[s] = spec.observe(s)
        return o

    parents: dict = {}
    buckets: dict[int, deque] = {}
    cut = 0

    def add(node, parent, label, explained):
        if node in parents:
            return
        parents[node] = (parent, label, explained)
        buckets.setdefault(node[1], deque()).append(node)

    starts = 0
    for s in dict.fromkeys(machine.canonical(s) for s in initial_states):
        if spec.agrees(observe(s), trace.prefix[0]):
            add((s, 0, ()), None, None, ())
            starts += 1

    keys = [e.keys for e in events]
    actors = [e.actor for e in events]
    actor_agrees = getattr(spec, "actor_agrees", None)
    owns = [frozenset({e.resource_key}) for e in events]
    touching: dict = {}  # key -> the events that touch it, in trace order
    for i, ks in enumerate(keys):
        for k in ks:
            touching.setdefault(k, []).append(i)
    floating_on: dict = {}  # resource -> the floating events that change it, in trace order
    run_start: dict = {}  # floating event -> the first event of its run
    first_of: dict = {}
    for i, e in enumerate(events):
        if e.resource_key not in e.keys:
            raise ValueError(f"event {i}'s resource is not among its keys")
        run = getattr(e, "run", None)
        if run is not None:
            floating_on.setdefault(e.resource_key, []).append(i)
            run_start[i] = first_of.setdefault(run, i)

    def in_its_run_window(i, pos, done):
        """Is floating event i within the window of the earliest unexplained
        event of its run?"""
        j = max(pos, run_start[i])
        while j in done:
            j += 1
        return i - j < window

    def overtakes(e, pos, done, chosen):
        """Would explaining e now leave an earlier event that shares a key
        with it (a resource or the actor) unexplained?"""
        for k in keys[e]:
            idx = touching[k]
            j = bisect_left(idx, e) - 1
            while j >= 0 and idx[j] >= pos:
                if idx[j] not in done and idx[j] not in chosen:
                    return True
                j -= 1
        return False

    def matches(pos, ahead, obs_after, changed):
        """(new pos, new ahead, events explained) for every set of pending
        events that one step with this observable effect can explain."""
        done = set(ahead)
        # A step explains an event only if it changes the event's own
        # resource: events that cancel out (a goroutine started and stopped
        # again) cannot ride along with a step that does something else.
        # Past the plain window only floating events may be explained early:
        # the others' places in the trace are evidence. Of the floating
        # events on one resource only the first few unexplained can be free
        # of an earlier one on it (the rest overtake it).
        plain = min(n, pos + window)
        candidates = [i for i in range(pos, plain) if i not in done and owns[i] & changed]
        for k in changed:
            later = floating_on.get(k, ())
            free = islice((i for i in later[bisect_left(later, plain):] if i not in done), MAX_FUSED)
            candidates.extend(i for i in free if in_its_run_window(i, pos, done))
        candidates.sort()
        out = []
        for size in range(1, min(MAX_FUSED, len(candidates)) + 1):
            for chosen in combinations(candidates, size):
                actor = actors[chosen[0]]
                if any(actors[i] != actor for i in chosen[1:]):
                    continue
                chosen_set = set(chosen)
                if any(overtakes(e, pos, done, chosen_set) for e in chosen):
                    continue  # e would overtake an earlier event it does not commute with
                if size > 1 and not trace.progresses(pos, ahead, chosen):
                    continue
                new_ahead = tuple(sorted(set(ahead) | chosen_set))
                if spec.agrees(obs_after, trace.obs(pos, new_ahead)):
                    p2, a2 = _normal(pos, frozenset(new_ahead))
                    out.append((p2, a2, chosen))
        return out

    accepted_node = None
    stopped_by = ""
    best = 0
    expanded = 0
    while buckets and accepted_node is None and not stopped_by:
        # Best first: the furthest trace position, breadth-first within it.
        # On acceptance this finds a run without exploring every stuttering
        # interleaving at every position; on rejection everything reachable
        # is explored, so `best` is the longest prefix any run explains.
        pos = max(buckets)
        queue = buckets[pos]
        best = max(best, pos)
        node = queue.popleft()
        if not queue:
            del buckets[pos]
        s, p, ahead = node
        if p == n:
            accepted_node = node
            break
        if max_nodes is not None and len(parents) >= max_nodes:
            stopped_by = f"the limit of {max_nodes} search nodes"
            break
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            stopped_by = f"the limit of {max_seconds:g} s"
            break
        expanded += 1
        if max_memory_mb is not None and expanded % MEMORY_EVERY == 0 and tree_rss_mb() >= max_memory_mb:
            stopped_by = f"the memory limit of {max_memory_mb:g} MB"
            break
        mo = observe(s)
        for label, s2 in machine.successors(s):
            if s2 is None:
                cut += 1
                continue
            s2 = machine.canonical(s2)
            mo2 = observe(s2)
            if mo2 == mo:
                add((s2, p, ahead), node, label, ())
                continue
            changed = spec.changed(mo, mo2)
            for p2, a2, chosen in matches(p, ahead, mo2, changed):
                if actor_agrees is None or actor_agrees(s, label, events[chosen[0]]):
                    add((s2, p2, a2), node, label, chosen)
        if on_progress is not None:
            on_progress(p, len(parents))

    seconds = time.perf_counter() - start
    result = Validation(accepted=accepted_node is not None, complete=not stopped_by, events=n,
                        explained=n if accepted_node is not None else best, nodes=len(parents), cut=cut,
                        seconds=seconds, initial_states=starts, stopped_by=stopped_by, window=window)
    per = Counter(node[1] for node in parents)
    result.per_position = [per.get(i, 0) for i in range(n + 1)]
    if keep_graph:
        result.graph = parents
    if accepted_node is not None:
        result.run = _run(machine, label_text, parents, accepted_node)
    elif not stopped_by:
        result.allowed = _allowed(machine, spec, observe, parents, best, label_text)
    return result


def _run(machine, label_text, parents, node) -> list[Step]:
    """The explaining run, re-played without symmetry reduction so that
    each M keeps its number from step to step (the search's states are
    canonical, in which Ms are renumbered after every step)."""
    chain = []
    while True:
        parent, label, explained = parents[node]
        if parent is None:
            break
        chain.append((node[0], label, tuple(explained)))
        node = parent
    chain.reverse()
    cur = node[0]
    steps = []
    for target, label, explained in chain:
        options = [(lb, t) for lb, t in machine.successors(cur)
                   if t is not None and lb[0] == label[0] and machine.canonical(t) == target]
        if options:
            label, cur = options[0]
        else:  # cannot happen for a machine whose canonical() commutes with its steps
            cur = target
        steps.append(Step(label, label_text(label), explained))
    return steps


def _allowed(machine, spec, observe, parents, pos, label_text, limit: int = 20000) -> Allowed:
    """The observable moves (and hidden ones) of the model states at the
    first trace position no run gets past."""
    moves: Counter = Counter()
    hidden: Counter = Counter()
    states = 0
    for (s, p, ahead) in parents:
        if p != pos or ahead:
            continue
        states += 1
        if states > limit:
            break
        mo = observe(s)
        for label, s2 in machine.successors(s):
            if s2 is None:
                continue
            mo2 = observe(machine.canonical(s2))
            if mo2 == mo:
                hidden[label[0]] += 1
            else:
                moves[(label_text(label), spec.describe_change(mo, mo2))] += 1
    return Allowed(moves=[(a, c, k) for (a, c), k in moves.most_common()],
                   hidden=hidden.most_common(), states=states)


def reachable(machine, initial_states, within: Callable[[Any], bool], accept: Callable[[Any], bool],
              max_states: int = 200_000) -> tuple[list, int]:
    """States reachable from initial_states through states satisfying
    `within` (a bound on an unobserved prefix of the run), that satisfy
    `accept`. Returns (accepted states, states explored); raises
    OverflowError past max_states."""
    seen = set()
    queue = deque()
    for s in initial_states:
        s = machine.canonical(s)
        if s not in seen and within(s):
            seen.add(s)
            queue.append(s)
    found = []
    while queue:
        s = queue.popleft()
        if accept(s):
            found.append(s)
        for _, s2 in machine.successors(s):
            if s2 is None:
                continue
            s2 = machine.canonical(s2)
            if s2 not in seen and within(s2):
                if len(seen) >= max_states:
                    raise OverflowError(f"more than {max_states} states in the unobserved prefix of the run")
                seen.add(s2)
                queue.append(s2)
    return found, len(seen)


class WithoutActions:
    """A machine with some actions removed: a model with a transition taken
    away, to show that a trace the full model explains is then rejected."""

    def __init__(self, machine, names):
        self.machine = machine
        self.removed = frozenset(names)
        unknown = self.removed - set(machine.actions()) if hasattr(machine, "actions") else set()
        if unknown:
            raise ValueError(f"the model has no action named {', '.join(sorted(unknown))}")

    def successors(self, state):
        return [(label, s) for label, s in self.machine.successors(state) if label[0] not in self.removed]

    def __getattr__(self, name):
        return getattr(self.machine, name)
