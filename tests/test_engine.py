"""The explorer on random state machines, with networkx as the oracle."""

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.search import Limits, explore
from explorer.spec import DEADLOCK, Invariant
from explorer.trace import concretize


class GraphMachine:
    """A state machine given as a directed graph: states are node numbers."""

    def __init__(self, n, edges, init, deadlocks=frozenset()):
        self.n = n
        self.adj = {v: [] for v in range(n)}
        for a, b, label in edges:
            self.adj[a].append((label, b))
        self.init = init
        self.deadlocks = deadlocks

    def init_states(self):
        return list(self.init)

    def successors(self, s):
        return [((f"a{label}", s, t), t) for label, t in self.adj[s]]

    def canonical(self, s):
        return s

    def terminal(self, s):
        return (DEADLOCK, f"stuck in {s}") if s in self.deadlocks else ("ok", "final")

    def label_text(self, label):
        return f"{label[0]}({label[1]}->{label[2]})"

    def fields(self, s):
        return {"node": str(s)}

    def view(self, s, detail=False):
        return f"node {s}"

    def graph(self):
        g = nx.MultiDiGraph()
        g.add_nodes_from(range(self.n))
        for a, outs in self.adj.items():
            for label, b in outs:
                g.add_edge(a, b, label=label)
        return g


@st.composite
def machines(draw, max_nodes=14):
    n = draw(st.integers(1, max_nodes))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 3)), max_size=3 * n))
    init = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    bad = draw(st.frozensets(st.integers(0, n - 1), max_size=3))
    return GraphMachine(n, edges, init), bad


def reachable(m):
    g = m.graph()
    seen = set(m.init)
    for v in m.init:
        seen |= nx.descendants(g, v)
    return seen


def bad_invariant(bad):
    return Invariant("not_bad", lambda s: f"{s} is bad" if s in bad else None)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(machines())
def test_visits_exactly_the_reachable_states(mb):
    m, _ = mb
    res = explore(m, [], check_deadlock=False)
    assert res.complete
    assert set(res.space.all_states(m, m.canonical)) == reachable(m)
    assert res.states == len(reachable(m))
    assert res.transitions == sum(len(m.adj[v]) for v in reachable(m))


@FAST
@given(machines())
def test_counterexample_is_a_shortest_path(mb):
    m, bad = mb
    res = explore(m, [bad_invariant(bad)], check_deadlock=False)
    reach_bad = bad & reachable(m)
    if not reach_bad:
        assert not res.violations and res.complete
        return
    g = m.graph()
    lengths = [nx.shortest_path_length(g, i, b) for i in m.init for b in reach_bad if nx.has_path(g, i, b)]
    (v,) = res.violations
    assert v.length == min(lengths)
    assert v.path[0] in m.init and v.path[-1] in bad
    for a, b in zip(v.path, v.path[1:]):
        assert g.has_edge(a, b)
    steps = concretize(m, v.path, symmetry=False)
    assert [s.state for s in steps] == v.path


@FAST
@given(machines())
def test_same_result_every_run(mb):
    m, bad = mb
    runs = [explore(m, [bad_invariant(bad)]) for _ in range(2)]
    assert [r.states for r in runs][0] == runs[1].states
    assert [v.path for v in runs[0].violations] == [v.path for v in runs[1].violations]
    assert runs[0].space.all_states(m, m.canonical) == runs[1].space.all_states(m, m.canonical)


@FAST
@given(machines(), st.integers(1, 20))
def test_state_limit_stops_cleanly(mb, limit):
    m, _ = mb
    res = explore(m, [], check_deadlock=False, limits=Limits(max_states=limit))
    total = len(reachable(m))
    if total > limit:
        assert not res.complete and res.states == limit and "state limit" in res.stop_reason
    else:
        assert res.complete and res.states == total


@FAST
@given(machines(), st.data())
def test_deadlock_is_a_shortest_path_to_a_stuck_state(mb, data):
    m, _ = mb
    stuck = {v for v in reachable(m) if not m.adj[v]}
    m.deadlocks = frozenset(data.draw(st.frozensets(st.sampled_from(sorted(stuck)), max_size=2)) if stuck else ())
    res = explore(m, [], check_deadlock=True)
    if not m.deadlocks:
        assert res.complete and not res.violations
        assert sum(res.terminals.values()) == len(stuck)
        return
    g = m.graph()
    lengths = [nx.shortest_path_length(g, i, d) for i in m.init for d in m.deadlocks if nx.has_path(g, i, d)]
    (v,) = res.violations
    assert v.property == DEADLOCK and v.length == min(lengths)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines(max_nodes=40))
def test_parallel_workers_give_the_sequential_result(mb):
    m, bad = mb
    one = explore(m, [bad_invariant(bad)], workers=1)
    two = explore(m, [bad_invariant(bad)], workers=2)
    assert (one.states, one.transitions, one.depth) == (two.states, two.transitions, two.depth)
    assert [v.path for v in one.violations] == [v.path for v in two.violations]
    assert one.coverage == two.coverage


