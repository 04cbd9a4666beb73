"""Exhaustive breadth-first search with invariant and deadlock checking.

Breadth-first order makes every counterexample a shortest one. The search
goes level by level; each level's frontier is cut into chunks that are
expanded (explorer/expand.py) in this process or in worker processes
(explorer/parallel.py), and the results are merged here in frontier order.
States are numbered in that order, so the outcome (state counts, the
counterexample, the numbering itself) is the same for any number of workers
and any hash seed. The visited set holds fingerprints (explorer/fingerprint.py);
only the frontier holds states.
"""

import builtins
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .expand import NO_STATE, Expander
from .fingerprint import encode, fingerprint, split
from .limits import (Interrupted, Limits, LimitReached, PeakMemory, interrupted_once, peak_rss_mb, stop_reason,
                     tree_rss_mb)
from .progress import Progress
from .spec import DEADLOCK, Invariant, Machine, State
from .statespace import CUT, StateSpace

CHUNK_MAX = 2048
CHUNK_MIN = 64

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


class _Merger:
    """Folds chunk results into the state space, in frontier order."""

    def __init__(self, space: StateSpace, res: Result, keep_edges: bool, max_states):
        self.space, self.res, self.keep_edges, self.max_states = space, res, keep_edges, max_states
        self.label_map: dict = {}  # source -> list: local label number -> global
        self.key_map: dict = {}

    def _globalise(self, source, numbering, new, intern):
        table = numbering.setdefault(source, [])
        for local, obj in new:
            while len(table) <= local:
                table.append(-1)
            table[local] = intern(obj)
        return np.asarray(table, dtype=np.int64)

    def merge(self, numbers, states, out, source, next_frontier, failed, stop_at_first, n_props):
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
        counts = np.frombuffer(out.counts, dtype=np.uint32)[:limit].astype(np.int64)
        total = int(counts.sum())
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if limit else np.zeros(0, np.int64)
        labels_g = self._globalise(source, self.label_map, out.new_labels, space.label_id)
        lab = labels_g[np.frombuffer(out.labels, dtype=np.uint32)[:total]] if total else np.zeros(0, np.int64)
        if out.coverage and limit == len(states):
            res.coverage.update(out.coverage)
            res.cuts.update(out.cuts)
        elif total:
            for lid in lab:
                res.coverage[space.labels[lid][0]] += 1
        res.transitions += total
        raw = np.frombuffer(out.fps, dtype="V16")[:total]
        valid = raw != np.frombuffer(NO_STATE, dtype="V16")[0]
        if limit != len(states):
            res.cuts.update(space.labels[lid][0] for lid in lab[~valid])
        dst = np.full(total, CUT, dtype=np.int64)
        if valid.any():
            positions = np.flatnonzero(valid)
            uniq, first, inverse = np.unique(raw[positions], return_index=True, return_inverse=True)
            order = np.argsort(first, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            lo, hi = split(uniq[order].tobytes())
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
                payload = dict(out.states)
                fresh_states = [payload[p] for p in new_pos.tolist()]
                if space.states is not None:
                    space.states.extend(fresh_states)
                next_frontier.extend(zip(nums[new].tolist(), fresh_states))
                res.distinct.update(space.labels[lid][0] for lid in lab[new_pos].tolist())
        if self.keep_edges:
            base = len(space.dst)
            space.out_start.extend((base + starts).astype(np.uint32).tolist())
            space.dst.extend(dst.astype(np.uint32).tolist())
            space.lab.extend(lab.astype(np.uint32).tolist())
            if space.key is not None:
                keys_g = self._globalise(source, self.key_map, out.new_keys, space.key_id)
                space.key.extend(keys_g[np.frombuffer(out.keys, dtype=np.uint32)[:total]].astype(np.uint32).tolist())
                space.bits.extend(out.bits[:limit])
        return stop


def _chunks(frontier, workers):
    size = max(CHUNK_MIN, min(CHUNK_MAX, len(frontier) // (workers * 4) or 1))
    return [frontier[i:i + size] for i in range(0, len(frontier), size)]


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
    frontier = []
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
                frontier.append((n, c))
        stopped = bool(res.stop_reason)
        while frontier and not stopped:
            space.level_start.append(len(space.fps))
            nxt: list = []
            if workers > 1 and len(frontier) > CHUNK_MIN and pool is None:
                from .parallel import WorkerPool
                pool = WorkerPool(expander, workers, send_all=keep_states or exact)
                limits.pids = pool.pids
            chunks = _chunks(frontier, workers if pool else 1)
            if pool is not None and len(chunks) > 1:
                results = pool.run([[s for _, s in chunk] for chunk in chunks])
            else:
                results = ((i, 0, expander.chunk([s for _, s in chunk], send_all=True))
                           for i, chunk in enumerate(chunks))
            for i, source, out in results:
                chunk = chunks[i]
                if exact:
                    _check_exact(space, out, machine)
                if merger.merge([n for n, _ in chunk], [s for _, s in chunk], out, source, nxt, failed,
                                stop_at_first, n_props):
                    stopped = True
                    break
                progress.update(len(space.fps), res.depth + 1, len(nxt), tree_rss_mb(limits.pids))
                res.memory.sample(limits.pids)
                reason = limits.reached()
                if reason:
                    res.stop_reason, stopped = reason, True
                    break
            if nxt:
                res.depth += 1
            frontier = nxt
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
