"""The transition relation of a machine, derived by running its own step
functions on a symbolic state (execute.py).

A machine takes part through a *symbolic view* (the model's adapter, e.g.
model/symbolic.py), which says how its successor function is put together:

    size, names            the number of fields of a state and their names
    domains                per field, the tuple of values it may hold (the type: TypeOK)
    processes              the processes that take steps
    halted(s)              True when no process may step (successors(s) is empty)
    dispatch(s, proc)      (steps, stops): the step functions proc may take in s, in
                           order, and per step whether the list ends once that step
                           adds a step (the machine's successors() runs the same lists)
    run_step(step, s, proc, out)   run one step function: it appends (label, successor)
                           pairs to out (successor None: a step cut at a bound)
    step_name(step)        a name for reports
    finished(s), quiet_processes   (optional) where finished(s) holds and only quiet
                           processes' steps fire, successors(s) is empty
    terminal(s)            ("ok" | "deadlock", why) for a state with no successors
    symbolic(copy, freeze, choose)   a context manager in which the machine makes
                           successors with these (execute.sym_copy, sym_freeze) and
                           makes nondeterministic choices with `choose` (free_choice)

so that successors(s) == [] if halted(s) else the concatenation, over
processes, of what dispatch's steps append (or [] if finished(s) and all of
it is quiet processes' steps) up to the first step that
fires and ends its list. Every function is run on a
symbolic state with the forking executor; the result is a tree of guarded
updates:

    group   (process, dispatch path): its condition, the steps it offers
    case    (step, path through it): condition, appended (label, writes), or an error

The flat relation is: some group's condition and some case's condition hold
(and no earlier step that ends the list fired), and the successor
is the case's writes over the state. `successors` evaluates exactly those
conditions on a concrete state, so agreement tests check what z3 is given.
"""

import time
from dataclasses import dataclass, field

from . import terms as T
from .execute import Context, PathLimit, SymbolicError, SymState, enumerate_paths, free_choice, resolve, sym_copy, sym_freeze


