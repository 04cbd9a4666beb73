"""The liveness checker on random graphs with random fairness, against an
oracle written with networkx."""

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.liveness import Analysis, Liveness, predicates_of
from explorer.search import explore
from test_engine import GraphMachine


class FairGraph(GraphMachine):
    """Edge label numbers double as processes: class c<label%2>, key = label."""

    def successors(self, s):
        return [((f"a{label}", label, s, t), t) for label, t in self.adj[s]]

    def fairness_class(self, label):
        return f"c{label[1] % 2}"

    def fairness_key(self, state, label):
        return ("proc", label[1])

    def fairness_strong(self, key):
        return key[1] == 0  # label 0 is strongly fair, the others weakly


@st.composite
def fair_graphs(draw):
    n = draw(st.integers(1, 12))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 3)), max_size=3 * n))
    init = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    p = draw(st.frozensets(st.integers(0, n - 1)))
    q = draw(st.frozensets(st.integers(0, n - 1)))
    unfair = draw(st.frozensets(st.sampled_from(["c0", "c1"]), max_size=1))
    return FairGraph(n, edges, init), p, q, unfair


def oracle_violated(m, p, q, unfair) -> bool:
    g = nx.MultiDiGraph()
    reach = set(m.init)
    for v in m.init:
        reach |= nx.descendants(m.graph(), v)
    for a in reach:
        for label, b in m.adj[a]:
            g.add_edge(a, b, label=label)
    g.add_nodes_from(reach)
    fair = lambda label: f"c{label % 2}" not in unfair  # noqa: E731
    bad = {v for v in reach if v not in q}
    targets = {v for v in bad if not any(fair(label) for label, _ in m.adj[v])}
    h = g.subgraph(bad)

    def fair_parts(nodes):
        """Emerson-Lei: fair SCCs, dropping states where a strong key is enabled but never taken."""
        sub = h.subgraph(nodes)
        found = set()
        for comp in nx.strongly_connected_components(sub):
            v0 = next(iter(comp))
            if len(comp) == 1 and not sub.has_edge(v0, v0):
                continue
            taken = {d["label"] for a, b, d in sub.edges(data=True) if a in comp and b in comp and fair(d["label"])}
            enabled = {v: {label for label, _ in m.adj[v] if fair(label)} for v in comp}
            strong_missing = {k for ks in enabled.values() for k in ks if k == 0} - taken
            if strong_missing:
                found |= fair_parts({v for v in comp if not enabled[v] & strong_missing})
                continue
            if set.intersection(*({k for k in ks if k != 0} for ks in enabled.values())) <= taken:
                found |= comp
        return found

    targets |= fair_parts(bad)
    can_reach = set()
    for t in targets:
        can_reach |= {t} | (nx.ancestors(h, t) & bad)
    return any(v in p and v in can_reach for v in reach)


def lasso_is_valid(m, lasso, p, q, unfair) -> bool:
    fair = lambda label: f"c{label % 2}" not in unfair  # noqa: E731
    nodes = lasso.prefix + lasso.cycle[1:]
    if lasso.prefix[0] not in m.init:
        return False
    for a, b in zip(nodes, nodes[1:]):
        if b not in [t for _, t in m.adj[a]]:
            return False
    if not any(v in p and all(w not in q for w in lasso.prefix[i:]) for i, v in enumerate(lasso.prefix)):
        return False  # no trigger: no p-state on the prefix after which q never holds
    if not lasso.cycle:
        last = lasso.prefix[-1]
        return last not in q and not any(fair(label) for label, _ in m.adj[last])
    cyc = lasso.cycle
    if cyc[0] not in [t for _, t in m.adj[cyc[-1]]] or any(v in q for v in cyc):
        return False
    taken = {label[1] for label in lasso.labels if fair(label[1])}
    for label, a, b in zip(lasso.labels, cyc, cyc[1:] + cyc[:1]):
        if (label[1], b) not in m.adj[a] or label[2] != a or label[3] != b:
            return False
    required = set.intersection(*({label for label, _ in m.adj[v] if fair(label) and label != 0} for v in cyc))
    strong = {label for v in cyc for label, _ in m.adj[v] if fair(label) and label == 0}
    return required <= taken and strong <= taken


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fair_graphs())
def test_liveness_verdict_matches_the_oracle_and_the_lasso_is_a_fair_run(case):
    m, p, q, unfair = case
    prop = Liveness("response", "p implies eventually q",
                    (("it", lambda s: s in p, lambda s: s in q),))
    preds = predicates_of([prop])
    space = explore(m, [], check_deadlock=False, keep_edges=True, predicates=preds, keep_states=True).space
    analysis = Analysis(space, m, preds, no_fairness=unfair)
    result = analysis.check(prop)
    assert result.holds == (not oracle_violated(m, p, q, unfair))
    if not result.holds:
        lasso = result.lasso
        lasso.labels = [space.labels[space.lab[e]] for _, e in lasso.cycle_edges]
        lasso.prefix = [space.states[v] for v in lasso.prefix]
        lasso.cycle = [space.states[v] for v in lasso.cycle]
        assert lasso_is_valid(m, lasso, p, q, unfair)


def test_tarjan_finds_the_cycles_networkx_finds():
    m = GraphMachine(6, [(0, 1, 0), (1, 2, 0), (2, 0, 0), (2, 3, 0), (3, 3, 0), (4, 5, 0)], [0, 4])
    m.fairness_class = lambda label: "c"
    m.fairness_key = lambda state, label: label
    preds = [lambda s: True]
    space = explore(m, [], check_deadlock=False, keep_edges=True, predicates=preds, keep_states=True).space
    analysis = Analysis(space, m, preds)
    found = sorted(sorted(space.states[v] for v in comp) for comp in analysis.components)
    assert found == [[0, 1, 2], [3]]
