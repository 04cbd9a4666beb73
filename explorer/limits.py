"""Limits on a run (states, seconds, memory) and how to tell one is reached.

Memory is the resident size of the whole process tree: this process and the
worker processes it started (read from /proc on Linux; elsewhere the peak of
this process alone). A run's peak memory (PeakMemory) is its own: the high
water mark of this process is reset when the run starts, and the workers'
share is sampled while they live. Time counts from the start of the run, across phases
(safety search, liveness, export), so one --max-seconds bounds them all.
"""

import os
import resource
import signal
import sys
import time
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class LimitReached(Exception):
    """A phase stopped at a limit; the message says which."""


@dataclass
class Limits:
    max_states: int | None = None
    max_seconds: float | None = None
    max_memory_mb: float | None = None
    started: float = field(default_factory=time.perf_counter)
    pids: list = field(default_factory=list)  # worker processes, counted in the memory limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def reached(self) -> str:
        """Why the run must stop now ("" while it may go on)."""
        if _signalled[0]:  # a Ctrl-C or SIGTERM whose exception something swallowed (see _interrupt)
            return _signalled[0]
        if self.max_seconds is not None and self.elapsed() >= self.max_seconds:
            return f"time limit reached ({self.max_seconds:g} s)"
        if self.max_memory_mb is not None and tree_rss_mb(self.pids) >= self.max_memory_mb:
            return f"memory limit reached ({self.max_memory_mb:g} MB)"
        return ""

    def check(self) -> None:
        reason = self.reached()
        if reason:
            raise LimitReached(reason)


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def tree_rss_mb(pids=()) -> float:
    if not os.path.exists("/proc/self/statm"):
        return peak_rss_mb()
    return rss_mb() + sum(rss_mb(p) for p in pids)


def peak_rss_mb() -> float:
    """This process's peak resident set over its whole life (and, on Linux,
    its parent's at the exec that started it: not a figure for one run)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _proc_kb(path: str, key: str) -> float | None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def hwm_mb() -> float | None:
    """This process's peak resident set since the last reset_hwm() (VmHWM)."""
    kb = _proc_kb("/proc/self/status", "VmHWM:")
    return None if kb is None else kb / 1024.0


def reset_hwm() -> bool:
    """Reset this process's high water mark to its current resident set
    (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def pss_mb(pid: int | str = "self") -> float:
    """A process's proportional resident set: its private pages, and its
    share of the pages it shares (a forked worker shares the parent's
    pages until one of them writes): summed over a process tree, every
    resident page counts once. The resident set where Pss is not shown."""
    kb = _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    return rss_mb(pid) if kb is None else kb / 1024.0


class PeakMemory:
    """The peak resident memory of one run: the larger of this process's
    high water mark since the run began and the largest sampled total of
    this process and its workers (proportional sets, so shared pages count
    once). With workers, samples are taken at most every `every` seconds
    (reading a proportional set costs milliseconds), and when the workers
    are about to stop: the memory of a search grows as it goes."""

    def __init__(self, every: float = 5.0):
        self.every = every
        self.last = -every
        self.sampled = 0.0
        self.reset = reset_hwm()
        if not self.reset:  # no reset: the process's lifetime peak would not be this run's
            self.sample((), force=True)

    def sample(self, pids=(), force: bool = False) -> None:
        now = time.perf_counter()
        if not force and (not pids or now - self.last < self.every):
            return
        self.last = now
        total = pss_mb() + sum(pss_mb(p) for p in pids)
        self.sampled = max(self.sampled, total)

    def peak_mb(self) -> float:
        own = hwm_mb() if self.reset else None
        if own is None:
            self.sample((), force=True)
            if not self.reset and not os.path.exists("/proc/self/smaps_rollup"):
                return peak_rss_mb()
            return self.sampled
        return max(own, self.sampled)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: stop cleanly with the statistics so far."""


def _exit_now(signum, frame):
    sys.stderr.write("\ngosched-mc: interrupted again; exiting at once\n")
    sys.stderr.flush()
    os._exit(3)


_signalled = [""]  # why a signal asked the run to stop ("" until one has)


def _interrupt(signum, frame):
    """Ctrl-C or SIGTERM: raise Interrupted where the main thread is, and
    remember it. Python raises a handler's exception at whatever bytecode
    runs next, and some places swallow it (a finaliser or a garbage
    collector callback only prints "Exception ignored"), so the reason is
    also kept here: Limits.reached() gives it, and every phase that checks
    its limits stops at the next check even if the exception was lost."""
    reason = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted (Ctrl-C)"
    _signalled[0] = reason
    raise Interrupted(reason)


def install_signal_handlers() -> None:
    """Ctrl-C and SIGTERM stop a run cleanly (see _interrupt); a new run
    starts with no signal remembered."""
    _signalled[0] = ""
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread
        pass


def interrupted_once() -> None:
    """After a first Ctrl-C or SIGTERM has been caught, a second one exits at
    once (the run is already stopping; someone wants it gone)."""
    try:
        signal.signal(signal.SIGINT, _exit_now)
        signal.signal(signal.SIGTERM, _exit_now)
    except ValueError:  # not the main thread
        pass


def stop_reason(err: BaseException) -> str:
    text = str(err)
    return text if text.startswith("terminated") else "interrupted (Ctrl-C)"


def signalled() -> str:
    """Why a signal asked this run to stop ("" if none has)."""
    return _signalled[0]


def save_signal_handlers():
    try:
        return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    except ValueError:
        return None


def restore_signal_handlers(saved) -> None:
    if saved is None:
        return
    try:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])
    except (ValueError, TypeError):
        pass