class Open:
    """A label parameter that is not a constant on its path (a term)."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t

    def __repr__(self):
        return f"Open({T.show(self.t)})"


@dataclass
class Entry:
    """One (label, successor) a case appends: successor as {field: term}
    (fields not written keep their value), or None for a cut step; and the
    values each written field can get on the path (for domains.py)."""

    label: tuple
    writes: dict | None
    values: dict | None = None


@dataclass
class Case:
    condition: tuple  # beyond the group's condition
    entries: list
    error: tuple | None = None  # (exception, message): the step raises on this path
    free_choices: tuple = ()


@dataclass
class StepCases:
    name: str
    cases: list
    earlier: list = field(default_factory=list)  # fired-conditions of the steps before that end the list

    def fired(self) -> tuple:
        """The condition (beyond the group's) under which this step adds a step."""
        return T.disj([c.condition for c in self.cases if c.entries])


@dataclass
class Group:
    process: object
    condition: tuple  # the dispatch path's condition, including "not halted"
    steps: list  # of StepCases
    error: tuple | None = None  # dispatch itself raises


@dataclass
class Relation:
    size: int
    names: list
    domains: list
    halted: tuple  # condition under which there are no successors
    groups: list
    halted_errors: list  # (condition, error) where halted() raises
    seconds: float = 0.0
    paths: dict = field(default_factory=dict)  # step name -> paths explored (all processes)
    final: tuple = ("c", False)  # finished and no step of a process outside `quiet` fires: no successors
    quiet: tuple = ()
    finished: tuple = ("c", False)  # the first half of final
    _transitions: list | None = field(default=None, repr=False, compare=False)

    def _guard(self, g, excl, case) -> tuple:
        parts = [g.condition, *excl, case.condition]
        if g.process in self.quiet and self.final != ("c", False):
            parts.append(T.negate(self.final))
        return T.conj(parts)

    # --- the flat relation -----------------------------------------------------------------------------
    def transitions(self) -> list:
        """(guard, entry, group, step, case) for every appended entry; guard a term.
        Built once: the same guard objects every time, so the z3 encoding
        (encode.py) shares them between the step and the deadlock condition."""
        if self._transitions is None:
            self._transitions = []
            for g in self.groups:
                for st in g.steps:
                    excl = [T.negate(f) for f in st.earlier]
                    for case in st.cases:
                        for e in case.entries:
                            self._transitions.append((self._guard(g, excl, case), e, g, st, case))
        return self._transitions

    def errors(self):
        """(guard, where, error): the conditions under which the model's code raises."""
        for cond, err in self.halted_errors:
            yield cond, "halted", err
        for g in self.groups:
            if g.error is not None:
                yield g.condition, f"dispatch of process {g.process}", g.error
                continue
            for st in g.steps:
                excl = [T.negate(f) for f in st.earlier]
                for case in st.cases:
                    if case.error is not None:
                        yield T.conj([g.condition, *excl, case.condition]), st.name, case.error

    def path_count(self) -> int:
        return sum(len(st.cases) for g in self.groups for st in g.steps)

    # --- concrete evaluation (the agreement tests) ---------------------------------------------------------
    def successors(self, state) -> list:
        """The (label, successor bytes or None) pairs the relation admits in a
        concrete state; raises ModelError where the relation says the model's
        code raises."""
        ev = T.evaluate
        for cond, err in self.halted_errors:
            if ev(cond, state):
                raise ModelError("halted", err)
        if ev(self.halted, state):
            return []
        out, loud = [], False
        for g in self.groups:
            if not ev(g.condition, state):
                continue
            if g.error is not None:
                raise ModelError(f"dispatch of process {g.process}", g.error)
            for st in g.steps:
                if any(ev(f, state) for f in st.earlier):
                    break
                for case in st.cases:
                    if not ev(case.condition, state):
                        continue
                    if case.error is not None:
                        raise ModelError(st.name, case.error)
                    for e in case.entries:
                        out.append((concrete_label(e.label, state), apply_writes(e.writes, state)))
                        loud = loud or g.process not in self.quiet
        if out and not loud and ev(self.finished, state):  # final (its second half is `not loud`)
            return []
        return out


class ModelError(Exception):
    """The model's own code raises in this state (the explicit engine would crash)."""

    def __init__(self, where: str, error: tuple):
        super().__init__(f"{where}: {error[0]}: {error[1]}")
        self.where, self.error = where, error


def concrete_label(label: tuple, state) -> tuple:
    return tuple(T.evaluate(x.t, state) if isinstance(x, Open) else x for x in label)


def apply_writes(writes, state):
    if writes is None:
        return None
    b = bytearray(state)
    for o, t in writes.items():
        b[o] = T.evaluate(t, state)  # a value out of range raises, as the explicit code would
    return bytes(b)


# --- building it ----------------------------------------------------------------------------------------------

def _label(label, ctx) -> tuple:
    if not isinstance(label, tuple):
        label = (label,)
    out = []
    for x in label:
        if isinstance(x, (str, type(None))):
            out.append(x)
            continue
        t = resolve(x, ctx)
        out.append(t[1] if t[0] == "c" else Open(t))
    return tuple(out)


def _writes(succ, ctx):
    if succ is None:
        return None, None
    if not isinstance(succ, SymState):
        raise TypeError(f"a step appended a {type(succ).__name__} as its successor, not a state made with "
                        "the machine's copy/freeze")
    writes, values = {}, {}
    for o, v in succ.writes.items():
        t = resolve(v, ctx)
        if t != ("v", o):
            writes[o] = t
            values[o] = ctx.value_set(t)
    return writes, values


def _own(ctx, start) -> tuple:
    return T.conj(ctx.conditions[len(start.conditions):])


def build(view, domains=None, path_limit: int | None = None, log=None) -> Relation:
    """The relation of a machine's symbolic view (see the module docstring),
    exact for every state whose fields lie in `domains` (default: the view's)."""
    started = time.perf_counter()
    size = view.size
    domains = list(view.domains if domains is None else domains)
    start = Context(domains)
    s0 = SymState(size)
    stats: dict = {}
    with view.symbolic(sym_copy, sym_freeze, free_choice):
        try:
            halted_paths = enumerate_paths(lambda: view.halted(s0), start, path_limit,
                                           collect=lambda v, err, ctx: None if err else resolve(v, ctx))
        except PathLimit as err:
            raise err.at("on halted()") from None
        halted_parts, running, halted_errors = [], [], []
        for p in halted_paths:
            if p.error:
                halted_errors.append((p.condition, p.error))
                continue
            c = T.conj([p.condition, T.truth(p.extra)])
            halted_parts.append(c)
            if p.extra != ("c", True) and p.extra != ("c", 1):
                run = p.context.child()
                if p.extra[0] != "c":
                    run.conditions.append(T.negate(T.truth(p.extra)))
                running.append(run)
        groups = []
        cache: dict = {}
        for run in running:
            for proc in view.processes:
                try:
                    dispatch = enumerate_paths(lambda: view.dispatch(s0, proc), run, path_limit)
                except PathLimit as err:
                    raise err.at(f"on the dispatch of process {proc}") from None
                for d in dispatch:
                    if d.error:
                        groups.append(Group(proc, d.condition, [], error=d.error))
                        continue
                    steps, stops = d.value
                    if len(steps) != len(stops):
                        raise ValueError(f"dispatch of process {proc} gave {len(steps)} steps but {len(stops)} stops")
                    group = Group(proc, d.condition, [])
                    earlier: list = []
                    for step, stop in zip(steps, stops):
                        name = view.step_name(step)
                        st = _step_cases(view, step, proc, s0, d.context, path_limit, cache)
                        stats[name] = stats.get(name, 0) + len(st.cases)
                        st = StepCases(name, st.cases, list(earlier))
                        group.steps.append(st)
                        if bool(stop):
                            earlier.append(st.fired())
                    groups.append(group)
        try:
            finished, final = _final(view, s0, running, groups, path_limit)
        except PathLimit as err:
            raise err.at("on finished()") from None
    rel = Relation(size, list(view.names), domains, T.disj(halted_parts), groups, halted_errors,
                   time.perf_counter() - started, stats, final, tuple(getattr(view, "quiet_processes", ())), finished)
    if log:
        log(f"relation: {rel.path_count():,} paths in {rel.seconds:.1f} s")
    return rel


def _final(view, s0, running, groups, limit) -> tuple:
    """finished(s) and no step of a process outside quiet_processes fires."""
    if not hasattr(view, "finished"):
        return ("c", False), ("c", False)
    quiet = tuple(view.quiet_processes)
    finished = []
    for run in running:
        for p in enumerate_paths(lambda: view.finished(s0), run, limit,
                                 collect=lambda v, err, ctx: None if err else resolve(v, ctx)):
            if p.error:
                raise SymbolicError(f"finished() raises: {p.error}")
            finished.append(T.conj([p.condition, T.truth(p.extra)]))
    loud = []
    for g in groups:
        if g.process in quiet:
            continue
        for st in g.steps:
            excl = [T.negate(f) for f in st.earlier]
            for case in st.cases:
                if case.entries:
                    loud.append(T.conj([g.condition, *excl, case.condition]))
    return T.disj(finished), T.conj([T.disj(finished), T.negate(T.disj(loud))])


def _step_cases(view, step, proc, s0, start, limit, cache) -> StepCases:
    def run():
        out: list = []
        view.run_step(step, s0, proc, out)
        return out

    def collect(out, err, ctx):
        if err:
            return []
        return [Entry(_label(lab, ctx), *_writes(succ, ctx)) for lab, succ in out]

    try:
        paths = enumerate_paths(run, start, limit, collect)
    except PathLimit as err:
        raise err.at(f"on step {view.step_name(step)} of process {proc}") from None
    cases = [Case(_own(p.context, start), p.extra, p.error, tuple(p.context.free_choices)) for p in paths]
    return StepCases(view.step_name(step), cases)
