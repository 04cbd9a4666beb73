"""schedule() and findRunnable(): how an M with a P finds the next G, and how
an M without work gives up its P and parks.

The spinning-thread protocol (proc.go's header comment, "Worker thread
parking/unparking") lives here: a spinning M that found nothing drops its P,
then drops nmspinning, then re-checks every run queue (M_DROPP ->
M_STOPSPIN -> M_RECHECK), each its own step so that the race with a
submitter's runqput + wakep is an interleaving the checker explores.
"""

from ..vocab import (M_ACQUIRE, M_DROPP, M_EXECUTE, M_IDLE, M_NETBLOCK, M_NETPOLL, M_RECHECK,
                     M_RESETSPIN, M_SCHEDULE, M_STEAL, M_STOPM, M_STOPSPIN, PC_WAKEP1, WAIT_NONE,
                     _Grunnable, _Gwaiting)
from .common import found, found_after_inject, injectglist, netpoll_ready, netpoll_waiters
from .registry import action


def _own_p(rt, s, m) -> int:
    return rt.own_p(s, m)


def past_top(rt, s, m) -> bool:
    """schedule() and findRunnable's top let this M look for work: it is not
    locked to a G (schedule: stoplockedm, proc.go:4130), no stop of the
    world is pending (findRunnable: gcstopm, 3391) and its P owes no
    safe-point function (runSafePointFn, 3395)."""
    L = rt.L
    return not (s[L.m_lockedg[m]] or s[L.gcwaiting] or s[L.p_runSafePointFn[rt.own_p(s, m)]])


def _on_pidle(rt, s, pp) -> bool:
    return any(s[o] == pp + 1 for o in rt.pidle_slots)


def _has_work(rt, s, pp) -> bool:
    return not rt.runqempty(s, pp)


def _nothing_to_get(rt, s, m) -> bool:
    """Past findRunnable's top, local and global queues empty, and
    non-blocking netpoll returns nothing."""
    if s[rt.globq[0]] or not past_top(rt, s, m):
        return False
    if not rt.runqempty(s, rt.own_p(s, m)):
        return False
    return s[rt.L.netpolling] or not netpoll_ready(rt, s)


def _may_spin(rt, s, m) -> bool:
    """`mp.spinning || 2*nmspinning < gomaxprocs-npidle`: at most half the busy
    Ps may have a spinning M."""
    L = rt.L
    return s[rt.m_spinning[m]] or 2 * rt.nmspinning(s) < rt.gomaxprocs - s[L.npidle]


@action("acquirep", "stopm, mstart1, acquirep", pcs=(M_ACQUIRE,), params=("P",))
def acquirep(rt, s, m, out):
    """An M woken by startm (mPark returns in stopm) or started by newm (mstart1)
    wires m.nextp: acquirep(nextp), then findRunnable from the top (where
    gcstopm and runSafePointFn come first). Abstracts: mcache flush,
    tracing."""
    pp = s[rt.m_nextp[m]] - 1
    b = rt.copy(s)
    b[rt.m_nextp[m]] = 0
    rt.acquirep(b, m, pp)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("acquirep", m, pp), rt.freeze(b)))


@action("findRunnable_runqget", "schedule, findRunnable, runqget", pcs=(M_SCHEDULE,), params=("P", "G"))
def findRunnable_runqget(rt, s, m, out):
    """findRunnable: runqget(pp) takes runnext, else the head of the local queue.
    A G taken from runnext inherits the time slice (inheritTime: execute
    does not bump schedtick), so two Gs readying each other through runnext
    share one slice. A spinning M finds local work here only after running
    timers (findRunnable_checkTimers); found() resets its spinning.
    Abstracts: GC workers, the trace reader."""
    pp = _own_p(rt, s, m)
    if not _has_work(rt, s, pp) or not past_top(rt, s, m):
        return
    b = rt.copy(s)
    inheritTime = bool(b[rt.p_runnext[pp]])
    gp = rt.runqget(b, pp)
    found(rt, b, m, gp, inheritTime)
    out.append((("findRunnable_runqget", m, pp, gp), rt.freeze(b)))


@action("findRunnable_globrunq61", "findRunnable, globrunqget", pcs=(M_SCHEDULE,), params=("P", "G"))
def findRunnable_globrunq61(rt, s, m, out):
    """findRunnable (proc.go:3431): `pp.schedtick%61 == 0 &&
    !sched.runq.empty()`: once in a while the global queue is checked first,
    even with local work, and globrunqget takes one G under sched.lock ("two
    goroutines can completely occupy the local runqueue by constantly
    respawning each other"). Abstracts schedtick to one bit per P (tick61):
    set by this pick, whose execute starts a new slice (schedtick++), and
    cleared by the next new slice; while it is set the branch is not taken
    (schedtick is 1 past a multiple of 61, or more). Otherwise the branch may
    be taken whenever the global queue has work and the local queue too (with
    an empty local queue the model lets findRunnable_globrunq take a batch
    instead: the one G the 61 branch takes is the batch's first); nothing
    forces it (it is not a fairness assumption)."""
    pp = _own_p(rt, s, m)
    if not s[rt.globq[0]] or s[rt.p_tick61[pp]] or not _has_work(rt, s, pp):
        return
    b = rt.copy(s)
    gp = rt.qpop(b, rt.globq) - 1
    found(rt, b, m, gp)
    b[rt.p_tick61[pp]] = 1
    out.append((("findRunnable_globrunq61", m, pp, gp), rt.freeze(b)))


@action("findRunnable_globrunq", "findRunnable, globrunqgetbatch, runqputbatch", pcs=(M_SCHEDULE,), params=("P", "G"))
def findRunnable_globrunq(rt, s, m, out):
    """findRunnable: the local queue is empty; under sched.lock globrunqgetbatch
    takes a G to run and moves a batch to the local queue. Abstracts:
    inheritTime; timers, GC workers and the trace reader checked before it."""
    if not s[rt.globq[0]] or not past_top(rt, s, m):
        return
    pp = _own_p(rt, s, m)
    if _has_work(rt, s, pp):
        return
    b = rt.copy(s)
    gp = rt.globrunqgetbatch(b, pp)
    found(rt, b, m, gp)
    out.append((("findRunnable_globrunq", m, pp, gp), rt.freeze(b)))


@action("findRunnable_netpoll", "findRunnable, netpoll, injectglist", pcs=(M_SCHEDULE,), params=("P", "G"))
def findRunnable_netpoll(rt, s, m, out):
    """findRunnable: queues empty, nobody blocked in netpoll (lastpoll != 0):
    netpoll(0) returns the Gs whose fds are ready; run the first, injectglist
    the rest. Abstracts: pollingNet, netpollAdjustWaiters."""
    if s[rt.globq[0]] or s[rt.L.netpolling] or not past_top(rt, s, m):
        return
    pp = _own_p(rt, s, m)
    if _has_work(rt, s, pp):
        return
    ready = netpoll_ready(rt, s)
    if not ready:
        return
    b = rt.copy(s)
    gp, rest = ready[0], ready[1:]
    rt.casgstatus(b, gp, _Gwaiting, _Grunnable)
    b[rt.L.g_wait[gp]] = WAIT_NONE
    found_after_inject(rt, b, m, gp, rest)
    out.append((("findRunnable_netpoll", m, pp, gp), rt.freeze(b)))


def _start_stealing(rt, b, m) -> None:
    if not b[rt.m_spinning[m]]:
        rt.becomeSpinning(b, m)


@action("findRunnable_becomeSpinning", "findRunnable, becomeSpinning", pcs=(M_SCHEDULE,), params=("P",))
def findRunnable_becomeSpinning(rt, s, m, out):
    """findRunnable (proc.go:3505): the local queue, the global queue (under
    sched.lock, released again) and netpoll(0) gave nothing, and `mp.spinning
    || 2*nmspinning < gomaxprocs-npidle`: becomeSpinning if not yet spinning,
    then stealWork (M_STEAL). A separate step from stealing: a G put on the
    global queue after findRunnable looked at it is not seen by stealWork,
    only by the re-checks after the P is dropped. Abstracts: nothing else."""
    if not _nothing_to_get(rt, s, m) or not _may_spin(rt, s, m):
        return
    b = rt.copy(s)
    _start_stealing(rt, b, m)
    b[rt.pc[m]] = M_STEAL
    out.append((("findRunnable_becomeSpinning", m, _own_p(rt, s, m)), rt.freeze(b)))


