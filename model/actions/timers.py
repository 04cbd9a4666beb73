"""Timers, minimally (issue 12, item 5): a goroutine sleeps on a timer of
its P's heap (`time.Sleep`); the timer fires when its time passes (the
clock, model/actions/clock.py); findRunnable runs due timers (checkTimers),
an M with no P polls the network until the next timer (netpoll(delay)),
which may return empty, and handoffp wakes the poller for the timers of a P
it idles (wakeNetPoller: netpollBreak, or wakep).

A timer is a G in WAIT_TIMER (WAIT_TIMER_DUE once its time has passed)
whose G.timerp is the P whose heap holds it. Abstracts: timer values and
the heap order, timer modification and deletion, timer-stealing's exact
passes, pollUntil (any poll for timers wakes when one is due), and
sysmon's startm for an overdue timer (timeSleepUntil < now)."""

from ..vocab import (M_NETPOLL, M_RUN, M_SCHEDULE, M_STOPM, PC_WAKEP1, WAIT_NONE, WAIT_TIMER, WAIT_TIMER_DUE,
                     _Grunnable, _Grunning, _Gwaiting, _Pidle)
from ..workload import OP_SLEEP
from .common import advance, netpoll_ready
from .goroutine import _dropg
from .registry import action


def due_timers(rt, s) -> list:
    """(g, timer's P) for every timer whose time has passed."""
    return [(g, s[rt.L.g_timerp[g]] - 1) for g, w in enumerate(rt.g_waits(s)) if w == WAIT_TIMER_DUE]


def p_has_timers(rt, s, pp) -> bool:
    return any(s[rt.L.g_timerp[g]] == pp + 1 for g, w in enumerate(rt.g_waits(s)) if w in (WAIT_TIMER, WAIT_TIMER_DUE))


@action("timeSleep", "timeSleep, resetForSleep, gopark, park_m, dropg", pcs=(M_RUN,), params=("G", "P"),
        ops=(OP_SLEEP,))
def timeSleep(rt, s, m, out):
    """op sleep: timeSleep sets gp.timer and parks (gopark with
    resetForSleep): the timer goes on this P's heap (t.maybeAdd), the G
    is _Gwaiting until the timer's goroutineReady readies it. Abstracts: the
    duration (the clock's timer_fires says when it has passed)."""
    g = s[rt.m_curg[m]] - 1
    pp = rt.own_p(s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gwaiting)
    b[rt.L.g_wait[g]] = WAIT_TIMER
    b[rt.L.g_timerp[g]] = pp + 1
    _dropg(rt, b, m)
    advance(rt, b, g)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("timeSleep", m, g, pp), rt.freeze(b)))


@action("findRunnable_checkTimers", "findRunnable, goroutineReady, ready, runqput, wakep",
        pcs=(M_SCHEDULE,), params=("P", "G"))
def findRunnable_checkTimers(rt, s, m, out):
    """findRunnable (proc.go:3403): pp.timers.check(0, nil) runs the due
    timers of this P (or, as stealWork's last pass does, of an idle P's
    heap): goroutineReady -> ready(gp, next=true) puts the sleeper in this
    P's runnext and calls wakep; findRunnable goes on. A spinning M too: the
    check at findRunnable's top does not look at m.spinning, and stealWork's
    timer pass returns newWork (`goto top`) once its P has work; either way
    the M then takes the G from its own queue and schedule() resets its
    spinning. Abstracts: which of stealWork's passes runs an idle P's timers
    (here: the top), the timer heap."""
    pp = rt.own_p(s, m)
    for g, tp in due_timers(rt, s):
        if tp != pp and s[rt.p_status[tp]] != _Pidle:
            continue
        b = rt.copy(s)
        rt.casgstatus(b, g, _Gwaiting, _Grunnable)
        b[rt.L.g_wait[g]] = WAIT_NONE
        b[rt.L.g_timerp[g]] = 0
        rt.runqput(b, pp, g, True)
        rt.call(b, m, PC_WAKEP1, M_SCHEDULE)
        out.append((("findRunnable_checkTimers", m, pp, g), rt.freeze(b)))


def _netpoll_returns_empty(rt, s, m, out, name) -> None:
    """findRunnable after netpoll(delay) returned an empty list (proc.go:3742-3803):
    under sched.lock pidleget; with a P, acquirep and `goto top` (where
    checkTimers runs a due timer); without, stopm."""
    b = rt.copy(s)
    b[rt.L.netpolling] = 0
    b[rt.L.netpollBreak] = 0
    if b[rt.pidle_slots[0]]:
        rt.acquirep(b, m, rt.pidleget(b))
        b[rt.pc[m]] = M_SCHEDULE
    else:
        b[rt.pc[m]] = M_STOPM
    out.append(((name, m), rt.freeze(b)))


@action("netpoll_empty", "findRunnable, netpoll, pidleget, acquirep, stopm", pcs=(M_NETPOLL,))
def netpoll_empty(rt, s, m, out):
    """findRunnable (proc.go:3580-3610): netpoll(delay) returns an empty
    list: its delay (the next timer, pollUntil) ran out, or netpollBreak
    interrupted it. Under sched.lock pidleget: with a P, acquirep and `goto
    top` (where checkTimers runs the timer); without, stopm. Abstracts:
    pollUntil's value; netpollAdjustWaiters."""
    if netpoll_ready(rt, s) or not (due_timers(rt, s) or s[rt.L.netpollBreak]):
        return
    _netpoll_returns_empty(rt, s, m, out, "netpoll_empty")


@action("netpoll_early", "findRunnable, netpoll, pidleget, acquirep, stopm", pcs=(M_NETPOLL,))
def netpoll_early(rt, s, m, out):
    """netpoll(delay) returns an empty list before the timer it waits for is
    due (netpoll_epoll.go): epoll_wait waits whole milliseconds (waitms =
    delay / 1e6, rounding down) and returns early on EINTR ("If a timed sleep
    was interrupted, just return to recalculate how long we should sleep
    now": waitms > 0). findRunnable then goes on as for any empty poll. Only
    a timed poll returns so (with no timer, delay < 0 and an EINTR retries).
    Seen in a real Go 1.27 trace (tests/data/gotrace/netpoll.go1.27.p4.early.txt).
    Abstracts: how early (any pending timer's poll may return early)."""
    if (netpoll_ready(rt, s) or due_timers(rt, s) or s[rt.L.netpollBreak]
            or not rt.timers_pending(s)):
        return
    _netpoll_returns_empty(rt, s, m, out, "netpoll_early")
