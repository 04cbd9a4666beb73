"""Everything the symbolic engines check, derived from one machine: the
value-set analysis and the relation built on it (domains.py), the safety
invariants as conditions (props.py) and the deadlock condition (the
machine's own `terminal`, run where no step is enabled)."""

import time
from dataclasses import dataclass

from . import terms as T
from .domains import analyse
from .encode import Encoding
from .execute import Context, PathLimit, SymState, enumerate_paths
from .props import compile_invariants


@dataclass
class Problem:
    view: object
    domains: object  # domains.Domains
    relation: object
    invariants: list  # SymInvariant
    deadlock: tuple | None
    seconds: float

    def encoding(self) -> Encoding:
        names = getattr(self.view, "model_error_names", lambda: set())()
        return Encoding(self.relation, self.invariants, self.deadlock, names)

    @property
    def names(self) -> list:
        return [i.name for i in self.invariants] + (["deadlock"] if self.deadlock is not None else []) + ["model_error"]


def no_step(rel) -> tuple:
    """The condition under which successors() is empty (cut steps count as steps, as in the search)."""
    enabled = T.disj([g for g, *_ in rel.transitions()])
    return T.disj([rel.halted, T.negate(enabled) if enabled[0] != "not" else enabled[1]])


def deadlock_condition(view, rel, limit: int | None = None) -> tuple:
    start = Context(list(rel.domains))
    s0 = SymState(rel.size)
    try:
        paths = enumerate_paths(lambda: view.terminal(s0), start, limit)
    except PathLimit as err:
        raise err.at("on the deadlock check (terminal)") from None
    bad = [p.condition for p in paths if p.error is None and p.value[0] == "deadlock"]
    return T.conj([no_step(rel), T.disj(bad)])


def build_problem(view, invariants, check_deadlock: bool = True, log=None, path_limit: int | None = None) -> Problem:
    """path_limit: paths through any one function (a step, an invariant's
    check) before execute.PathLimit is raised (default execute.PATH_LIMIT)."""
    started = time.perf_counter()
    doms = analyse(view, log=log, path_limit=path_limit)
    rel = doms.relation
    if log:
        log(f"domains and relation: {rel.path_count():,} paths, {time.perf_counter() - started:.1f} s")
    t0 = time.perf_counter()
    sym = compile_invariants(invariants, doms.values, path_limit)
    if log:
        log(f"invariants: {sum(i.paths for i in sym):,} paths, {time.perf_counter() - t0:.1f} s")
    dead = deadlock_condition(view, rel, path_limit) if check_deadlock else None
    return Problem(view, doms, rel, sym, dead, time.perf_counter() - started)