def stealing(rt, s, m) -> bool:
    """In stealWork's loop (M_STEAL), which returns to findRunnable's top
    (newWork) when it sees gcwaiting before a victim."""
    return not s[rt.L.gcwaiting]


def _unvisited(rt, s, m, pp):
    """The Ps stealWork has still to look at: not pp, not idle (idlepMask:
    idle Ps are skipped), not already found empty (the M's `arg`, a bit
    per P)."""
    seen = s[rt.L.proc_arg[m]]
    return [p2 for p2 in range(rt.L.np) if p2 != pp and not _on_pidle(rt, s, p2) and not (seen >> p2) & 1]


def _leave_stealWork(rt, b, m, pc) -> None:
    b[rt.L.proc_arg[m]] = 0
    b[rt.pc[m]] = pc


@action("runqsteal", "stealWork, runqsteal, runqgrab", pcs=(M_STEAL,), params=("P", "P", "G"))
def runqsteal(rt, s, m, out):
    """stealWork (proc.go:3816) runqsteals from a P it has not looked at yet
    that has work: runqgrab takes half of its queue (rounded up), or its
    runnext if the queue is empty; the last G taken runs, the rest go to this
    P's queue. One step per victim, in any order (stealWork's random order).
    Abstracts: stealing timers, the 3us back-off before taking runnext and
    runnext only on the last of the four passes (the model may take it at
    once), the later passes (see stealWork_victim_empty)."""
    if not stealing(rt, s, m):
        return
    pp = _own_p(rt, s, m)
    for p2 in rt.choose([p2 for p2 in _unvisited(rt, s, m, pp) if _has_work(rt, s, p2)]):
        b = rt.copy(s)
        b[rt.L.proc_arg[m]] = 0
        batch = rt.runqgrab(s, b, p2)
        gp = batch.pop()
        if rt.runqputbatch(b, pp, batch):
            rt.throw(b, "runqsteal: runq overflow")
        found(rt, b, m, gp)
        out.append((("runqsteal", m, pp, p2, gp), rt.freeze(b)))


@action("stealWork_victim_empty", "stealWork, runqsteal, runqgrab", pcs=(M_STEAL,), params=("P", "P"))
def stealWork_victim_empty(rt, s, m, out):
    """stealWork looks at a P it has not looked at yet and runqgrab finds its
    queue and runnext empty: the M records it (arg) and goes on to the next
    victim; after the last one stealWork returns nothing and findRunnable
    goes on to drop its P (M_DROPP) in the same step (nothing between is
    visible). Abstracts: the four passes: a victim found empty is not looked
    at again (the later passes may run at once; a G queued there after the
    look is found by the re-check after the P is dropped)."""
    if not stealing(rt, s, m):
        return
    pp = _own_p(rt, s, m)
    todo = _unvisited(rt, s, m, pp)
    for p2 in rt.choose([p2 for p2 in todo if not _has_work(rt, s, p2)]):
        b = rt.copy(s)
        if len(todo) == 1:
            _leave_stealWork(rt, b, m, M_DROPP)
        else:
            b[rt.L.proc_arg[m]] |= 1 << p2
        out.append((("stealWork_victim_empty", m, pp, p2), rt.freeze(b)))


@action("stealWork_none", "stealWork", pcs=(M_STEAL,), params=("P",))
def stealWork_none(rt, s, m, out):
    """stealWork has no P left to look at (the rest are idle: idlepMask) and
    returns nothing; findRunnable goes on to drop its P. Abstracts: timers
    stolen on the last pass."""
    pp = _own_p(rt, s, m)
    if not stealing(rt, s, m) or _unvisited(rt, s, m, pp):
        return
    b = rt.copy(s)
    _leave_stealWork(rt, b, m, M_DROPP)
    out.append((("stealWork_none", m, pp), rt.freeze(b)))


