"""Breadth-first to the first steps of given kinds, for branches no preset
reaches cheaply; every state on the way is checked against `invariants`."""


def reach(mc, wanted: dict, invariants=(), max_states: int = 200_000, info: dict | None = None) -> set:
    """The names in `wanted` (name -> predicate(s, label, t)) for which some
    step s -label-> t is reachable, searching until all are found. `info`,
    if given, gets the states seen and whether every reachable state was."""
    seen = set(mc.init_states())
    frontier, hits = list(seen), set()
    while frontier and len(hits) < len(wanted) and len(seen) < max_states:
        nxt = []
        for s in frontier:
            for label, t in mc.successors(s):
                if t is None:
                    continue
                broken = [(inv.name, why) for inv in invariants if (why := inv.check(t))]
                assert not broken, (label, broken, mc.view(t, True))
                hits.update(name for name, pred in wanted.items() if pred(s, label, t))
                c = mc.canonical(t)
                if c not in seen:
                    seen.add(c)
                    nxt.append(c)
        frontier = nxt
    if info is not None:
        info.update(states=len(seen), complete=not frontier)
    return hits
