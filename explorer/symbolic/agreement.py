"""Agreement of the symbolic engines with the explicit search, as checks
the tests and scripts/symbolic_report.py share.

  relation_agrees   for every reachable state (breadth first from the
                    initial states), the relation's successors are the
                    machine's, and each invariant's condition is its check
  bmc_agrees        BMC to the BFS's depth finds nothing where BFS finds
                    nothing, and the BFS's first violation at the BFS's
                    length (not one step sooner)
"""

import time
from collections import deque
from dataclasses import dataclass

from . import terms as T
from .bmc import bmc
from .problem import build_problem


def _key(pairs) -> list:
    return sorted((repr(label), succ) for label, succ in pairs)


def relation_agrees(machine, problem, invariants, limit: int | None = None) -> tuple[int, list]:
    """(reachable states checked, the first disagreements)."""
    rel = problem.relation
    by_name = {i.name: i for i in problem.invariants}
    init = machine.init_states()
    seen, queue, bad = set(init), deque(init), []
    n = 0
    while queue and (limit is None or n < limit):
        s = queue.popleft()
        n += 1
        explicit = machine.successors(s)
        if _key(explicit) != _key(rel.successors(s)):
            bad.append(("successors", s))
        for inv in invariants:
            if (inv.check(s) is not None) != bool(T.evaluate(by_name[inv.name].violated, s)):
                bad.append((inv.name, s))
        if len(bad) >= 3:
            break
        for _, t in explicit:
            if t is not None and t not in seen:
                seen.add(t)
                queue.append(t)
    return n, bad


@dataclass
class Row:
    name: str
    bfs_states: int
    bfs_depth: int
    bfs_seconds: float
    bfs_property: str | None
    bfs_length: int | None
    bmc_depth: int
    bmc_property: list
    bmc_length: int | None
    bmc_seconds: float
    derive_seconds: float

    @property
    def agrees(self) -> bool:
        if self.bfs_property is None:
            return self.bmc_length is None
        return self.bmc_length == self.bfs_length and self.bfs_property in self.bmc_property


def bmc_agrees(plugin, config, name: str, max_depth: int | None = None) -> Row:
    """BFS (explorer.search) and BMC on one configuration (numbered threads)."""
    from ..search import explore
    machine, invariants = plugin.build(config)
    t0 = time.perf_counter()
    res = explore(machine, invariants, symmetry=True, stop_at_first=True, workers=1)
    bfs_seconds = time.perf_counter() - t0
    viol = res.violations[0] if res.violations else None
    view = plugin.symbolic_view(machine)
    problem = build_problem(view, plugin.invariants_of(view.machine))
    depth = viol.length if viol else res.depth
    if max_depth is not None:
        depth = min(depth, max_depth)
    found = bmc(problem, depth)
    return Row(name, res.states, res.depth, bfs_seconds, viol.property if viol else None,
               viol.length if viol else None, found.depth, found.violated, found.length, found.seconds,
               problem.seconds)
