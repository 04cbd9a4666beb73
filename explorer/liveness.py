"""Liveness under weak fairness, on the explored graph.

A property has the form "always (p implies eventually q)" (a response
property); "never eventually always p" (persistence) is the response
property "always (true implies eventually not p)". It fails exactly when a
reachable state satisfies p and not q, and from it a fair infinite run stays
in not-q forever. Fair infinite runs of a finite graph end in a fair
strongly connected component (SCC), or in a state where no fair step is
enabled (a stutter: every process that must move is blocked, and the ones
that may wait forever do).

Fairness is per *fairness key*: a step the model tags with a class
("threads", "sysmon", "syscalls", ...) and a key within it. Keys are weakly
fair (a cycle is fair when every such key enabled in all of its states is
taken on it) unless the model calls them strongly fair (then a key enabled
in any state of the cycle must be taken on it). Keys
the model derives from a thread's own fields, not its number, keep this
exact under symmetry reduction: an enabled thread whose key never moves
keeps its fields, because only its own steps change them (see
model/machine.py). Classes can be dropped (`--no-fairness CLASS`) to show
that an assumption is load-bearing.

A violation is a lasso: the shortest prefix to a state where p holds and q
never will, a path within not-q to the fair component, and a cycle in it that
takes every fair key it keeps enabled.
"""

import time
from array import array
from collections import deque
from dataclasses import dataclass, field

from .statespace import CUT, StateSpace


@dataclass(frozen=True)
class Liveness:
    """always (p(s) implies eventually q(s)), for each (p, q) instance.

    unfair: fairness classes this property does not assume (e.g. a syscall
    may block forever). applies: False when the property is vacuous for the
    configuration (then it is reported as not applicable)."""

    name: str
    doc: str
    instances: tuple  # of (label, p, q)
    unfair: frozenset = frozenset()
    applies: bool = True


@dataclass
class Lasso:
    prefix: list  # node numbers from an initial state to the cycle's first node
    cycle: list  # node numbers of the cycle, starting at prefix[-1]; [] for a stutter
    cycle_edges: list  # (source, edge) pairs around the cycle (which parallel edge matters for fairness)
    instance: str = ""

    @property
    def prefix_length(self) -> int:
        return len(self.prefix) - 1

    @property
    def cycle_length(self) -> int:
        return len(self.cycle)


@dataclass
class LivenessResult:
    name: str
    holds: bool
    applies: bool = True
    lasso: Lasso | None = None
    message: str = ""
    fair_sccs: int = 0
    seconds: float = 0.0
    unfair: list = field(default_factory=list)


def predicates_of(properties) -> list:
    """The distinct predicates of the properties' instances, in a fixed
    order: the search records, per state, one bit for each."""
    out, seen = [], set()
    for prop in properties:
        for _label, p, q in prop.instances:
            for f in (p, q):
                if id(f) not in seen:
                    seen.add(id(f))
                    out.append(f)
    return out


