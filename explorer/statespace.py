"""The explored state space, kept compact.

States are numbered in discovery (breadth-first) order, so numbers grow with
depth and the first state found at a depth has a shortest path. A state is
kept as its fingerprint (explorer/fingerprint.py), its parent's number and
the position of the step that found it among its parent's successors: that
is enough to rebuild any state, or the path to it, by replaying the model
from an initial state. Only the frontier of the search holds states
themselves (and every state, with `keep_states`).

When edges are kept (for the liveness check and graph export) they are in
CSR form: the out-edges of state v are out_start[v] .. out_start[v+1]-1 in
dst (target, or CUT for a step the model cut at a bound) and lab (label
number), in the order the model lists v's successors. The liveness check
also keeps, per state, the bits of its liveness predicates (`bits`) and, per
edge, the number of its fairness key (`key`).
"""

from array import array

from .fingerprint import FingerprintSet, GrowArray, collision_probability

CUT = 0xFFFFFFFF  # target of a step the model cut at a bound


class StateSpace:
    def __init__(self, keep_states: bool = False):
        self.fps = FingerprintSet()
        self.parent = array("I")
        self.succ = array("H")  # position of the finding step among the parent's successors
        self.init: list[int] = []
        self.init_states: list = []  # the initial states, as stored (canonical)
        self.level_start: list[int] = [0]  # first state number of each depth
        self.states: list | None = [] if keep_states else None
        self.out_start: array | None = None
        self.dst: array | None = None
        self.lab: array | None = None
        self.key: array | None = None
        self.bits: array | None = None
        self.label_ids: dict = {}
        self.labels: list = []
        self.key_ids: dict = {}

    @property
    def n_nodes(self) -> int:
        return len(self.parent)

    @property
    def has_edges(self) -> bool:
        return self.out_start is not None

    def keep_edges(self, liveness: bool = False) -> None:
        self.out_start, self.dst, self.lab = array("I"), array("I"), array("I")
        if liveness:
            self.key, self.bits = array("I"), array("Q")

    def label_id(self, label) -> int:
        lid = self.label_ids.get(label)
        if lid is None:
            lid = self.label_ids[label] = len(self.labels)
            self.labels.append(label)
        return lid

    def key_id(self, key: bytes) -> int:
        kid = self.key_ids.get(key)
        if kid is None:
            kid = self.key_ids[key] = len(self.key_ids)
        return kid

    def seal(self) -> None:
        """Close the CSR arrays: every state gets its (possibly empty) range;
        the states after the first `expanded` were found but not expanded
        (the search stopped first), so their ranges say nothing."""
        self.expanded = len(self.out_start)
        while len(self.out_start) <= self.n_nodes:
            self.out_start.append(len(self.dst))

    def out_edges(self, v: int) -> range:
        return range(self.out_start[v], self.out_start[v + 1])

    def depth(self, n: int) -> int:
        from bisect import bisect_right
        return bisect_right(self.level_start, n) - 1

    def path_numbers(self, n: int) -> list[int]:
        """State numbers from an initial state to state n along parents: a
        shortest path, since states are numbered in breadth-first order."""
        path = [n]
        while self.parent[path[-1]] != path[-1]:
            path.append(self.parent[path[-1]])
        return path[::-1]

    def rebuild(self, machine, canon, numbers: list[int]) -> list:
        """The states along a path of state numbers that starts at an initial
        state (a parent path, or any path along kept edges), by replaying the
        model: each step is the successor at the finding step's position, or
        at the position of the kept edge between the two states."""
        if self.states is not None:
            return [self.states[n] for n in numbers]
        cur = self.init_states[self.init.index(numbers[0])]
        out = [cur]
        for a, b in zip(numbers, numbers[1:]):
            if self.parent[b] == a:
                pos = self.succ[b]
            else:
                pos = next(e for e in self.out_edges(a) if self.dst[e] == b) - self.out_start[a]
            cur = canon(machine.successors(cur)[pos][1])
            out.append(cur)
        return out

    def path_to(self, machine, canon, n: int) -> list:
        return self.rebuild(machine, canon, self.path_numbers(n))

    def all_states(self, machine, canon) -> list:
        """Every state, in number order (kept, or rebuilt parent by parent:
        one successor computation per state with children)."""
        if self.states is not None:
            return self.states
        out = [None] * self.n_nodes
        for n, s in zip(self.init, self.init_states):
            out[n] = s
        cached_parent, succ = -1, None
        for n in range(self.n_nodes):
            p = self.parent[n]
            if p == n:
                continue
            if p != cached_parent:
                cached_parent, succ = p, machine.successors(out[p])
            out[n] = canon(succ[self.succ[n]][1])
        return out

    def number_of(self, machine, state) -> int:
        """The number of a (canonical) state, or -1 if it was not explored."""
        from .fingerprint import encode, fingerprint, split
        lo, hi = split(fingerprint(getattr(machine, "encode", encode)(state)))
        return int(self.fps.lookup(lo, hi)[0])

    def collision_probability(self) -> float:
        return collision_probability(self.n_nodes)

    def bytes_per_state(self) -> float:
        """What the visited set costs per state: the fingerprint table and
        arrays, the parent numbers and step positions (not the frontier, nor
        the edges kept for liveness)."""
        n = self.n_nodes
        if not n:
            return 0.0
        total = self.fps.nbytes + self.parent.buffer_info()[1] * self.parent.itemsize
        total += self.succ.buffer_info()[1] * self.succ.itemsize
        return total / n

    def edge_bytes(self) -> int:
        if not self.has_edges:
            return 0
        arrays = [self.out_start, self.dst, self.lab] + ([self.key, self.bits] if self.key is not None else [])
        return sum(a.buffer_info()[1] * a.itemsize for a in arrays)


__all__ = ["CUT", "StateSpace", "GrowArray"]
