"""State graphs for review: the explored state space as a networkx graph,
or a quotient of it under a projection, written as DOT, GraphML, node-link
JSON or SVG.

Full graph (nx.MultiDiGraph): one node per explored state (after symmetry
reduction), keyed by its number in discovery order ("s0" is an initial
state); one edge per transition between explored states, keyed by the step's
label. Steps cut at a model bound lead to no state and are not edges.

  node attributes: label (a one-line view), depth, initial (bool), expanded
    (false: found, but the search stopped before taking its steps), final
    (expanded, and no step), violation (the property it breaks, or ""),
    highlight (bool), and every state field by name (e.g. "P0.status":
    "_Prunning"); numbering and abstract (below)
  edge attributes: action, label (the step with its M, P, G), models (the
    runtime functions), highlight (bool), numbering

Numbering (explorer/shown.py): a node shows its state as the run to it
shows it (numbering "run"): the same fields and schedtrace line as a trace
of the search's shortest path to it, threads numbered as the runtime makes
them (M0 is m0, then the order the run made them), goroutines by goid. A
node stands for every state equal to it up to renaming threads (and, with
unbounded threads, any number of parked threads). `abstract` says what the
shown run fixes that the node does not: the Ms of a "many" count (more than
the cutoff in one local state) have no one numbering, so it names the run's
Ms that stand for the count. A node no run of numbered threads was found to
reach (the counter abstraction over-approximates) keeps the model's slot
numbering: numbering "model slots", and `abstract` says so; an edge whose
step the source's run cannot take likewise.
  graph attributes: format "gosched-mc-graph", version, config (JSON text),
    projection (""), plus the facts printed on export

Quotient graph (nx.DiGraph, with --project): one node per projection key,
one edge per pair of keys joined by at least one transition. Node: label,
states (how many states it merges), internal (transitions that stay inside
it), initial, final, highlight. Edge: transitions (how many), actions (the
action names, comma separated), highlight.

Load the JSON back with networkx.node_link_graph(data, edges="edges").
"""

import json
import re
import shutil
import subprocess
from collections import Counter, defaultdict

import networkx as nx
from networkx.readwrite import json_graph

from . import atomic
from .shown import RUN, SLOTS
from .statespace import CUT

FORMAT = "gosched-mc-graph"
VERSION = 1


class GraphError(Exception):
    """A graph that cannot be written as asked (one sentence)."""


def full_graph(space, machine, result, config: dict, states: list, shown=None) -> nx.MultiDiGraph:
    """states: every state by number (space.all_states); shown: how a run shows them
    (explorer/shown.py; None: as searched, in the model's slot numbering)."""
    g = nx.MultiDiGraph(format=FORMAT, version=VERSION, config=json.dumps(config), projection="")
    bad = {v.number: v.property for v in result.violations}
    depth = _depths(space)
    expanded = getattr(space, "expanded", space.n_nodes)
    note = getattr(machine, "abstract_note", lambda s, c: "")
    for n, s in enumerate(states):
        c = shown.states[n] if shown is not None else None
        m, v = (shown.machine, c) if c is not None else (machine, s)
        attrs = dict(m.fields(v))
        attrs.update(label=m.view(v).splitlines()[0].removeprefix("SCHED 0ms: "), depth=depth[n],
                     initial=n in space.init, expanded=n < expanded,
                     final=n < expanded and space.out_start[n] == space.out_start[n + 1] and n not in bad,
                     violation=bad.get(n, ""), highlight=False, numbering=RUN if c is not None else SLOTS,
                     abstract=note(s, c) if shown is not None else "")
        g.add_node(f"s{n}", **attrs)
    _typed_counters(g)
    for n in range(space.n_nodes):
        for e in space.out_edges(n):
            t = space.dst[e]
            if t == CUT:
                continue
            shown_label = shown.labels.get(e) if shown is not None else None
            m = machine if shown_label is None else shown.machine  # no shown step: the searched one, in slot numbering
            label = shown_label or space.labels[space.lab[e]]
            text = m.label_text(label)
            models = getattr(m, "label_note", lambda label: "")
            key = text if not g.has_edge(f"s{n}", f"s{t}", key=text) else f"{text} (edge {e})"
            g.add_edge(f"s{n}", f"s{t}", key=key, action=label[0], label=text, models=models(label), highlight=False,
                       numbering=SLOTS if shown_label is None else RUN)
    return g


def _typed_counters(g) -> None:
    """Fields that are whole numbers in every state (npidle, nmidle, a thread count) become integers, so
    GraphML declares them int rather than string."""
    numeric = None
    for _, d in g.nodes(data=True):
        keys = {k for k, v in d.items() if isinstance(v, str) and v.lstrip("-").isdigit() and v.isascii()}
        numeric = keys if numeric is None else numeric & keys
    for _, d in g.nodes(data=True):
        for k in numeric or ():
            d[k] = int(d[k])


def _depths(space) -> list[int]:
    depth = [0] * space.n_nodes
    for n in range(space.n_nodes):
        p = space.parent[n]
        if p != n:
            depth[n] = depth[p] + 1
    return depth


MAX_EDGE_ACTIONS = 3  # action names written on a projected edge; more are counted ("+2 more")


def _edge_label(names: list, count: int) -> str:
    shown = ", ".join(names[:MAX_EDGE_ACTIONS]) + (f" +{len(names) - MAX_EDGE_ACTIONS} more"
                                                      if len(names) > MAX_EDGE_ACTIONS else "")
    return f"{shown} ({count})"


def quotient_graph(space, machine, key, label, config: dict, name: str, states: list,
                   violations=()) -> nx.DiGraph:
    """violations: the search's (state number, property) pairs; the projected nodes holding them are
    marked, as in the full graph."""
    keys = [key(s) for s in states]
    ids = {}
    for k in keys:
        ids.setdefault(k, len(ids))
    members = Counter(keys)
    internal = Counter()
    counts: Counter = Counter()
    actions: dict = defaultdict(set)
    for n in range(space.n_nodes):
        a = keys[n]
        for e in space.out_edges(n):
            t = space.dst[e]
            if t == CUT:
                continue
            b = keys[t]
            if a == b:
                internal[a] += 1
            else:
                counts[(a, b)] += 1
                actions[(a, b)].add(space.labels[space.lab[e]][0])
    g = nx.DiGraph(format=FORMAT, version=VERSION, config=json.dumps(config), projection=name)
    initial = {keys[i] for i in space.init}
    bad: dict = defaultdict(set)
    for n, prop in violations:
        bad[keys[n]].add(prop)
    final = {keys[n] for n in range(space.n_nodes) if space.out_start[n] == space.out_start[n + 1]
             and n not in {v for v, _ in violations}}
    for k, i in ids.items():
        g.add_node(f"q{i}", label=label(k), states=members[k], internal=internal[k], initial=k in initial,
                   final=k in final, violation=", ".join(sorted(bad.get(k, ()))), highlight=False)
    for (a, b), c in counts.items():
        names = sorted(actions[(a, b)])
        g.add_edge(f"q{ids[a]}", f"q{ids[b]}", transitions=c, actions=", ".join(names),
                   label=_edge_label(names, c), highlight=False)
    g.graph["node_of_key"] = {repr(k): f"q{i}" for k, i in ids.items()}  # dropped before writing
    return g


def highlight_full(g, space, canon, steps, machine) -> int:
    """Mark the nodes and the exact edges of a run (concrete (label, state)
    steps); returns how many edges were marked."""
    nodes = [f"s{space.number_of(machine, canon(st.state))}" for st in steps]
    for n in nodes:
        g.nodes[n]["highlight"] = True
    marked = 0
    for (a, b), step in zip(zip(nodes, nodes[1:]), steps[1:]):
        chosen = _edge_taken(g, a, b, step)
        g.edges[a, b, chosen]["highlight"] = True
        marked += 1
    return marked


def _edge_taken(g, a, b, step):
    """The edge key between a and b that the run's step takes: the same
    action (among several, from symmetric threads, the first)."""
    options = [k for k, d in g.get_edge_data(a, b).items() if d["action"] == step.label[0]]
    if not options:
        raise GraphError(f"the trace's step {step.label[0]} is not an edge of the graph")
    return options[0]


def highlight_quotient(g, key, steps) -> int:
    keys = [repr(key(st.state)) for st in steps]
    node_of = g.graph["node_of_key"]
    for k in keys:
        g.nodes[node_of[k]]["highlight"] = True
    marked = set()
    for a, b in zip(keys, keys[1:]):
        if a != b:
            g.edges[node_of[a], node_of[b]]["highlight"] = True
            marked.add((a, b))
    return len(marked)


def facts(g, space, result, projected: bool) -> dict:
    out = {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "strongly_connected_components": nx.number_strongly_connected_components(g),
        "final_states": sum(1 for _, d in g.nodes(data=True) if d.get("final")),
        "explored_states": result.states,
        "explored_transitions": result.transitions,
        "cut_steps": sum(result.cuts.values()),
    }
    if not projected:
        starts = [f"s{i}" for i in space.init]
        out["diameter_from_initial"] = max(
            max(nx.single_source_shortest_path_length(g, s).values()) for s in starts) if starts else 0
    else:  # of the graph drawn: the projected one
        starts = [n for n, d in g.nodes(data=True) if d.get("initial")]
        out["diameter_from_initial"] = max(
            max(nx.single_source_shortest_path_length(g, s).values()) for s in starts) if starts else 0
    return out