@action("stealWork_gcwaiting", "stealWork, findRunnable", pcs=(M_STEAL,), params=("P",))
def stealWork_gcwaiting(rt, s, m, out):
    """stealWork (proc.go:3826) sees sched.gcwaiting before a victim and
    returns newWork, so findRunnable starts over (goto top), where gcstopm
    stops this M, spinning or not. Abstracts: nothing; this is the branch."""
    if stealing(rt, s, m):
        return
    b = rt.copy(s)
    _leave_stealWork(rt, b, m, M_SCHEDULE)
    out.append((("stealWork_gcwaiting", m, _own_p(rt, s, m)), rt.freeze(b)))


@action("findRunnable_nosteal", "findRunnable", pcs=(M_SCHEDULE,), params=("P",))
def findRunnable_nosteal(rt, s, m, out):
    """findRunnable: nothing to get and already half the busy Ps have a spinning
    M (2*nmspinning >= gomaxprocs-npidle), so it skips stealing. Abstracts:
    idle-priority GC work, which could still be found here."""
    if not _nothing_to_get(rt, s, m) or _may_spin(rt, s, m):
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_DROPP
    out.append((("findRunnable_nosteal", m, _own_p(rt, s, m)), rt.freeze(b)))


@action("findRunnable_dropp_globrunq", "findRunnable, globrunqgetbatch", pcs=(M_DROPP,), params=("P", "G"))
def findRunnable_dropp_globrunq(rt, s, m, out):
    """findRunnable, about to drop its P: under sched.lock the global queue has
    work after all, so it takes a batch instead. Abstracts: nothing; the
    gcwaiting and safe-point re-check before it is
    findRunnable_dropp_gcwaiting."""
    if not s[rt.globq[0]] or not rt.drop_p_rechecks_pass(s, m):
        return
    b = rt.copy(s)
    pp = _own_p(rt, s, m)
    gp = rt.globrunqgetbatch(b, pp)
    found(rt, b, m, gp)
    out.append((("findRunnable_dropp_globrunq", m, pp, gp), rt.freeze(b)))


@action("findRunnable_needspinning", "findRunnable, becomeSpinning", pcs=(M_DROPP,), params=("P",))
def findRunnable_needspinning(rt, s, m, out):
    """findRunnable, about to drop its P: a spinning M found work but no P
    (sched.needspinning == 1), so this non-spinning M keeps its P, becomes
    spinning on the other's behalf and starts over ("delicate dance").
    Abstracts: nothing else; this is the whole branch."""
    if s[rt.globq[0]] or s[rt.m_spinning[m]] or not s[rt.L.needspinning] or not rt.drop_p_rechecks_pass(s, m):
        return
    b = rt.copy(s)
    rt.becomeSpinning(b, m)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("findRunnable_needspinning", m, _own_p(rt, s, m)), rt.freeze(b)))


@action("findRunnable_releasep", "findRunnable, releasep, pidleput", pcs=(M_DROPP,), params=("P",))
def findRunnable_releasep(rt, s, m, out):
    """findRunnable: under sched.lock, with the global queue empty and no
    needspinning request, releasep and pidleput: the P goes idle. A spinning M
    then drops nmspinning; a non-spinning one goes to netpoll or stopm.
    Abstracts: the allp snapshot and idlepMask (the re-check reads the current
    sched.pidle)."""
    if s[rt.globq[0]] or (not s[rt.m_spinning[m]] and s[rt.L.needspinning]) or not rt.drop_p_rechecks_pass(s, m):
        return
    b = rt.copy(s)
    pp = rt.releasep(b, m)
    rt.pidleput(b, pp)
    b[rt.pc[m]] = M_STOPSPIN if b[rt.m_spinning[m]] else M_NETBLOCK
    out.append((("findRunnable_releasep", m, pp), rt.freeze(b)))


@action("findRunnable_stopspinning", "findRunnable", pcs=(M_STOPSPIN,))
def findRunnable_stopspinning(rt, s, m, out):
    """findRunnable's "delicate dance", first half: m.spinning = false and
    nmspinning.Add(-1), before re-checking the run queues (#StoreLoad).
    Abstracts: memory ordering (the model is sequentially consistent, so the
    #StoreLoad barrier is implicit)."""
    b = rt.copy(s)
    b[rt.m_spinning[m]] = 0
    if not b[rt.L.nmspinning]:
        rt.throw(b, "findRunnable: negative nmspinning")
    else:
        b[rt.L.nmspinning] -= 1
    b[rt.pc[m]] = M_RECHECK
    out.append((("findRunnable_stopspinning", m), rt.freeze(b)))


def _work_ps(rt, s):
    """checkRunqsNoP's view: Ps not on the idle list with local work."""
    return [p2 for p2 in range(rt.L.np) if not _on_pidle(rt, s, p2) and _has_work(rt, s, p2)]


@action("findRunnable_recheck_globrunq", "findRunnable, pidlegetSpinning, globrunqgetbatch, acquirep",
        pcs=(M_RECHECK,), params=("P", "G"))
def findRunnable_recheck_globrunq(rt, s, m, out):
    """findRunnable's "delicate dance", second half: after dropping nmspinning
    the global queue has work; pidlegetSpinning a P, take a batch, acquirep,
    becomeSpinning again and run the G. Abstracts: the separate lock
    acquisitions of the two re-checks, taken as one step."""
    if not s[rt.globq[0]] or not s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    pp = rt.pidlegetSpinning(b)
    gp = rt.globrunqgetbatch(b, pp)
    rt.acquirep(b, m, pp)
    rt.becomeSpinning(b, m)
    found(rt, b, m, gp)
    out.append((("findRunnable_recheck_globrunq", m, pp, gp), rt.freeze(b)))


@action("findRunnable_recheck_runqs", "findRunnable, checkRunqsNoP, pidlegetSpinning, acquirep",
        pcs=(M_RECHECK,), params=("P",))
def findRunnable_recheck_runqs(rt, s, m, out):
    """findRunnable's "delicate dance", second half: checkRunqsNoP finds a busy P
    with local work, pidlegetSpinning an idle P, acquirep it and
    becomeSpinning, then start over to steal the work. Abstracts: the
    allp/idlepMask snapshot; the global and local re-checks are one step."""
    if (s[rt.globq[0]] and s[rt.pidle_slots[0]]) or not s[rt.pidle_slots[0]] or not _work_ps(rt, s):
        return
    b = rt.copy(s)
    pp = rt.pidlegetSpinning(b)
    rt.acquirep(b, m, pp)
    rt.becomeSpinning(b, m)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("findRunnable_recheck_runqs", m, pp), rt.freeze(b)))


@action("findRunnable_recheck_none", "findRunnable, checkRunqsNoP, pidlegetSpinning", pcs=(M_RECHECK,))
def findRunnable_recheck_none(rt, s, m, out):
    """findRunnable's re-check finds no work it can take: either no work, or work
    but no idle P, in which case pidlegetSpinning sets needspinning so an M
    about to drop its P spins instead. Then netpoll or stopm. Abstracts: the
    idle-GC and timer re-checks (checkIdleGCNoP, checkTimersNoP)."""
    work = bool(s[rt.globq[0]]) or bool(_work_ps(rt, s))
    if work and s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    if work:
        b[rt.L.needspinning] = 1
    b[rt.pc[m]] = M_NETBLOCK
    out.append((("findRunnable_recheck_none", m), rt.freeze(b)))


@action("netpoll_block", "findRunnable, netpoll", pcs=(M_NETBLOCK,))
def netpoll_block(rt, s, m, out):
    """findRunnable, with no P: some G waits on the network and nobody is polling
    (sched.lastpoll.Swap(0) != 0), or some P has a timer (pollUntil != 0),
    so this M blocks in netpoll(delay) until an fd is ready, the next timer
    is due or netpollBreak wakes it (netpoll_empty). Abstracts: pollUntil's
    value (the delay)."""
    if s[rt.L.netpolling] or not (netpoll_waiters(rt, s) or rt.timers_pending(s)):
        return
    b = rt.copy(s)
    b[rt.L.netpolling] = 1
    b[rt.pc[m]] = M_NETPOLL
    out.append((("netpoll_block", m), rt.freeze(b)))


