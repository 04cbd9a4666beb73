"""Expanding states in worker processes.

The frontier is cut into chunks; forked workers expand them (invariants,
successors, canonical forms) and the main process merges the results in
frontier order, so the search is the same as the sequential one.

To keep inter-process traffic low, a worker sends a successor only the first
time it meets it: any state it met before was sent in an earlier chunk,
which the main process has merged already. Transition and coverage counts
travel as per-chunk totals. Workers ignore Ctrl-C; the main process stops
them.
"""

import multiprocessing
import signal
from collections import Counter

CHUNK_MAX = 2048
CHUNK_MIN = 64
SENT_MAX = 4_000_000  # states a worker remembers having sent; forgetting only costs traffic

_expander = None  # set in the parent before the fork; workers inherit it
_sent: set = set()


def _init_worker():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _expand_chunk(states):
    global _sent
    expand = _expander.expand
    sent = _sent
    if len(sent) > SENT_MAX:
        sent = _sent = set()
    coverage: Counter = Counter()
    cuts: Counter = Counter()
    transitions = 0
    out = []
    for s in states:
        bad, terminal, succ = expand(s)
        fresh = []
        for label, t in succ:
            name = label[0]
            coverage[name] += 1
            if t is None:
                cuts[name] += 1
            elif t not in sent:
                sent.add(t)
                fresh.append((label, t))
        transitions += len(succ)
        out.append((bad, terminal, fresh))
    return out, coverage, cuts, transitions


def pool_runner(expander, workers: int, res):
    """(run, close): run(frontier) yields (state, violations, terminal,
    successors) in frontier order and adds the transition counts to res."""
    global _expander
    _expander = expander
    pool = None  # started when a frontier is big enough to share out

    def run(frontier):
        nonlocal pool
        if len(frontier) <= CHUNK_MIN:
            chunks = [frontier]
            results = [_local(expander, frontier)]
        else:
            if pool is None:
                pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
            size = max(CHUNK_MIN, min(CHUNK_MAX, len(frontier) // (workers * 4)))
            chunks = [frontier[i:i + size] for i in range(0, len(frontier), size)]
            results = pool.imap(_expand_chunk, chunks)
        for chunk, (out, coverage, cuts, transitions) in zip(chunks, results):
            res.coverage.update(coverage)
            res.cuts.update(cuts)
            res.transitions += transitions
            for s, (bad, terminal, fresh) in zip(chunk, out):
                yield s, bad, terminal, fresh

    def close():
        if pool is not None:
            pool.terminate()
            pool.join()

    return run, close


def _local(expander, states):
    """Expand a small frontier in the main process (no traffic)."""
    coverage: Counter = Counter()
    cuts: Counter = Counter()
    out, transitions = [], 0
    for s in states:
        bad, terminal, succ = expander.expand(s)
        for label, t in succ:
            coverage[label[0]] += 1
            if t is None:
                cuts[label[0]] += 1
        transitions += len(succ)
        out.append((bad, terminal, [(label, t) for label, t in succ if t is not None]))
    return out, coverage, cuts, transitions
