"""Exhaustive breadth-first search with invariant and deadlock checking.

Breadth-first order makes every counterexample a shortest one. The queue
of discovered states is cut into rounds (consecutive states of one level);
a round is expanded (explorer/expand.py) in this process, or in parts by
worker processes (explorer/parallel.py), and the rounds are merged here in
state order. States are numbered in that order, so the outcome (state
counts, the counterexample, the numbering itself) is the same for any
number of workers and any hash seed. A round needs only its own states, so
with workers the next level's rounds are expanded while this level's last
ones merge: no level barrier. The main process only merges (visited-set
lookups in numpy batches, numbering); everything per state (invariants,
successors, normal forms, fingerprints) is done in the workers. The visited set holds fingerprints (explorer/fingerprint.py);
only the frontier holds states.
"""

import builtins
import resource
import time
from bisect import bisect_right
from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np

from .expand import NO_STATE, Expander
from .fingerprint import FP_BYTES, encode, fingerprint, split
from .limits import (Interrupted, Limits, LimitReached, PeakMemory, interrupted_once, peak_rss_mb, stop_reason,
                     tree_rss_mb)
from .progress import Progress
from .spec import DEADLOCK, Invariant, Machine, State
from .statespace import CUT, StateSpace

CHUNK_MAX = 2048  # states per round expanded in this process
CHUNK_MIN = 64
PART_MAX = 1024  # states per part of a round a worker expands
PART_MIN = 32

__all__ = ["Limits", "Result", "Violation", "explore", "peak_rss_mb"]


@dataclass
class Violation:
    property: str
    message: str
    number: int  # the violating state's number in the state space
    state: State  # the violating state (canonical)
    path: list = field(default_factory=list)  # states from an initial state to `state`, inclusive

    @builtins.property
    def length(self) -> int:
        return len(self.path) - 1


@dataclass
class Result:
    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    complete: bool = False
    stop_reason: str = ""
    coverage: Counter = field(default_factory=Counter)  # action -> transitions
    distinct: Counter = field(default_factory=Counter)  # action -> new states it found
    cuts: Counter = field(default_factory=Counter)  # action -> steps cut at a model bound
    terminals: Counter = field(default_factory=Counter)  # why -> count of ok terminal states
    violations: list = field(default_factory=list)
    space: StateSpace = field(default_factory=StateSpace, repr=False)
    peak_memory_mb: float = 0.0  # this run's: the search process and its workers (explorer/limits.py)
    workers: int = 1
    memory: PeakMemory | None = field(default=None, repr=False)  # what measured peak_memory_mb
    cpu_main: float = 0.0  # CPU seconds (user + system) of the search process during the search
    cpu_workers: float = 0.0  # ... and of its worker processes

    @builtins.property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0

    @builtins.property
    def cut_steps(self) -> int:
        return sum(self.cuts.values())

    @builtins.property
    def bounded(self) -> bool:
        """Some step was cut at a model bound: what was explored is only the
        behaviour within that bound."""
        return bool(self.cuts)


@dataclass
class _Batch:
    """The expansion of a run of consecutive states (a round), its labels and
    fairness keys in the state space's numbering: one chunk result, or the
    parts of a round that several workers expanded, put back in state order."""
    verdicts: list
    counts: np.ndarray  # per state
    fps: np.ndarray  # per successor, "V16"
    lab: np.ndarray  # per successor, global label number
    payload: dict  # successor position -> state, for successors the main process may not know yet
    bits: list | None = None
    keys: np.ndarray | None = None
    by_fp: dict | None = None

    def find(self, fp: bytes, elsewhere):
        """The state of fingerprint fp, sent at another position than its
        first in the batch (a worker that expanded two parts of a round sends
        a state with the first part it met it in), or with a later round."""
        if self.by_fp is None:
            self.by_fp = {self.fps[p].tobytes(): t for p, t in self.payload.items()}
        t = self.by_fp.get(fp)
        return t if t is not None else elsewhere(fp)