@action("stopm", "stopm, mput, checkdead", pcs=(M_NETBLOCK, M_STOPM))
def stopm(rt, s, m, out):
    """stopm: under sched.lock mput the M on the idle list (checkdead runs
    there), then park until startm hands it a P. Abstracts: LockOSThread
    (stoplockedm); mPark is the park itself."""
    if s[rt.pc[m]] == M_NETBLOCK and not s[rt.L.netpolling] and (netpoll_waiters(rt, s) or rt.timers_pending(s)):
        return
    b = rt.copy(s)
    if b[rt.m_p[m]]:
        rt.throw(b, "stopm holding p")
    if b[rt.m_spinning[m]]:
        rt.throw(b, "stopm spinning")
    b[rt.pc[m]] = M_IDLE
    rt.mput(b, m)
    out.append((("stopm", m), rt.freeze(b)))


@action("netpoll_acquirep", "findRunnable, netpoll, pidleget, acquirep, injectglist", pcs=(M_NETPOLL,), params=("P", "G"))
def netpoll_acquirep(rt, s, m, out):
    """The M blocked in netpoll wakes with ready Gs (lastpoll set again), gets an
    idle P, acquirep, runs the first G and injectglists the rest. Abstracts:
    netpollAdjustWaiters, timers."""
    ready = netpoll_ready(rt, s)
    if not ready or not s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    b[rt.L.netpolling] = 0
    pp = rt.pidleget(b)
    rt.acquirep(b, m, pp)
    gp = ready[0]
    rt.casgstatus(b, gp, _Gwaiting, _Grunnable)
    b[rt.L.g_wait[gp]] = WAIT_NONE
    found_after_inject(rt, b, m, gp, ready[1:])
    out.append((("netpoll_acquirep", m, pp, gp), rt.freeze(b)))


@action("netpoll_injectglist", "findRunnable, netpoll, injectglist, startm", pcs=(M_NETPOLL,), params=("G",))
def netpoll_injectglist(rt, s, m, out):
    """The M blocked in netpoll wakes with ready Gs but no idle P: injectglist
    puts them on the global queue and starts an M per idle P (none now), then
    this M stops. Abstracts: netpollAdjustWaiters, timers."""
    ready = netpoll_ready(rt, s)
    if not ready or s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    b[rt.L.netpolling] = 0
    injectglist(rt, b, m, None, ready, M_STOPM)
    out.append((("netpoll_injectglist", m, ready[0]), rt.freeze(b)))


@action("resetspinning", "schedule, resetspinning, wakep", pcs=(M_RESETSPIN,), params=("G",))
def resetspinning(rt, s, m, out):
    """schedule(): a spinning M found a G, so resetspinning: m.spinning = false,
    nmspinning.Add(-1), then wakep so that another M spins in its place ("if
    the last spinning thread finds work ... it must unpark a new spinning
    thread"). Abstracts: nothing: wakep runs as the next steps of this M."""
    b = rt.copy(s)
    b[rt.m_spinning[m]] = 0
    if not b[rt.L.nmspinning]:
        rt.throw(b, "findRunnable: negative nmspinning")
    else:
        b[rt.L.nmspinning] -= 1
    rt.call(b, m, PC_WAKEP1, M_EXECUTE)
    out.append((("resetspinning", m, s[rt.m_gp[m]] - 1), rt.freeze(b)))


@action("execute", "execute", pcs=(M_EXECUTE,), params=("G",))
def execute(rt, s, m, out):
    """execute(gp): m.curg = gp, _Grunnable -> _Grunning; the G runs. Abstracts:
    schedtick, DIT, the CPU profiler and tracing."""
    gp = s[rt.m_gp[m]] - 1
    if s[rt.L.g_lockedm[gp]]:
        return
    b = rt.copy(s)
    rt.execute(b, m, gp)
    out.append((("execute", m, gp), rt.freeze(b)))
