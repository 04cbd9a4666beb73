"""Graph exports number threads as traces do (m0 is M0), not by the search's canonical renaming, and say so
where a state has no one numbering (explorer/shown.py)."""

import json

import networkx as nx

from explorer.graph import full_graph
from explorer.plugins import load_plugin
from explorer.search import explore
from explorer.shown import RUN, SLOTS, shown_graph
from explorer.trace import Spurious, shown_run
from tests.incli import call

ONE = ("--workers", "1", "--quiet")


def _preset(plugin, name, **overrides):
    config = next(c for n, _, c in plugin.presets() if n == name)
    return config.with_(**overrides) if overrides else config


def test_the_default_presets_initial_node_shows_m0_running_main_as_a_trace_does(tmp_path):
    plugin = load_plugin()
    for threads in (4, None):  # numbered threads (symmetry reduction renames them) and unbounded ones
        bound = ("--threads", threads) if threads else ()
        out = tmp_path / f"g{threads}.json"
        assert call("graph", "--preset", "default", *bound, "--max-states", 200, "-o", out, *ONE)[0] in (0, 3)
        node = json.loads(out.read_text())["nodes"][0]
        machine, _ = plugin.build(_preset(plugin, "default", **({"threads": threads} if threads else {})))
        shown, steps = shown_run(machine, [machine.canonical(machine.init_states()[0])])
        trace = shown.fields(steps[0].state)
        assert node["id"] == "s0" and node["initial"]
        assert node["P0.m"] == trace["P0.m"] == "M0" and node["M0.curg"] == "G1" and node["M0.pc"] == "running G"
        assert node["numbering"] == RUN and node["abstract"] == ""


def _graph_and_trace(config):
    plugin = load_plugin()
    machine, invariants = plugin.build(config)
    result = explore(machine, invariants, keep_edges=True, stop_at_first=False, workers=1)
    space = result.space
    states = space.all_states(machine, machine.canonical)
    g = full_graph(space, machine, result, config.to_dict(), states, shown_graph(space, machine, states))
    v = result.violations[0]
    shown, steps = shown_run(machine, v.path)
    return g, space.path_numbers(v.number), shown, steps


def test_exported_nodes_and_edges_agree_with_a_counterexamples_steps():
    plugin = load_plugin()
    for threads in (3, None):
        config = _preset(plugin, "tiny", mutant="retake_no_handoffp", protocol="classic", **({"threads": threads} if threads else {}))
        g, numbers, shown, steps = _graph_and_trace(config)
        assert len(steps) > 5
        for n, step in zip(numbers, steps):
            node = g.nodes[f"s{n}"]
            for field, value in shown.fields(step.state).items():
                assert str(node[field]) == value, (threads, n, field)
            assert node["label"] == shown.view(step.state).splitlines()[0].removeprefix("SCHED 0ms: ")
        for (a, b), step in zip(zip(numbers, numbers[1:]), steps[1:]):
            assert shown.label_text(step.label) in g.get_edge_data(f"s{a}", f"s{b}")


def test_a_many_count_is_said_in_the_node_not_invented(tmp_path):
    out = tmp_path / "g.graphml"
    assert call("graph", "--preset", "tiny", "-o", out, *ONE)[0] == 0
    g = nx.read_graphml(out)
    many = [d for _, d in g.nodes(data=True) if "stand for any number of Ms above the cutoff" in d["abstract"]]
    assert many and all(d["numbering"] == RUN for d in many)
    unreached = [d for _, d in g.nodes(data=True) if d["numbering"] == SLOTS]
    assert all("the model's slots" in d["abstract"] for d in unreached)
    dot = tmp_path / "g.dot"
    assert call("graph", "--preset", "tiny", "-o", dot, *ONE)[0] == 0
    assert "stand for any number of Ms above the cutoff" in dot.read_text()  # in the drawn label too


def test_a_stopped_search_does_not_call_its_unexpanded_states_final(tmp_path):
    out = tmp_path / "g.json"
    assert call("graph", "--preset", "tiny", "--max-states", 50, "-o", out, *ONE)[0] == 3
    nodes = json.loads(out.read_text())["nodes"]
    assert any(not n["expanded"] for n in nodes)
    assert not any(n["final"] and not n["expanded"] for n in nodes)


def test_every_node_of_tiny_is_what_a_trace_of_its_shortest_path_ends_in():
    plugin = load_plugin()
    for threads in (2, None):
        machine, invariants = plugin.build(_preset(plugin, "tiny", **({"threads": threads} if threads else {})))
        result = explore(machine, invariants, keep_edges=True, stop_at_first=False, workers=1)
        space = result.space
        states = space.all_states(machine, machine.canonical)
        shown = shown_graph(space, machine, states)
        traced = 0
        for n in range(space.n_nodes):
            try:
                run, steps = shown_run(machine, [states[i] for i in space.path_numbers(n)])
            except Spurious:
                assert shown.states[n] is None or threads is None
                continue
            assert shown.machine.fields(shown.states[n]) == run.fields(steps[-1].state), (threads, n)
            traced += 1
        assert traced > 0.9 * space.n_nodes
