"""Expanding chunks of the frontier in worker processes.

Workers are forked once per search and keep the model (and its memo caches)
between chunks. The protocol never lets a send block against a send: a
chunk goes only to a worker that is idle, waiting to receive, and the main
process reads every result before it hands that worker more work. So there
is no feeder thread and nothing to hang on at shutdown: workers that are
still computing when the search stops are killed, and every child is
reaped (no orphan). Workers ignore Ctrl-C; the main process stops them.
"""

import multiprocessing
import os
import signal
import traceback
from multiprocessing.connection import wait

_expander = None  # set in the parent before the fork; workers inherit it


class WorkerFailed(RuntimeError):
    """An exception raised while a worker expanded a chunk (its traceback in .trace)."""

    def __init__(self, message: str, trace: str = ""):
        super().__init__(message)
        self.trace = trace


def _serve(conn, send_all: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    expander = _expander
    expander.reset_interning()  # numbers this worker sends start afresh (the parent's are the parent's)
    try:
        while True:
            msg = conn.recv()
            if msg is None:
                break
            index, states = msg
            try:
                result = expander.chunk(states, send_all)
            except Exception as err:  # the model failed on a state: the main process re-raises it
                result = WorkerFailed(f"{type(err).__name__}: {err}", traceback.format_exc())
            conn.send((index, result))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        conn.close()
        os._exit(0)


class WorkerPool:
    def __init__(self, expander, workers: int, send_all: bool = False):
        global _expander
        _expander = expander
        ctx = multiprocessing.get_context("fork")
        self.conns, self.procs = [], []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, send_all), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self.busy = [False] * workers

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid]

    def idle(self) -> list[int]:
        return [w for w, busy in enumerate(self.busy) if busy is False]

    def submit(self, w: int, key, states) -> None:
        """Hand an idle worker states to expand; collect() gives back key with the result."""
        assert self.busy[w] is False
        self.conns[w].send((0, states))
        self.busy[w] = key

    def collect(self, block: bool = True) -> list:
        """(worker, key, result) for every worker that has finished; with
        block, wait until at least one has (if any is busy)."""
        conns = [c for w, c in enumerate(self.conns) if self.busy[w] is not False]
        if not conns:
            return []
        out = []
        for conn in wait(conns, None if block else 0):
            w = self.conns.index(conn)
            try:
                _, result = conn.recv()
            except EOFError:
                raise RuntimeError("a worker process died (out of memory?)") from None
            key, self.busy[w] = self.busy[w], False
            if isinstance(result, WorkerFailed):
                raise result
            out.append((w, key, result))
        return out

    def close(self) -> None:
        for w, conn in enumerate(self.conns):
            if self.busy[w] is not False:
                continue
            try:
                conn.send(None)
            except OSError:
                pass
        for w, proc in enumerate(self.procs):
            proc.join(timeout=0.5 if self.busy[w] is False else 0)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []
