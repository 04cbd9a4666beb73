"""A state graph's nodes and edges as a run shows them.

The search keeps canonical states: Ms renamed by symmetry reduction, and,
with unbounded threads, idle threads dropped and the rest counted. A graph
exported as they are would name threads differently from every trace
(e.g. `P0.m = M2` in the initial state). So each node is shown as a trace
shows it: by the state the run along the search's parent tree reaches,
replayed exactly as `trace.concretize` replays a path (the first step whose
canonical form is the next state, from a real initial state; with unbounded
threads, a run of the concrete twin). A trace of the search's shortest path
to a state therefore ends in the node's own fields, and passes through the
fields of the nodes on the way wherever the run never had to go back to find
a step (tests/test_graph_numbering.py). Threads are
numbered as the runtime makes them: M0 is m0, then the order the run made
them (sysmon is `sysmon`); goroutines by goid; Ps by id.

Each edge is shown as the step from its source node's shown state (the
acting M named as there). Where the greedy run finds no step to a node (an
abstract count that the run shown for its parent cannot realise), the node
is shown as a trace to it would show it (the whole path re-run). Where no run
follows its search path (with unbounded threads the counter abstraction
over-approximates, and no trace to it exists), a run reaching it along other
edges shows it; where none is found (one state per node is kept, so not
every run is tried), it keeps the model's slot numbering and says so
(`numbering` "model slots", and the machine's `abstract_note`).
"""

from dataclasses import dataclass, field

from .statespace import CUT
from .trace import Spurious, TraceError, concretize, first_match, run_view

RUN, SLOTS = "run", "model slots"  # a node's `numbering`: a shown run's, or the canonical state's own


@dataclass
class Shown:
    machine: object  # the machine whose states these are (the concrete twin with unbounded threads)
    states: list  # per node: its state in the shown run, or None (no run reaches it: slot numbering)
    labels: dict = field(default_factory=dict)  # edge index -> the step's label as taken from the shown source


def shown_graph(space, machine, states: list, symmetry: bool = True) -> Shown:
    """Every node's shown state and every edge's shown label; states: every
    canonical state by number (space.all_states)."""
    shown, key = run_view(machine, symmetry)
    out = Shown(shown, [None] * len(states))
    for n in space.init:
        out.states[n] = first_match(shown.init_states(), key, states[n])
    late = []  # nodes shown only once a later node reached them
    for n in range(len(states)):
        p = space.parent[n]
        if out.states[n] is None and p != n and out.states[p] is not None:
            out.states[n] = _rerun(machine, space, states, n, symmetry)  # the run shown for p cannot reach n
        if out.states[n] is not None:
            late += [t for t in _expand(out, space, states, key, n) if t < n]  # the rest come in turn
    while late:  # nodes whose search path no run follows, reached by a run along other edges
        late = [t for n in late for t in _expand(out, space, states, key, n)]
    return out


def _expand(out, space, states, key, n: int) -> list:
    """Show n's out-edges as steps of n's shown state, and show the targets that no node before could:
    its tree children (the step the run takes, as `concretize` takes it), and nodes whose own search path no
    run follows. Returns the targets shown here."""
    succ = out.machine.successors(out.states[n])
    keys = [key(t) if t is not None else None for _, t in succ]
    shown_here = []
    for e in space.out_edges(n):
        t = space.dst[e]
        if t == CUT or out.states[t] is not None:
            continue
        p = space.parent[t]
        if p == n or out.states[p] is None:
            i = first_match(range(len(succ)), keys.__getitem__, states[t])
            if i is not None:
                out.states[t] = succ[i][1]
                shown_here.append(t)
    _edge_labels(out, space, states, n, succ, keys)
    return shown_here


def _rerun(machine, space, states, n: int, symmetry: bool):
    """The last state of the run a trace of the parent path to n shows (None if none exists)."""
    try:
        return concretize(machine, [states[i] for i in space.path_numbers(n)], symmetry)[-1].state
    except (Spurious, TraceError):
        return None


def _edge_labels(out, space, states, n: int, succ, keys) -> None:
    """Each out-edge of n as a step of n's shown state: the same action on the same Ps and Gs, to a state
    that stands for the edge's target; symmetric steps (other Ms doing the same) each get their own."""
    if not succ:
        return
    used = set()
    for e in space.out_edges(n):
        t = space.dst[e]
        if t == CUT:
            continue
        label = space.labels[space.lab[e]]
        for i, ((shown_label, _), k) in enumerate(zip(succ, keys)):
            if i not in used and k == states[t] and shown_label[0] == label[0] and shown_label[2:] == label[2:]:
                used.add(i)
                out.labels[e] = shown_label
                break
