"""Expanding chunks of the frontier in worker processes.

Workers are forked once per search and keep the model (and its memo caches)
between chunks. The protocol never lets a send block against a send: a
chunk goes only to a worker that is idle, waiting to receive, and the main
process reads every result before it hands that worker more work. So there
is no feeder thread and nothing to hang on at shutdown: workers that are
still computing when the search stops are killed, and every child is
reaped (no orphan). Workers ignore Ctrl-C; the main process stops them.
Ctrl-C and SIGTERM are deferred while the workers are forked (a handler
that only notes them): a child never runs the parent's handler before it
sets its own, and the parent takes a signal that came meanwhile once the
pool is whole and can be closed. (Blocking them with pthread_sigmask would
not do: it blocks them for one thread, and a progress bar's thread would
take them for the main thread all the same.)
"""

import multiprocessing
import os
import signal
import threading
import traceback
from multiprocessing.connection import wait

_expander = None  # set in the parent before the fork; workers inherit it


class WorkerFailed(RuntimeError):
    """An exception raised while a worker expanded a chunk (its traceback in .trace)."""

    def __init__(self, message: str, trace: str = ""):
        super().__init__(message)
        self.trace = trace


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)


class WorkerPool:
    """Worker processes: made by start(), always ended by close() (which a
    pool that failed to start, or started only some, needs too)."""

    def __init__(self, expander, workers: int, send_all: bool = False):
        self.expander, self.workers, self.send_all = expander, workers, send_all
        self.conns, self.procs, self.busy = [], [], []

    def start(self) -> "WorkerPool":
        global _expander
        _expander = self.expander
        ctx = multiprocessing.get_context("fork")
        came: list[int] = []
        handlers = {}
        if threading.current_thread() is threading.main_thread():  # only the main thread may set handlers
            handlers = {n: signal.signal(n, lambda signum, _frame: came.append(signum)) for n in _STOP_SIGNALS}
        try:
            for _ in range(self.workers):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(child, self.send_all), daemon=True)
                self.conns.append(parent)
                self.busy.append(False)
                self.procs.append(proc)
                proc.start()
                child.close()
        finally:
            for n, handler in handlers.items():
                signal.signal(n, handler)
            if came:  # taken now, by the handler it was meant for (which raises: the caller closes the pool)
                _deliver(came[0], handlers[came[0]])
        return self

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
            if proc.pid is None:
                continue  # never forked
            proc.join(timeout=0.5 if self.busy[w] is False else 0)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []
