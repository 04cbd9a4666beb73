"""The values each field can hold in a reachable state: a value-set
analysis of the relation itself.

Starting from the initial states' values, the relation is built for states
whose fields lie in the current sets, every value a step can write is
added, and this repeats until nothing is added. The result D contains every
reachable state (by induction: the relation is exact on D, and every value
it writes from a state in D is in D), so the relation built on D is exact on
every reachable state and "every field lies in D" is an inductive invariant
by construction (TypeOK). Each field's sets are capped by the model's own
declared domain (its type); where the analysis would go past a cap, the cap
is kept and TypeOK becomes a proof obligation like any other invariant
(`capped` names those fields).

The analysis is non-relational: it knows which values each field can take,
not how they go together; it is what makes the relation small (steps of
code that no reachable state can run are not followed at all).
"""

import time
from dataclasses import dataclass, field

from .relation import build


@dataclass
class Domains:
    values: list  # per field, a sorted tuple
    capped: dict = field(default_factory=dict)  # field -> values the analysis found beyond the cap
    iterations: int = 0
    seconds: float = 0.0
    relation: object = None  # the relation built on the final domains


def analyse(view, max_iterations: int = 64, log=None, path_limit: int | None = None) -> Domains:
    started = time.perf_counter()
    caps = [set(d) for d in view.domains]
    current = [set() for _ in caps]
    for s in view.init_states():
        for o, v in enumerate(s):
            current[o].add(v)
    for o, d in enumerate(current):
        if not d <= caps[o]:
            raise ValueError(f"the initial state has {view.names[o]} = {sorted(d - caps[o])}, outside its domain")
    capped: dict = {}
    rel = None
    for iteration in range(1, max_iterations + 1):
        doms = [tuple(sorted(d)) for d in current]
        rel = build(view, doms, path_limit)
        grown = False
        for _guard, entry, *_ in rel.transitions():
            if entry.values is None:
                continue
            for o, vals in entry.values.items():
                new = vals - current[o]
                if not new:
                    continue
                over = new - caps[o]
                if over:
                    capped.setdefault(o, set()).update(over)
                    new -= over
                if new:
                    current[o] |= new
                    grown = True
        if log:
            log(f"domains: iteration {iteration}: {rel.path_count():,} paths, "
                f"{sum(len(d) for d in current):,} values")
        if not grown:
            return Domains(list(doms), capped, iteration, time.perf_counter() - started, rel)
    raise RuntimeError(f"the value-set analysis did not settle in {max_iterations} iterations")