class Analysis:
    """SCCs of the explored graph, computed once and shared by the properties.

    The graph holds no states: each state's predicate values are bits
    (space.bits, in the order of `predicates`) and each edge's fairness key
    a number (space.key). `check_limits` is called now and then and may
    raise to stop the analysis (a time or memory limit, Ctrl-C)."""

    def __init__(self, space: StateSpace, machine, predicates, no_fairness=frozenset(), check_limits=None):
        self.space = space
        self.machine = machine
        self.no_fairness = frozenset(no_fairness)
        if not space.has_edges or space.bits is None:
            raise ValueError("the liveness check needs the edges and predicate bits: explore with predicates")
        self._bit = {id(f): i for i, f in enumerate(predicates)}
        self._check_limits = check_limits or (lambda: None)
        self._class_of_label = [machine.fairness_class(label) for label in space.labels]
        strong = getattr(machine, "fairness_strong", lambda key: False)
        keys = [None] * len(space.key_ids)
        for k, i in space.key_ids.items():
            keys[i] = k
        self._key_objects = keys
        self._strong_ids = {i for i, k in enumerate(keys) if strong(k)}
        self._strong = self._strong_ids.__contains__
        self._stutter_cache: dict = {}  # fairness (unfair labels) -> stutter states
        self._rev = None  # reverse CSR edges, built on first use
        started = time.perf_counter()
        self.components = self._sccs(None)  # nontrivial SCCs of the whole graph
        self.scc_count = space.n_nodes - sum(len(c) for c in self.components) + len(self.components)
        self.seconds = time.perf_counter() - started

    # --- graph pieces -------------------------------------------------------------
    def _sccs(self, allowed) -> list[list[int]]:
        """Nontrivial SCCs (two or more nodes, or a self-loop) of the graph
        restricted to the node set `allowed` (None: the whole graph)."""
        sp = self.space
        if allowed is None:
            start, dst = sp.out_start, sp.dst
            comps = tarjan(sp.n_nodes, start, dst, self._check_limits)
            return [sorted(c) for c in comps]
        nodes = sorted(allowed)
        local = {v: i for i, v in enumerate(nodes)}
        start = array("I", [0])
        dst = array("I")
        for v in nodes:
            for e in sp.out_edges(v):
                w = local.get(sp.dst[e])
                if w is not None:
                    dst.append(w)
            start.append(len(dst))
        return [sorted(nodes[i] for i in c) for c in tarjan(len(nodes), start, dst)]

    def fair_classes(self, prop: Liveness):
        return lambda cls: cls not in prop.unfair and cls not in self.no_fairness

    def _key(self, v: int, e: int):
        """The fairness key (its number) of edge e, which leaves state v."""
        return self.space.key[e]

    def key_object(self, kid: int):
        return self._key_objects[kid]

    def _enabled_fair(self, v: int, fair) -> set:
        sp = self.space
        return {self._key(v, e) for e in sp.out_edges(v) if fair(self._class_of_label[sp.lab[e]])}

    def _stutter_nodes(self, fair) -> list[int]:
        """States where no fair step is enabled: terminal states, and states
        where only steps of classes the property does not assume are."""
        sp = self.space
        n = sp.n_nodes
        start = sp.out_start
        unfair_labels = [not fair(c) for c in self._class_of_label]
        key = tuple(unfair_labels)
        cache = self._stutter_cache
        if key not in cache:
            if not any(unfair_labels):
                cache[key] = [v for v in range(n) if start[v] == start[v + 1]]
            else:
                lab = sp.lab
                cache[key] = [v for v in range(n) if all(unfair_labels[lab[e]] for e in range(start[v], start[v + 1]))]
        return cache[key]

    def _fair_components(self, nodes: set, fair) -> list[set]:
        """The fair SCCs inside `nodes` (Emerson-Lei refinement): an SCC is
        fair if every weakly fair key enabled in all its states is taken in
        it, and every strongly fair key enabled in any of its states is taken
        in it. A strongly fair key enabled but never taken rules out the
        states where it is enabled; what remains may still hold fair cycles."""
        sp = self.space
        out = []
        for comp in self._sccs(nodes):
            comp_set = set(comp)
            taken = set()
            for v in comp:
                for e in sp.out_edges(v):
                    if sp.dst[e] in comp_set and fair(self._class_of_label[sp.lab[e]]):
                        taken.add(self._key(v, e))
            enabled = {v: self._enabled_fair(v, fair) for v in comp}
            strong_missing = {k for keys in enabled.values() for k in keys if self._strong(k)} - taken
            if strong_missing:
                rest = {v for v in comp if not (enabled[v] & strong_missing)}
                if rest:
                    out += self._fair_components(rest, fair)
                continue
            required = set.intersection(*[{k for k in keys if not self._strong(k)} for keys in enabled.values()])
            if required <= taken:
                out.append(comp_set)
        return out

    # --- one property -------------------------------------------------------------------
    def check(self, prop: Liveness) -> LivenessResult:
        started = time.perf_counter()
        result = LivenessResult(prop.name, holds=True, applies=prop.applies,
                                unfair=sorted(set(prop.unfair) | self.no_fairness))
        if not prop.applies:
            result.seconds = time.perf_counter() - started
            return result
        best = None
        for label, p, q in prop.instances:
            lasso, fair_sccs = self._check_instance(p, q, self.fair_classes(prop))
            result.fair_sccs = max(result.fair_sccs, fair_sccs)
            if lasso is not None:
                lasso.instance = label
                if best is None or (lasso.prefix_length, lasso.cycle_length) < (best.prefix_length, best.cycle_length):
                    best = lasso
        if best is not None:
            result.holds = False
            result.lasso = best
            result.message = f"{best.instance}: a fair run stays forever where it is not fulfilled"
        result.seconds = time.perf_counter() - started
        return result

    def _check_instance(self, p, q, fair):
        """The lasso for one (p, q), or None. Work is proportional to what can
        reach a fair end inside not-q, not to the whole graph: q is evaluated
        lazily on the states the backward search touches."""
        sp = self.space
        bits = sp.bits
        n = sp.n_nodes
        qbit = 1 << self._bit[id(q)]
        pbit = 1 << self._bit[id(p)]

        def bad(v) -> bool:
            return not bits[v] & qbit

        # Fair ends of runs inside not-q: stutter states, and fair SCCs.
        targets: dict[int, object] = {}  # node -> [] (stutter) or ("scc", its component)
        for v in self._stutter_nodes(fair):
            if bad(v):
                targets[v] = []
        fair_sccs = 0
        for comp in self.components:
            inside = {v for v in comp if bad(v)}
            if not inside:
                continue
            for sub_set in self._fair_components(inside, fair):
                fair_sccs += 1
                for v in sorted(sub_set):
                    targets.setdefault(v, ("scc", sub_set))
        if not targets:
            return None, fair_sccs
        # Backward reachability within not-q from the fair ends.
        pred_start, pred_src = self._reverse()
        reach = bytearray(n)
        queue = deque(targets)
        for v in targets:
            reach[v] = 1
        steps = 0
        while queue:
            v = queue.popleft()
            steps += 1
            if not steps & 0xFFFF:
                self._check_limits()
            for i in range(pred_start[v], pred_start[v + 1]):
                u = pred_src[i]
                if not reach[u] and bad(u):
                    reach[u] = 1
                    queue.append(u)
        # The earliest-discovered trigger is the one with the shortest prefix.
        for x in range(n):
            if reach[x] and bits[x] & pbit:
                return self._lasso(x, reach, targets, fair), fair_sccs
        return None, fair_sccs

    def _reverse(self):
        if self._rev is None:
            sp = self.space
            n = sp.n_nodes
            counts = array("I", bytes(4 * (n + 1)))
            for w in sp.dst:
                if w != CUT:
                    counts[w + 1] += 1
            for v in range(n):
                counts[v + 1] += counts[v]
            fill = array("I", counts)
            src = array("I", bytes(4 * counts[n]))
            for v in range(n):
                for e in sp.out_edges(v):
                    w = sp.dst[e]
                    if w != CUT:
                        src[fill[w]] = v
                        fill[w] += 1
            self._rev = (counts, src)
        return self._rev

    # --- building the lasso ----------------------------------------------------------
    def _bfs_path(self, start: int, goal, allowed) -> list[int]:
        """Shortest path from start to a node satisfying goal, through allowed nodes."""
        sp = self.space
        prev = {start: None}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            if goal(v):
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return path[::-1]
            for e in sp.out_edges(v):
                w = sp.dst[e]
                if w != CUT and w not in prev and allowed(w):
                    prev[w] = v
                    queue.append(w)
        raise AssertionError("no path inside a strongly connected set")

    def _path_edges(self, nodes: list[int]) -> list[tuple[int, int]]:
        """(source, edge) for some edge between each pair of consecutive nodes."""
        sp = self.space
        return [(a, next(e for e in sp.out_edges(a) if sp.dst[e] == b)) for a, b in zip(nodes, nodes[1:])]

    def _fair_cycle(self, c0: int, comp: set, fair) -> list[tuple[int, int]]:
        """(source, edge) pairs of a cycle from c0 back to c0 inside comp that
        takes every fair key enabled on all of its states: a shortest cycle,
        then detours spliced in, each taking a missing key or visiting a state
        where it is disabled (taken keys only grow, required ones only shrink)."""
        sp = self.space
        inside = comp.__contains__
        back = min((self._bfs_path(sp.dst[e], lambda v: v == c0, inside)
                    for e in sp.out_edges(c0) if sp.dst[e] in comp), key=len)
        cycle = self._path_edges([c0] + back)
        for _ in range(2 * len(comp) + 8):
            taken = {self._key(v, e) for v, e in cycle if fair(self._class_of_label[sp.lab[e]])}
            required = None
            anywhere = set()
            for v, _e in cycle:
                keys = self._enabled_fair(v, fair)
                anywhere |= {k for k in keys if self._strong(k)}
                weak = {k for k in keys if not self._strong(k)}
                required = weak if required is None else required & weak
            missing = ((required or set()) | anywhere) - taken
            if not missing:
                return cycle
            k = min(missing, key=repr)

            def k_edge(v, k=k):
                return next((e for e in sp.out_edges(v) if sp.dst[e] in comp and self._key(v, e) == k), None)

            strong = self._strong(k)  # a strong key must be taken; a weak one may instead be disabled somewhere
            to = self._bfs_path(c0, lambda v: (not strong and k not in self._enabled_fair(v, fair))
                                or k_edge(v) is not None, inside)
            end = to[-1]
            e = k_edge(end) if k in self._enabled_fair(end, fair) else None
            if e is not None:
                home = self._bfs_path(sp.dst[e], lambda v: v == c0, inside)
                detour = self._path_edges(to) + [(end, e)] + self._path_edges(home)
            else:
                detour = self._path_edges(to + self._bfs_path(end, lambda v: v == c0, inside)[1:])
            cycle = cycle + detour
        raise AssertionError("could not build a fair cycle in a fair component")

    def _lasso(self, x: int, reach, targets, fair) -> Lasso:
        prefix = self.space.path_numbers(x)
        path = self._bfs_path(x, lambda v: v in targets, lambda v: reach[v])
        end = path[-1]
        full_prefix = prefix + path[1:]
        found = targets[end]
        if found == []:
            return Lasso(full_prefix, [], [])
        pairs = self._fair_cycle(end, found[1], fair)
        return Lasso(full_prefix, [v for v, _ in pairs], pairs)


def tarjan(n: int, start, dst, check=None) -> list[list[int]]:
    """Nontrivial SCCs of a CSR graph (n nodes; out-edges of v are
    dst[start[v]:start[v+1]]; CUT targets ignored). Iterative, arrays only.
    `check` is called every 65,536 roots and may raise to stop."""
    index = array("i", [-1]) * n
    low = array("i", [0]) * n
    on_stack = bytearray(n)
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if check is not None and not root & 0xFFFF:
            check()
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work = [[root, start[root]]]
        while work:
            frame = work[-1]
            v, e = frame
            end = start[v + 1]
            while e < end:
                w = dst[e]
                e += 1
                if w == CUT:
                    continue
                if index[w] < 0:
                    frame[1] = e
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append([w, start[w]])
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = 0
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or any(dst[x] == v for x in range(start[v], start[v + 1])):
                        out.append(comp)
    return out