def test_all_violations_mode_finds_each_property_once():
    m = GraphMachine(4, [(0, 1, 0), (1, 2, 0), (2, 3, 0)], [0])
    res = explore(m, [bad_invariant({1}), Invariant("not_three", lambda s: "3" if s == 3 else None)],
                  stop_at_first=False, check_deadlock=False)
    assert sorted((v.property, v.length) for v in res.violations) == [("not_bad", 1)]
    # state 1 is not expanded, so 3 is never reached
    res = explore(m, [bad_invariant({2}), Invariant("not_one", lambda s: "1" if s == 1 else None)],
                  stop_at_first=False, check_deadlock=False)
    assert sorted((v.property, v.length) for v in res.violations) == [("not_one", 1)]


def test_cut_transitions_are_counted_not_followed():
    class Cutting(GraphMachine):
        def successors(self, s):
            return super().successors(s) + ([(("bound", s), None)] if s == 0 else [])

    m = Cutting(2, [(0, 1, 0)], [0])
    res = explore(m, [], check_deadlock=True)
    assert res.cuts == {"bound": 1} and res.states == 2 and res.complete and res.bounded


def test_parallel_runs_in_one_process_do_not_leak_into_each_other():
    """Workers remember what they sent; nothing of it may survive into the next search."""
    chain = GraphMachine(200, [(i, i + 1, 0) for i in range(199)], [0])
    wide = GraphMachine(200, [(0, i, 0) for i in range(1, 200)] + [(i, (i * 7) % 200, 1) for i in range(200)], [0])
    first = [explore(m, [], workers=2).states for m in (chain, wide)]
    again = [explore(m, [], workers=2).states for m in (wide, chain)]
    assert first == [200, 200] and again == [200, 200]


@FAST
@given(st.lists(st.binary(min_size=16, max_size=16), max_size=300), st.integers(1, 7))
def test_fingerprint_set_numbers_like_a_dict_in_insertion_order(keys, batches):
    """The numpy table against a Python dict: same membership, same numbers,
    whatever the batch boundaries (batches are distinct keys, in order)."""
    from explorer.fingerprint import FingerprintSet, split
    table = FingerprintSet(capacity=4)
    oracle: dict = {}
    todo = list(dict.fromkeys(keys))
    size = max(1, len(todo) // batches)
    for i in range(0, len(todo), size):
        batch = todo[i:i + size]
        lo, hi = split(b"".join(batch))
        nums, new = table.insert(lo, hi)
        for k, n, fresh in zip(batch, nums.tolist(), new.tolist()):
            assert fresh == (k not in oracle)
            oracle.setdefault(k, len(oracle))
            assert n == oracle[k]
    for k in keys:
        lo, hi = split(k)
        assert int(table.lookup(lo, hi)[0]) == oracle[k]
    lo, hi = split(bytes(range(16)))
    assert (int(table.lookup(lo, hi)[0]) == -1) == (bytes(range(16)) not in oracle)


def test_states_are_rebuilt_exactly_from_parents_and_step_positions():
    wide = GraphMachine(60, [(0, i, 0) for i in range(1, 60)] + [(i, (i * 7) % 60, 1) for i in range(60)], [0])
    res = explore(wide, [], keep_states=True)
    compact = explore(wide, [])
    assert compact.space.states is None
    assert compact.space.all_states(wide, wide.canonical) == res.space.states
    for n in (0, 5, 59):
        assert compact.space.path_to(wide, wide.canonical, n)[-1] == res.space.states[n]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, 1, 3, 7]))
def test_parallel_rounds_number_states_as_one_process_does(seed, skew):
    """Large enough for the worker pool: rounds of several levels in flight,
    parts by a (skewed) affinity or cut in halves, parts taken by the other
    worker; the numbering, the parents and the shortest counterexample are
    those of one process."""
    import random
    rnd = random.Random(seed)
    n = 3000
    edges = [(rnd.randrange(n), rnd.randrange(n), rnd.randrange(4)) for _ in range(4 * n)]
    edges += [(i, i + 1, 0) for i in range(0, n - 1, 2)]
    m = GraphMachine(n, edges, [0, 1])
    if skew is not None:
        m.affinity = lambda s: 0 if s % skew else 1
    bad = bad_invariant({rnd.randrange(n) for _ in range(2)})
    for stop in (True, False):
        one = explore(m, [bad], workers=1, stop_at_first=stop)
        two = explore(m, [bad], workers=2, stop_at_first=stop)
        assert (one.states, one.transitions, one.depth) == (two.states, two.transitions, two.depth)
        assert (one.coverage, one.distinct, one.cuts) == (two.coverage, two.distinct, two.cuts)
        assert list(one.space.parent) == list(two.space.parent) and list(one.space.succ) == list(two.space.succ)
        assert one.space.level_start == two.space.level_start
        assert [(v.property, v.path) for v in one.violations] == [(v.property, v.path) for v in two.violations]
    full = explore(m, [], workers=2)
    assert full.states == len(reachable(m)) and full.complete