class _Merger:
    """Folds the expansion of each round into the state space, in state order."""

    def __init__(self, space: StateSpace, res: Result, keep_edges: bool, max_states):
        self.space, self.res, self.keep_edges, self.max_states = space, res, keep_edges, max_states
        self.label_map: dict = {}  # source -> list: local label number -> global
        self.key_map: dict = {}
        # per global label number: transitions, cut steps, new states (folded into res by finish())
        self.tallies = {"coverage": np.zeros(0, np.int64), "cuts": np.zeros(0, np.int64),
                        "distinct": np.zeros(0, np.int64)}

    def _tally(self, what: str, lab) -> None:
        if not len(lab):
            return
        c = np.bincount(lab)
        t = self.tallies[what]
        if len(t) < len(c):
            t = self.tallies[what] = np.concatenate((t, np.zeros(len(c) - len(t), np.int64)))
        t[:len(c)] += c

    def finish(self) -> None:
        labels = self.space.labels
        for what, t in self.tallies.items():
            counter = getattr(self.res, what)
            for lid in np.flatnonzero(t).tolist():
                counter[labels[lid][0]] += int(t[lid])

    def _globalise(self, source, numbering, new, intern):
        table = numbering.setdefault(source, [])
        for local, obj in new:
            while len(table) <= local:
                table.append(-1)
            table[local] = intern(obj)
        return np.asarray(table, dtype=np.int64)

    def batch(self, parts, n: int) -> _Batch:
        """parts: (positions in the round, or None for all of it, chunk result, source)."""
        space = self.space
        pieces = []
        for positions, out, source in parts:
            counts = np.frombuffer(out.counts, dtype=np.uint32).astype(np.int64)
            labels_g = self._globalise(source, self.label_map, out.new_labels, space.label_id)
            local = np.frombuffer(out.labels, dtype=np.uint32)
            lab = labels_g[local] if len(local) else np.zeros(0, np.int64)
            keys = None
            if out.keys is not None:
                keys_g = self._globalise(source, self.key_map, out.new_keys, space.key_id)
                klocal = np.frombuffer(out.keys, dtype=np.uint32)
                keys = keys_g[klocal] if len(klocal) else np.zeros(0, np.int64)
            pieces.append((positions, out, counts, lab, keys))
        if len(pieces) == 1 and pieces[0][0] is None:
            _, out, counts, lab, keys = pieces[0]
            return _Batch(out.verdicts, counts, np.frombuffer(out.fps, dtype="V16"), lab, dict(out.states),
                          list(out.bits) if out.bits is not None else None, keys)
        counts = np.zeros(n, np.int64)
        for positions, _, c, _, _ in pieces:
            counts[positions] = c
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        total = int(counts.sum())
        verdicts, bits = [None] * n, None
        fps = np.empty(total, dtype="V16")
        lab = np.empty(total, np.int64)
        keys = np.empty(total, np.int64) if pieces[0][4] is not None else None
        payload: dict = {}
        if pieces[0][1].bits is not None:
            bits = [0] * n
        for positions, out, c, plab, pkeys in pieces:
            own_starts = np.concatenate(([0], np.cumsum(c)[:-1])) if len(c) else np.zeros(0, np.int64)
            dest = np.repeat(starts[positions] - own_starts, c) + np.arange(int(c.sum()))
            fps[dest] = np.frombuffer(out.fps, dtype="V16")
            lab[dest] = plab
            if keys is not None:
                keys[dest] = pkeys
            pos = positions.tolist()
            for i, v in zip(pos, out.verdicts):
                verdicts[i] = v
            if bits is not None:
                for i, b in zip(pos, out.bits):
                    bits[i] = b
            if out.states:
                moved = dest[[p for p, _ in out.states]].tolist()
                payload.update(zip(moved, [t for _, t in out.states]))
        return _Batch(verdicts, counts, fps, lab, payload, bits, keys)

    def merge(self, numbers, states, out: _Batch, next_frontier, failed, stop_at_first, n_props, find_state):
        """Returns True when the search must stop (a violation, the state limit)."""
        space, res = self.space, self.res
        stop = False
        limit = len(states)
        for i, verdict in enumerate(out.verdicts):
            if verdict is None:
                continue
            kind, what = verdict
            if kind == "terminal" and what[0] != DEADLOCK:
                res.terminals[what[1]] += 1
                continue
            found = what if kind == "bad" else [(DEADLOCK, what[1])]
            for name, message in found:
                if name not in failed:
                    failed.add(name)
                    res.violations.append(Violation(name, message, numbers[i], states[i]))
            if stop_at_first or len(failed) >= n_props:
                limit, stop = i + 1, True
                break
        counts = out.counts[:limit]
        total = int(counts.sum())
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if limit else np.zeros(0, np.int64)
        lab = out.lab[:total]
        self._tally("coverage", lab)
        res.transitions += total
        raw = out.fps[:total]
        valid = raw != np.frombuffer(NO_STATE, dtype="V16")[0]
        if not valid.all():
            self._tally("cuts", lab[~valid])
        dst = np.full(total, CUT, dtype=np.int64)
        if valid.any():
            positions = np.flatnonzero(valid)
            lo_all, hi_all = split(raw[positions].tobytes())
            # distinct fingerprints by their low halves (integers sort fast), checked on the high halves
            _, first, inverse = np.unique(lo_all, return_index=True, return_inverse=True)
            inverse = inverse.reshape(-1)
            if not np.array_equal(hi_all[first][inverse], hi_all):  # two in one batch share a low half
                _, first, inverse = np.unique(raw[positions], return_index=True, return_inverse=True)
                inverse = inverse.reshape(-1)
            order = np.argsort(first, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            lo, hi = lo_all[first[order]], hi_all[first[order]]
            first_pos = positions[first[order]]
            if self.max_states is not None:
                found = space.fps.lookup(lo, hi)
                room = self.max_states - len(space.fps)
                fresh = np.flatnonzero(found < 0)
                if len(fresh) > room:
                    keep = np.ones(len(lo), bool)
                    keep[fresh[room:]] = False
                    lo, hi, first_pos = lo[keep], hi[keep], first_pos[keep]
                    res.stop_reason = f"state limit reached ({self.max_states} states)"
                    stop = True
                    kept_rank = np.full(len(keep), -1, np.int64)
                    kept_rank[keep] = np.arange(int(keep.sum()))
                    rank = kept_rank[rank]
            nums, new = space.fps.insert(lo, hi)
            r = rank[inverse]
            kept = r >= 0
            dst[positions[kept]] = nums[r[kept]]
            if new.any():
                new_pos = first_pos[new]
                owner = np.searchsorted(starts, new_pos, side="right") - 1
                space.parent.extend(np.asarray(numbers, dtype=np.int64)[owner].astype(np.uint32).tolist())
                space.succ.extend((new_pos - starts[owner]).astype(np.uint16).tolist())
                payload = out.payload
                fresh_states = [payload[p] if p in payload else out.find(raw[p].tobytes(), find_state)
                                for p in new_pos.tolist()]
                if space.states is not None:
                    space.states.extend(fresh_states)
                next_frontier.extend(zip(nums[new].tolist(), fresh_states))
                self._tally("distinct", lab[new_pos])
        if self.keep_edges:
            base = len(space.dst)
            space.out_start.extend((base + starts).astype(np.uint32).tolist())
            space.dst.extend(dst.astype(np.uint32).tolist())
            space.lab.extend(lab.astype(np.uint32).tolist())
            if space.key is not None:
                space.key.extend(out.keys[:total].astype(np.uint32).tolist())
                space.bits.extend(out.bits[:limit])
        return stop


class _Round:
    """Consecutive states of one level, expanded together (in parts, by
    several workers) and merged together."""
    __slots__ = ("index", "numbers", "states", "parts", "outs", "waiting")

    def __init__(self, index, chunk):
        self.index = index
        self.numbers = [n for n, _ in chunk]
        self.states = [s for _, s in chunk]
        self.parts: list = []  # (positions in the round or None, states)
        self.outs: list = []  # (positions or None, chunk result, source)
        self.waiting = 0


class _Scheduler:
    """Forms rounds from the queue of discovered states, hands their parts
    to idle workers and gives back, in state order, the rounds all of whose
    parts are expanded. A round needs only its own states, so the rounds of
    the next level start as soon as enough of its states are known: no
    worker waits for a level to end. A machine may say which worker should
    expand a state (machine.affinity(s), any integer): states that share
    the model's caches then meet the same worker's caches. A worker whose
    own parts are done takes the newest part of another (never one from an
    earlier round than it has already done: a worker sends a state only the
    first time it meets it, and the main process must have merged that
    first time before it merges any later one)."""

    def __init__(self, expander, pool, workers: int, affinity, level_start: list):
        self.expander, self.pool, self.workers, self.affinity = expander, pool, workers, affinity
        self.L = level_start  # first number of each level; the last level's end is not known yet
        self.queue: deque = deque()  # (number, state) discovered, in no round yet
        self.rounds: deque = deque()  # formed, not merged, in order
        self.todo = [deque() for _ in range(workers)]  # (round, part) not handed out yet, per preferred worker
        self.last = [-1] * workers  # the latest round each worker took a part of
        self.count = 0

    def _size(self, level_len: int) -> int:
        per = self.workers * 4 if self.pool is not None else 4
        return max(CHUNK_MIN, min(CHUNK_MAX, level_len // per or 1)) if self.pool is None else \
            self.workers * max(PART_MIN, min(PART_MAX, level_len // per or 1))

    def form(self) -> None:
        q, L = self.queue, self.L
        while q:
            first = q[0][0]
            i = bisect_right(L, first)
            end = L[i] if i < len(L) else None
            start = L[i - 1]
            level_len = (end - start) if end is not None else max(len(q) + first - start, L[-1] - L[-2] if len(L) > 1 else 0)
            size = self._size(level_len)
            take = min(size, end - first) if end is not None else size
            if end is None and len(q) < take:
                return
            chunk = [q.popleft() for _ in range(take)]
            r = _Round(self.count, chunk)
            self.count += 1
            if self.pool is None:
                r.parts = [(None, r.states)]
            elif self.affinity is not None:
                split_ = [[] for _ in range(self.workers)]
                aff, w = self.affinity, self.workers
                for j, s in enumerate(r.states):
                    split_[aff(s) % w].append(j)
                r.parts = [(np.asarray(pos, np.int64), [r.states[j] for j in pos]) if len(pos) < len(r.states)
                           else (None, r.states) for pos in split_ if pos]
                for w, pos in enumerate(split_):
                    if pos:
                        self.todo[w].append((r, len([p for p in split_[:w] if p])))
            else:
                k = -(-len(r.states) // self.workers)
                for w in range(self.workers):
                    pos = list(range(w * k, min(len(r.states), (w + 1) * k)))
                    if pos:
                        r.parts.append((np.asarray(pos, np.int64) if len(pos) < len(r.states) else None,
                                        [r.states[j] for j in pos]))
                        self.todo[w].append((r, len(r.parts) - 1))
            r.waiting = len(r.parts)
            self.rounds.append(r)

    def dispatch(self) -> None:
        if self.pool is None:
            for r in self.rounds:
                if r.waiting:
                    positions, states = r.parts[0]
                    r.outs.append((positions, self.expander.chunk(states, send_all=True), 0))
                    r.waiting = 0
                    return  # one at a time: a stop must not have expanded more than it merges
            return
        for w in self.pool.idle():
            job = None
            if self.todo[w]:
                job = self.todo[w].popleft()
            else:
                for other in sorted(range(self.workers), key=lambda o: -len(self.todo[o])):
                    if self.todo[other] and self.todo[other][-1][0].index >= self.last[w]:
                        job = self.todo[other].pop()
                        break
            if job is None:
                continue
            r, part = job
            self.last[w] = max(self.last[w], r.index)
            self.pool.submit(w, (r, part), r.parts[part][1])

    def collect(self, block: bool) -> None:
        if self.pool is None:
            return
        for w, (r, part), result in self.pool.collect(block):
            r.outs.append((r.parts[part][0], result, w + 1))
            r.waiting -= 1

    def ready(self):
        return self.rounds[0] if self.rounds and not self.rounds[0].waiting else None

    def find_state(self, fp: bytes):
        """A state a worker sent with a round not merged yet (after it met
        it in a part of an earlier round it took later): looked up there."""
        for r in self.rounds:
            for _positions, out, _source in r.outs:
                if not out.states:
                    continue
                for pos, t in out.states:
                    if out.fps[pos * FP_BYTES:(pos + 1) * FP_BYTES] == fp:
                        return t
        raise RuntimeError("a worker did not send a new state: report this")


def explore(machine: Machine, invariants: list[Invariant], *, check_deadlock: bool = True,
            symmetry: bool = True, limits: Limits | None = None, stop_at_first: bool = True,
            progress: Progress | None = None, keep_edges: bool = False, workers: int = 1,
            predicates=(), keep_states: bool = False, exact: bool = False) -> Result:
    """Explore every state reachable from machine.init_states().

    Stops at the first violation (with stop_at_first=False: once every
    property has failed), at a limit (complete=False), at Ctrl-C or SIGTERM,
    or when the reachable set is exhausted (complete=True). With keep_edges
    the state space holds every transition, cut steps included; with
    predicates (liveness), also each state's predicate bits and each edge's
    fairness key. keep_states (or exact, which also checks that states with
    equal fingerprints are equal) keeps every state, not only fingerprints.
    """
    limits = limits or Limits()
    started = time.perf_counter()
    cpu0 = _cpu()
    res = Result(workers=workers, memory=PeakMemory())
    space = res.space = StateSpace(keep_states=keep_states or exact)
    if keep_edges:
        space.keep_edges(liveness=bool(predicates))
    expander = Expander(machine, invariants, check_deadlock, symmetry, predicates, fairness=bool(predicates))
    canon = machine.canonical if symmetry else (lambda s: s)
    enc = getattr(machine, "encode", encode)
    merger = _Merger(space, res, keep_edges, limits.max_states)
    progress = progress or Progress(enabled=False)
    failed: set = set()
    n_props = len(invariants) + (1 if check_deadlock else 0)
    pool = None
    L = space.level_start
    sched = _Scheduler(expander, None, 1, None, L)
    merged = 0  # every state numbered below this is merged
    try:
        for s in machine.init_states():
            c = canon(s)
            lo, hi = split(fingerprint(enc(c)))
            if limits.max_states is not None and len(space.fps) >= limits.max_states:
                res.stop_reason = f"state limit reached ({limits.max_states} states)"
                break
            nums, new = space.fps.insert(lo, hi)
            if new[0]:
                n = int(nums[0])
                space.parent.append(n)
                space.succ.append(0)
                space.init.append(n)
                space.init_states.append(c)
                if space.states is not None:
                    space.states.append(c)
                sched.queue.append((n, c))
        if not res.stop_reason and len(space.fps):
            L.append(len(space.fps))
        stopped = bool(res.stop_reason)
        while not stopped:
            if workers > 1 and pool is None and len(sched.queue) > CHUNK_MIN:
                from .parallel import WorkerPool
                pool = WorkerPool(expander, workers, send_all=keep_states or exact)
                pool.start()  # after the assignment: the finally below closes a pool a signal cut short
                limits.pids = pool.pids
                sched.pool, sched.workers = pool, workers
                sched.todo, sched.last = [deque() for _ in range(workers)], [-1] * workers
                sched.affinity = getattr(machine, "affinity", None)
                for r in sched.rounds:  # formed for this process, not expanded yet: one part each
                    if r.waiting:
                        sched.todo[r.index % workers].append((r, 0))
            sched.form()
            sched.dispatch()
            r = sched.ready()
            if r is None:
                if not sched.rounds:
                    break  # nothing queued, expanding or to merge: every state is expanded
                sched.collect(block=True)
                continue
            sched.rounds.popleft()
            batch = merger.batch(r.outs, len(r.states))
            if exact:
                for _positions, out, _source in r.outs:
                    _check_exact(space, out, machine)
            stopped = merger.merge(r.numbers, r.states, batch, sched.queue, failed, stop_at_first, n_props,
                                   sched.find_state)
            merged = r.numbers[-1] + 1
            if merged == L[-1] and len(space.fps) > L[-1]:
                L.append(len(space.fps))  # the level after the last one is now all known
            res.depth = bisect_right(L, len(space.fps) - 1) - 1
            sched.collect(block=False)
            progress.update(len(space.fps), res.depth + 1, len(sched.queue), tree_rss_mb(limits.pids))
            res.memory.sample(limits.pids)
            reason = limits.reached()
            if reason and not stopped:
                res.stop_reason, stopped = reason, True
    except (KeyboardInterrupt, Interrupted) as err:
        res.stop_reason = stop_reason(err)
        interrupted_once()
    except LimitReached as err:
        res.stop_reason = str(err)
    finally:
        if pool is not None:
            res.memory.sample(pool.pids, force=True)
            pool.close()
        progress.close()
    merger.finish()
    res.states = len(space.fps)
    res.seconds = time.perf_counter() - started
    cpu1 = _cpu()
    res.cpu_main, res.cpu_workers = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    if keep_edges:
        space.seal()
    if res.violations and not res.stop_reason:
        res.stop_reason = "stopped at the first violation" if stop_at_first else "every property failed"
        if not stop_at_first and len(failed) < n_props:
            res.stop_reason = ""
    res.complete = not res.stop_reason
    for v in res.violations:
        v.path = space.path_to(machine, canon, v.number)
    res.peak_memory_mb = res.memory.peak_mb()
    return res


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its reaped children (the
    workers, once closed)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _check_exact(space, out, machine) -> None:
    """--exact: a state whose fingerprint is already known must be that state."""
    enc = getattr(machine, "encode", encode)
    for _pos, t in out.states:
        lo, hi = split(fingerprint(enc(t)))
        n = int(space.fps.lookup(lo, hi)[0])
        if n >= 0 and space.states[n] != t:
            raise RuntimeError(f"fingerprint collision between state {n} and a new state: report this")
