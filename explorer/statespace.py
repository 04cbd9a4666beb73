"""The explored state space, kept in flat arrays.

States are numbered in discovery (breadth-first) order, so numbers grow with
depth and the first state found at a depth has the shortest path. Each state
keeps its parent's number (an initial state is its own parent). When edges
are kept (for the liveness check and graph export) they are in CSR form: the
out-edges of state v are out_start[v] .. out_start[v+1]-1 in dst (target, or
CUT for a step the model cut at a bound) and lab (label number). The search
expands states in number order, so the edges arrive already grouped by
source. Millions of edges fit in eight bytes each.
"""

from array import array

CUT = 0xFFFFFFFF  # target of a step the model cut at a bound


class StateSpace:
    def __init__(self):
        self.index: dict = {}  # state -> number
        self.states: list = []
        self.parent = array("I")
        self.init: list[int] = []
        self.out_start: array | None = None
        self.dst: array | None = None
        self.lab: array | None = None
        self.label_ids: dict = {}
        self.labels: list = []

    @property
    def n_nodes(self) -> int:
        return len(self.states)

    @property
    def has_edges(self) -> bool:
        return self.out_start is not None

    def keep_edges(self) -> None:
        self.out_start, self.dst, self.lab = array("I"), array("I"), array("I")

    def seal(self) -> None:
        """Close the CSR arrays: every state gets its (possibly empty) range."""
        while len(self.out_start) <= len(self.states):
            self.out_start.append(len(self.dst))

    def out_edges(self, v: int) -> range:
        return range(self.out_start[v], self.out_start[v + 1])

    def path_numbers(self, n: int) -> list[int]:
        """State numbers from an initial state to state n along parents: a
        shortest path, since states are numbered in breadth-first order."""
        path = [n]
        while self.parent[path[-1]] != path[-1]:
            path.append(self.parent[path[-1]])
        return path[::-1]

    def path_to(self, state) -> list:
        """States from an initial state to `state` along parents."""
        return [self.states[i] for i in self.path_numbers(self.index[state])]

    def bytes_per_state(self) -> float:
        """Memory of the visited table per state: the dict, the state
        objects, their numbers, the list and the parent array."""
        import sys
        n = len(self.states)
        if not n:
            return 0.0
        total = sys.getsizeof(self.index) + sys.getsizeof(self.states) + self.parent.buffer_info()[1] * 4
        total += sum(sys.getsizeof(s) for s in self.states)
        total += sum(sys.getsizeof(i) for i in range(257, 257 + min(n, 1000))) * n / min(n, 1000)
        return total / n
