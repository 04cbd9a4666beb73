"""State-graph export: the files load back, agree with `check`, and highlight exactly a trace."""

import json
import xml.etree.ElementTree as ET

import networkx as nx

from test_cli import assert_one_line_error, run


def test_graphml_loads_back_with_the_counts_check_reports(tmp_path):
    out = tmp_path / "g.graphml"
    code, text, _ = run("graph", "--preset", "tiny", "--format", "graphml", "-o", str(out))
    assert code == 0
    g = nx.read_graphml(out)
    check = json.loads(run("check", "--preset", "tiny", "--json")[1])
    assert g.number_of_nodes() == check["states"]
    assert g.number_of_edges() == check["transitions"] - check["cut_steps"]
    assert f"nodes {check['states']:,}" in text


def test_json_follows_the_documented_schema(tmp_path):
    out = tmp_path / "g.json"
    assert run("graph", "--preset", "tiny", "-o", str(out))[0] == 0
    data = json.loads(out.read_text())
    g = nx.node_link_graph(data, edges="edges", multigraph=True, directed=True)
    assert g.graph["format"] == "gosched-mc-graph" and g.graph["version"] == 1
    assert json.loads(g.graph["config"])["name"] == "tiny"
    node = g.nodes["s0"]
    assert node["initial"] and node["depth"] == 0 and node["P0.status"] == "_Prunning"
    for key in ("label", "final", "violation", "highlight", "G1.status", "M0.pc", "sched.runq"):
        assert key in node
    a, b, edge = next(iter(g.edges(data=True)))
    assert {"action", "label", "models", "highlight"} <= set(edge)
    assert sum(1 for _, d in g.nodes(data=True) if d["initial"]) == 1


def test_projected_svg_of_the_default_preset_is_small_and_valid(tmp_path):
    out = tmp_path / "p.svg"
    code, text, _ = run("graph", "--preset", "default", "--project", "p-status", "-o", str(out))
    assert code == 0
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    nodes = [g for g in root.iter() if g.get("class") == "node"]
    assert 1 < len(nodes) < 60


def test_highlight_marks_exactly_the_trace(tmp_path):
    trace = tmp_path / "t.json"
    run("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--trace-out", str(trace))
    steps = json.loads(trace.read_text())["steps"]
    out = tmp_path / "h.graphml"
    code, _, _ = run("graph", "--highlight", str(trace), "--format", "graphml", "-o", str(out))
    assert code == 0
    g = nx.read_graphml(out, force_multigraph=True)
    marked = [(a, b, d) for a, b, d in g.edges(data=True) if d["highlight"]]
    assert len(marked) == len(steps) - 1
    assert [d["action"] for _, _, d in sorted(marked, key=lambda e: g.nodes[e[0]]["depth"])] == \
        [s["action"] for s in steps[1:]]
    lit = [n for n, d in g.nodes(data=True) if d["highlight"]]
    assert len(lit) == len(steps)
    assert any(d["violation"] == "p_accounting" for n, d in g.nodes(data=True) if d["highlight"])


def test_projections_of_one_goroutine_and_one_thread(tmp_path):
    for spec in ("g:1", "m:0", "syscall"):
        out = tmp_path / f"{spec.replace(':', '')}.json"
        bound = ["--threads", "3"] if spec.startswith("m:") else []  # thread numbers need numbered threads
        code, text, _ = run("graph", "--preset", "tiny", *bound, "--project", spec, "-o", str(out))
        assert code == 0, text
        data = json.loads(out.read_text())
        assert data["graph"]["projection"] == spec
        assert sum(n["states"] for n in data["nodes"]) >= len(data["nodes"])
    assert "without symmetry reduction" in run("graph", "--preset", "tiny", "--threads", "3", "--project", "m:0",
                                               "-o", str(tmp_path / "m.json"))[1]
    assert_one_line_error(*run("graph", "--preset", "tiny", "--project", "m:0", "-o", str(tmp_path / "n.json")))


def test_too_big_a_graph_is_refused_with_one_sentence(tmp_path):
    assert_one_line_error(*run("graph", "--preset", "syscalls", "--format", "svg", "-o", str(tmp_path / "x.svg")))
    assert_one_line_error(*run("graph", "--preset", "tiny", "--project", "g:9", "-o", str(tmp_path / "x.svg")))
    assert_one_line_error(*run("graph", "--preset", "tiny", "-o", str(tmp_path / "x.png")))
