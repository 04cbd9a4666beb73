"""Expanding states in worker processes.

The frontier is cut into chunks; forked workers expand them (invariants,
successors, canonical forms) and the main process merges the results in
frontier order, so the search is the same as the sequential one.

To keep inter-process traffic low, a worker sends a successor only the first
time it meets it: any state it met before was sent in an earlier chunk,
which the main process has merged already. The action names of all
successors travel too, for the counts. When a graph is being recorded every
successor is sent. Workers ignore Ctrl-C; the main process stops them.
"""

import multiprocessing
import signal

CHUNK_MAX = 2048
CHUNK_MIN = 64
SENT_MAX = 4_000_000  # states a worker remembers having sent; forgetting only costs traffic

_expander = None  # set in the parent before the fork; workers inherit it
_send_all = False  # a graph is being recorded: send every successor, cut steps included
_sent: set = set()


def _init_worker():
    global _sent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _sent = set()


def _expand_chunk(states, local=False):
    """Per state: (violations, terminal, successors to send, action names, cut action names).
    In a worker, a successor already sent is left out; `local` (the main
    process itself) keeps them all."""
    global _sent
    expand = _expander.expand
    if len(_sent) > SENT_MAX:
        _sent = set()
    sent, send_all = _sent, _send_all or local
    out = []
    for s in states:
        bad, terminal, succ = expand(s)
        names = tuple([label[0] for label, _ in succ])
        cuts = tuple([label[0] for label, t in succ if t is None])
        if send_all:
            fresh = succ if _send_all else [(label, t) for label, t in succ if t is not None]
        else:
            fresh = []
            for label, t in succ:
                if t is not None and t not in sent:
                    sent.add(t)
                    fresh.append((label, t))
        out.append((bad, terminal, fresh, names, cuts))
    return out


def pool_runner(expander, workers: int, res, send_all: bool = False):
    """(run, close): run(frontier) yields (state, violations, terminal,
    successors) in frontier order and adds the transition counts to res."""
    global _expander, _send_all
    _expander, _send_all = expander, send_all
    pool = None  # started when a frontier is big enough to share out
    coverage, cut_counts = res.coverage, res.cuts

    def run(frontier):
        nonlocal pool
        if len(frontier) <= CHUNK_MIN:
            chunks = [frontier]
            results = [_expand_chunk(frontier, local=True)]
        else:
            if pool is None:
                pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
            size = max(CHUNK_MIN, min(CHUNK_MAX, len(frontier) // (workers * 4)))
            chunks = [frontier[i:i + size] for i in range(0, len(frontier), size)]
            results = pool.imap(_expand_chunk, chunks)
        for chunk, out in zip(chunks, results):
            for s, (bad, terminal, fresh, names, cuts) in zip(chunk, out):
                coverage.update(names)
                res.transitions += len(names)
                if cuts:
                    cut_counts.update(cuts)
                yield s, bad, terminal, fresh

    def close():
        if pool is not None:
            pool.terminate()
            pool.join()

    return run, close
