"""Ctrl-C and SIGTERM stop a search cleanly, wherever they land.

The end-to-end check (a real `check --workers 2` stopped by a signal) is in
test_verdicts; these place the signal where a timed signal lands only now
and then: where its exception is swallowed, and while the workers fork. The
two met in a real hang: a Ctrl-C landed while a worker was forked, its
KeyboardInterrupt was raised in logging's after-fork callback (where Python
only prints "Exception ignored") and the search went on.
"""

import multiprocessing
import os
import signal
import time

import pytest

from explorer.limits import Limits, install_signal_handlers, restore_signal_handlers, save_signal_handlers, signalled
from explorer.search import explore
from tests.test_engine import GraphMachine


@pytest.fixture
def handlers():
    saved = save_signal_handlers()
    install_signal_handlers()
    yield
    install_signal_handlers()  # no signal remembered after the test
    restore_signal_handlers(saved)


def _signal_self(signum) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # the handler runs at the next bytecode; this gives it one


def test_a_signal_whose_exception_was_swallowed_still_stops_the_run(handlers):
    """A finaliser or a gc callback only prints an exception raised in it;
    the reason is kept where every limit check sees it."""
    for signum, reason in ((signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated (SIGTERM)")):
        install_signal_handlers()
        assert Limits().reached() == "" and signalled() == ""
        try:
            _signal_self(signum)
        except KeyboardInterrupt:
            pass  # swallowed
        assert Limits().reached() == reason == signalled()
    install_signal_handlers()  # the next run starts afresh
    assert Limits().reached() == ""


class SwallowingChain(GraphMachine):
    """A chain whose step from state `at` takes a signal and swallows it."""

    def __init__(self, n, at):
        super().__init__(n, [(i, i + 1, 0) for i in range(n - 1)], [0])
        self.at = at

    def successors(self, s):
        if s == self.at:
            try:
                _signal_self(signal.SIGINT)
            except KeyboardInterrupt:
                pass
        return super().successors(s)


def test_a_search_stops_at_a_swallowed_interrupt(handlers):
    res = explore(SwallowingChain(5000, at=100), [], workers=1)
    assert not res.complete and res.stop_reason == "interrupted (Ctrl-C)"
    assert 100 < res.states < 5000


def test_a_signal_while_the_workers_fork_leaves_no_worker_behind(handlers, monkeypatch):
    """The signal comes as the first worker is forked: the children start
    with it blocked (they never run the parent's handler), the parent takes
    it once every worker is started, and the search closes the pool."""
    wide = GraphMachine(400, [(0, i, 0) for i in range(1, 400)] + [(i, (i * 7) % 400, 1) for i in range(400)], [0])
    real_start = multiprocessing.context.ForkProcess.start
    started = []

    def start(proc):
        if not started:
            os.kill(os.getpid(), signal.SIGINT)  # pending: start() has it blocked
        started.append(proc)
        real_start(proc)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start)
    res = explore(wide, [], workers=2)
    assert len(started) == 2, "the signal was taken before every worker was started"
    assert not res.complete and res.stop_reason == "interrupted (Ctrl-C)"
    assert all(p.exitcode is not None for p in started), "a worker outlived the search"
    assert not [p for p in multiprocessing.active_children() if p in started]
    assert all(p.exitcode == 0 for p in started), [p.exitcode for p in started]  # stopped, not killed by a signal
