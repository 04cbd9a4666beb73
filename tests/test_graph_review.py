"""Graphs fit for a design doc: a legend, action names on projected edges, violating states marked in
projections, the drawn graph's own diameter, whole numbers typed as integers in GraphML."""

import shutil

import networkx as nx
import pytest

from tests.incli import call

ONE = ("--workers", "1", "--quiet")
MUTANT = ("--preset", "syscalls", "--mutant", "exitsyscall_no_cas")


def test_dot_has_a_legend_and_projected_edges_name_their_actions(tmp_path):
    out = tmp_path / "g.dot"
    code, text, err = call("graph", *MUTANT, "--project", "p-status", "-o", out, *ONE)
    assert code == 0, err
    dot = out.read_text()
    assert "subgraph cluster_legend" in dot
    for words in ("initial state", "final state", "violates a property", "on the highlighted trace"):
        assert words in dot
    assert 'label="entersyscall (' in dot and 'label="retake (' in dot  # actions, then how many transitions


def test_violations_are_marked_in_a_projection_and_the_diameter_is_the_drawn_graphs(tmp_path):
    out = tmp_path / "g.graphml"
    code, text, _ = call("graph", *MUTANT, "--project", "p-status", "-o", out, *ONE)
    g = nx.read_graphml(out)
    marked = [d for _, d in g.nodes(data=True) if d["violation"]]
    assert any("p_accounting" in d["violation"] for d in marked)  # what `check` reports, among others
    assert len(marked) < g.number_of_nodes()
    starts = [n for n, d in g.nodes(data=True) if d["initial"]]
    drawn = max(max(nx.single_source_shortest_path_length(g, s).values()) for s in starts)
    assert f"diameter from the initial state {drawn}\n" in text
    assert g.graph["diameter_from_initial"] == drawn


def test_graphml_types_counters_as_integers(tmp_path):
    out = tmp_path / "g.graphml"
    assert call("graph", "--preset", "tiny", "--threads", "2", "-o", out, *ONE)[0] == 0
    g = nx.read_graphml(out)
    _, d = next(iter(g.nodes(data=True)))
    assert isinstance(d["sched.npidle"], int) and isinstance(d["depth"], int)
    assert isinstance(d["P0.status"], str)


def test_an_svg_too_big_to_read_is_refused_and_a_projection_is_not(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("graphviz is not installed")
    out = tmp_path / "g.svg"
    code, text, err = call("graph", "--preset", "tiny", "-o", out, *ONE)  # 377 states: ~45,000 pt wide
    assert code == 2 and "too big to read" in err and "--project" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert call("graph", "--preset", "tiny", "--project", "p-status", "-o", out, *ONE)[0] == 0
    assert out.read_text().rstrip().endswith("</svg>")