def _styled_for_dot(g):
    """A copy with DOT styling: highlighted nodes and edges in red, initial
    states doubled, finals boxed; attributes that DOT cannot hold dropped."""
    h = nx.MultiDiGraph() if g.is_multigraph() else nx.DiGraph()
    h.graph["name"] = "gosched"
    h.graph["graph"] = {"rankdir": "LR"}
    h.graph["node"] = {"shape": "ellipse", "fontname": "Helvetica", "fontsize": "10"}
    h.graph["edge"] = {"fontname": "Helvetica", "fontsize": "9"}
    for n, d in g.nodes(data=True):
        label = d.get("label", n)
        if "states" in d:
            label = f"{label}\\n{d['states']} states"
        if d.get("abstract"):
            label = f"{label}\\n{d['abstract']}"
        attrs = {"label": _dot_quote(label)}
        if d.get("initial"):
            attrs["peripheries"] = "2"
        if d.get("final"):
            attrs["shape"] = "box"
        if d.get("violation"):
            attrs["style"] = "filled"
            attrs["fillcolor"] = "mistyrose"
        if d.get("highlight"):
            attrs["color"] = "red"
            attrs["penwidth"] = "2.5"
        h.add_node(n, **attrs)
    edges = g.edges(keys=True, data=True) if g.is_multigraph() else ((a, b, None, d) for a, b, d in g.edges(data=True))
    for a, b, k, d in edges:
        attrs = {"label": _dot_quote(d.get("label", ""))}
        if d.get("actions"):
            attrs["tooltip"] = _dot_quote(d["actions"])
        if d.get("highlight"):
            attrs["color"] = "red"
            attrs["penwidth"] = "2.5"
        if k is not None:
            h.add_edge(a, b, key=k, **attrs)
        else:
            h.add_edge(a, b, **attrs)
    return h


LEGEND = (("legend_initial", "initial state", {"peripheries": "2"}),
          ("legend_final", "final state (no step)", {"shape": "box"}),
          ("legend_violation", "violates a property", {"style": "filled", "fillcolor": "mistyrose"}),
          ("legend_highlight", "on the highlighted trace", {"color": "red", "penwidth": "2.5"}))


def _add_legend(pd, g) -> None:
    """A legend box in DOT/SVG: what the node shapes and colours mean, and what a label says."""
    import pydot
    legend = pydot.Cluster("legend", label='"Legend"', fontname="Helvetica", fontsize="10", style="rounded")
    for name, text, attrs in LEGEND:
        legend.add_node(pydot.Node(name, label=f'"{text}"', fontname="Helvetica", fontsize="9", **attrs))
    what = ("node: the projection's value, and how many states it merges; edge: the actions (transitions)"
            if g.graph.get("projection") else "node: the schedtrace line; edge: the step with its M, P and G; "
                                                "threads numbered as in traces")
    legend.add_node(pydot.Node("legend_labels", label=f'"{what}"', shape="plaintext", fontname="Helvetica",
                               fontsize="9"))
    for a, b in zip([n for n, _, _ in LEGEND], [n for n, _, _ in LEGEND][1:] + ["legend_labels"]):
        legend.add_edge(pydot.Edge(a, b, style="invis"))
    pd.add_subgraph(legend)


def _dot_quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'


def write(g, fmt: str, path: str) -> None:
    """Write the graph to path in one of the formats, atomically: an
    interrupted or failed write (Graphviz included) leaves the old file."""
    if fmt not in ("graphml", "json", "dot", "svg"):
        raise GraphError(f"unknown graph format {fmt!r}")
    graph = g.copy()
    graph.graph.pop("node_of_key", None)
    dot = None
    if fmt in ("dot", "svg"):
        from networkx.drawing.nx_pydot import to_pydot
        pd = to_pydot(_styled_for_dot(graph))
        _add_legend(pd, graph)
        dot = pd.to_string()
    exe = shutil.which("dot") if fmt == "svg" else None
    if fmt == "svg" and exe is None:
        raise GraphError("Graphviz's `dot` is not installed, so no SVG (apt-get install graphviz); "
                         "--format dot writes the DOT text instead")
    with atomic.replacing(path, "graph file") as temp:
        if fmt == "graphml":
            nx.write_graphml(graph, temp)
        elif fmt == "json":
            with open(temp, "w", encoding="utf-8") as f:
                json.dump(json_graph.node_link_data(graph, edges="edges"), f, indent=1)
                f.write("\n")
        elif fmt == "dot":
            with open(temp, "w", encoding="utf-8") as f:
                f.write(dot)
        else:
            proc = subprocess.run([exe, "-Tsvg", "-o", temp], input=dot, text=True, capture_output=True)
            if proc.returncode != 0:
                why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[0]
                raise GraphError(f"Graphviz could not render the graph: {why}")
            _check_readable(temp)


MAX_DRAWN_PT = 14_400  # 200 inches: an SVG bigger than this on a side is refused (no one can read it)


def _check_readable(svg_path: str) -> None:
    """Refuse a drawing no one can read (the old file stays): too wide or too tall."""
    with open(svg_path, encoding="utf-8") as f:
        head = f.read(4096)
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', head)
    if size is None:
        return
    width, height = (float(v) for v in size.groups())
    if max(width, height) > MAX_DRAWN_PT:
        raise GraphError(f"the drawing would be {width:,.0f} by {height:,.0f} pt, more than {MAX_DRAWN_PT:,} pt on a "
                         "side, too big to read: draw a projection (--project), or write --format dot or graphml")
