"""Scheduler subroutines that take several steps and are run by whichever
process calls them (an M, or sysmon): wakep, handoffp, injectglist's
startIdle loop. The caller sets the return pc (`ret`); `hp` holds the P the
subroutine works on, `arg` a loop count.
"""

from ..vocab import PC_HANDOFF1, PC_HANDOFF2, PC_HANDOFF3, PC_INJECT_LOCAL, PC_STARTIDLE, PC_WAKEP1, PC_WAKEP2
from .registry import action


def _ret(rt, b, proc) -> None:
    rt.ret_from(b, proc)


def _startm_or_cut(rt, out, label, b, pp, spinning) -> None:
    """Emit the step, or a cut if startm needed a thread beyond the limit."""
    if rt.startm(b, pp, spinning):
        out.append((label, rt.freeze(b)))
    else:
        out.append((label, None))


# --- wakep ------------------------------------------------------------------------


@action("wakep_noop", "wakep", pcs=(PC_WAKEP1,), actor="any")
def wakep_noop(rt, s, i, out):
    """wakep: a spinning M exists already (nmspinning != 0, or the CAS 0 -> 1
    fails), so it returns: that spinner will find the work. Abstracts: the
    split between the Load and the CAS, taken as one atomic step."""
    if not rt.nmspinning(s):
        return
    b = rt.copy(s)
    _ret(rt, b, i)
    out.append((("wakep_noop", i), rt.freeze(b)))


@action("wakep_cas", "wakep", pcs=(PC_WAKEP1,), actor="any")
def wakep_cas(rt, s, i, out):
    """wakep: no spinning M, and nmspinning.CompareAndSwap(0, 1) succeeds; this
    caller now owes the system a spinning M. Abstracts: acquirem (preemption
    is not modelled)."""
    if rt.nmspinning(s):
        return
    b = rt.copy(s)
    b[rt.L.nmspinning] = 1
    b[rt.pc[i]] = PC_WAKEP2
    out.append((("wakep_cas", i), rt.freeze(b)))


@action("wakep_startm", "wakep, pidlegetSpinning, startm", pcs=(PC_WAKEP2,), params=("P",), actor="any")
def wakep_startm(rt, s, i, out):
    """wakep (proc.go:3230-3246): under sched.lock pidlegetSpinning takes an
    idle P; after the unlock, startm(pp, spinning=true) takes an idle M
    (mget) or reserves a new one (mReserveID) under the lock, and wakes or
    newm's it. One step: between the two lock regions the P is in this M's
    hand, and no other thread can tell (the caller holds a P, so checkdead
    counts it as running, and which idle M startm takes is not observable:
    idle Ms are alike); the window that matters, between startm's unlock
    and the new M's first step, is the new M's own M_ACQUIRE state (see the
    newm_uncounted seeded bug, go.dev/issue/40368). Abstracts:
    acquirem/releasem."""
    if not s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    pp = rt.pidlegetSpinning(b)
    _ret(rt, b, i)
    _startm_or_cut(rt, out, ("wakep_startm", i, pp), b, pp, True)


@action("wakep_nopidle", "wakep, pidlegetSpinning", pcs=(PC_WAKEP2,), actor="any")
def wakep_nopidle(rt, s, i, out):
    """wakep: no idle P; pidlegetSpinning sets needspinning and wakep gives back
    its nmspinning credit (nmspinning.Add(-1)). Abstracts: acquirem/releasem."""
    if s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    rt.pidlegetSpinning(b)
    if not b[rt.L.nmspinning]:
        rt.throw(b, "wakep: negative nmspinning")
    else:
        b[rt.L.nmspinning] -= 1
    _ret(rt, b, i)
    out.append((("wakep_nopidle", i), rt.freeze(b)))


# --- handoffp ------------------------------------------------------------------------
# "handoffp must start an M in any situation where findRunnable would return
# a G to run on pp."


@action("handoffp_startm", "handoffp, startm", pcs=(PC_HANDOFF1,), params=("P",), actor="any")
def handoffp_startm(rt, s, i, out):
    """handoffp: pp has local work or the global queue is not empty
    (`!runqempty(pp) || !sched.runq.empty()`), so startm(pp, false) at once.
    Abstracts: the trace reader and GC worker cases."""
    pp = s[rt.L.proc_hp[i]] - 1
    if not rt.handoff_sees_work(s, pp):
        return
    b = rt.copy(s)
    _ret(rt, b, i)
    _startm_or_cut(rt, out, ("handoffp_startm", i, pp), b, pp, False)


@action("handoffp_spinning_check", "handoffp", pcs=(PC_HANDOFF1,), params=("P",), actor="any")
def handoffp_spinning_check(rt, s, i, out):
    """handoffp (proc.go:3157): no work, and `nmspinning.Load() +
    npidle.Load() == 0`: no spinning M and no idle P anywhere, so it will try
    to start a spinning M. The loads are one step, the CAS the next: work,
    idle Ps or spinners may appear in between. Abstracts: the two loads are
    read together."""
    pp = s[rt.L.proc_hp[i]] - 1
    if rt.handoff_sees_work(s, pp) or rt.nmspinning(s) or s[rt.L.npidle]:
        return
    b = rt.copy(s)
    b[rt.pc[i]] = PC_HANDOFF2
    out.append((("handoffp_spinning_check", i, pp), rt.freeze(b)))


@action("handoffp_startm_spinning", "handoffp, startm", pcs=(PC_HANDOFF2,), params=("P",), actor="any")
def handoffp_startm_spinning(rt, s, i, out):
    """handoffp: nmspinning.CompareAndSwap(0, 1) succeeds, so
    needspinning.Store(0) and startm(pp, true): someone must look for work
    that may appear (even if a P went idle since the loads). Abstracts:
    startm is part of this step (what follows its lock region touches only
    the new M)."""
    if rt.nmspinning(s):
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    b[rt.L.nmspinning] = 1
    b[rt.L.needspinning] = 0
    _ret(rt, b, i)
    _startm_or_cut(rt, out, ("handoffp_startm_spinning", i, pp), b, pp, True)


@action("handoffp_cas_fails", "handoffp", pcs=(PC_HANDOFF2,), params=("P",), actor="any")
def handoffp_cas_fails(rt, s, i, out):
    """handoffp: the CAS of nmspinning 0 -> 1 fails (an M started spinning
    since the loads), so on to the checks under sched.lock. Abstracts:
    nothing else."""
    if not rt.nmspinning(s):
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    b[rt.pc[i]] = PC_HANDOFF3
    out.append((("handoffp_cas_fails", i, pp), rt.freeze(b)))


@action("handoffp_lock", "handoffp", pcs=(PC_HANDOFF1,), params=("P",), actor="any")
def handoffp_lock(rt, s, i, out):
    """handoffp: no work seen and a spinning M or idle P exists, so go on to the
    checks under sched.lock. Abstracts: the trace reader and GC worker checks,
    which need an M too."""
    pp = s[rt.L.proc_hp[i]] - 1
    if rt.handoff_sees_work(s, pp) or not (rt.nmspinning(s) or s[rt.L.npidle]):
        return
    b = rt.copy(s)
    b[rt.pc[i]] = PC_HANDOFF3
    out.append((("handoffp_lock", i, pp), rt.freeze(b)))


@action("handoffp_gcstop", "handoffp", pcs=(PC_HANDOFF3,), params=("P",), actor="any")
def handoffp_gcstop(rt, s, i, out):
    """handoffp, under sched.lock: a stop of the world is pending (gcwaiting,
    proc.go:3163), so the P goes to _Pgcstop instead of anywhere else;
    stopwait--, and the last P to stop wakes the stopper. Abstracts:
    gcStopTime."""
    if not s[rt.L.gcwaiting]:
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    rt.gcstop(b, pp)
    _ret(rt, b, i)
    out.append((("handoffp_gcstop", i, pp), rt.freeze(b)))


@action("handoffp_globrunq_startm", "handoffp, runSafePointFn, startm", pcs=(PC_HANDOFF3,), params=("P",),
        actor="any")
def handoffp_globrunq_startm(rt, s, i, out):
    """handoffp, under sched.lock: no stop of the world pending; a
    safe-point function pp owes runs (proc.go:3173); the global queue got
    work since the first check (`!sched.runq.empty()`), so startm(pp,
    false). Abstracts: nothing else in this branch."""
    if s[rt.L.gcwaiting] or not rt.handoff_sees_global_work(s):
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    rt.run_safe_point_fn(b, pp)  # proc.go:3173
    _ret(rt, b, i)
    _startm_or_cut(rt, out, ("handoffp_globrunq_startm", i, pp), b, pp, False)


def _lastp_unpolled(rt, s) -> bool:
    """`sched.npidle == gomaxprocs-1 && sched.lastpoll != 0`: this is the
    last P and no M is blocked in netpoll."""
    return s[rt.L.npidle] == rt.gomaxprocs - 1 and not s[rt.L.netpolling]


@action("handoffp_lastp_startm", "handoffp, runSafePointFn, startm", pcs=(PC_HANDOFF3,), params=("P",),
        actor="any")
def handoffp_lastp_startm(rt, s, i, out):
    """handoffp, under sched.lock: (after gcwaiting and the safe-point
    function) this is the last running P and nobody polls the network, so
    startm(pp, false) to poll it. Abstracts: timers (wakeNetPoller)."""
    if s[rt.L.gcwaiting] or rt.handoff_sees_global_work(s) or not _lastp_unpolled(rt, s):
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    rt.run_safe_point_fn(b, pp)  # proc.go:3173
    _ret(rt, b, i)
    _startm_or_cut(rt, out, ("handoffp_lastp_startm", i, pp), b, pp, False)


@action("handoffp_pidleput", "handoffp, runSafePointFn, pidleput, wakeNetPoller", pcs=(PC_HANDOFF3,), params=("P",),
        actor="any")
def handoffp_pidleput(rt, s, i, out):
    """handoffp, under sched.lock: (after gcwaiting and the safe-point
    function) nothing needs an M, so pidleput(pp). Then, if pp has timers
    (proc.go:3199, `when := pp.timers.wakeTime()`), wakeNetPoller(when):
    with an M blocked in netpoll (lastpoll == 0) netpollBreak wakes it;
    otherwise wakep (a tail call: handoffp returns when wakep does).
    Abstracts: the poller's pollUntil (it is always later than the timer)."""
    if s[rt.L.gcwaiting] or rt.handoff_sees_global_work(s) or _lastp_unpolled(rt, s):
        return
    pp = s[rt.L.proc_hp[i]] - 1
    b = rt.copy(s)
    rt.run_safe_point_fn(b, pp)  # proc.go:3173
    rt.pidleput(b, pp)
    if rt.timers_pending(s) and any(s[rt.L.g_timerp[g]] == pp + 1 for g in range(rt.L.ng)):
        b[rt.L.proc_hp[i]] = 0
        if b[rt.L.netpolling]:
            b[rt.L.netpollBreak] = 1
            _ret(rt, b, i)
        else:
            b[rt.pc[i]] = PC_WAKEP1
    else:
        _ret(rt, b, i)
    out.append((("handoffp_pidleput", i, pp), rt.freeze(b)))


# --- injectglist's startIdle ---------------------------------------------------------


@action("injectglist_startm", "injectglist, pidlegetSpinning, startm", pcs=(PC_STARTIDLE,), params=("P",), actor="any")
def injectglist_startm(rt, s, i, out):
    """injectglist's startIdle(n): for each G put on the global queue, under
    sched.lock pidlegetSpinning an idle P and startm(pp, false). Abstracts:
    acquirem/releasem; startm is part of this step."""
    if not s[rt.L.proc_arg[i]] or not s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    pp = rt.pidlegetSpinning(b)
    b[rt.L.proc_arg[i]] -= 1
    _startm_or_cut(rt, out, ("injectglist_startm", i, pp), b, pp, False)


@action("injectglist_done", "injectglist, pidlegetSpinning, wakep", pcs=(PC_STARTIDLE,), actor="any")
def injectglist_done(rt, s, i, out):
    """injectglist's startIdle ends (n Ms started, or no idle P left, which sets
    needspinning); with a P, injectglist then calls wakep, which hedges
    against Ps that went idle after it read npidle (#63555). Abstracts:
    tracing."""
    n = s[rt.L.proc_arg[i]]
    if n and s[rt.pidle_slots[0]]:
        return
    b = rt.copy(s)
    if n:
        rt.pidlegetSpinning(b)
    b[rt.L.proc_arg[i]] = 0
    if rt.glist(s, i):
        b[rt.pc[i]] = PC_INJECT_LOCAL  # the private rest, then wakep
    elif i < rt.L.nm and b[rt.m_p[i]]:
        b[rt.pc[i]] = PC_WAKEP1  # returns to the caller's ret
    else:
        _ret(rt, b, i)
    out.append((("injectglist_done", i), rt.freeze(b)))


@action("injectglist_runqputbatch", "injectglist, runqputbatch, globrunqputbatch, wakep", pcs=(PC_INJECT_LOCAL,),
        params=("P",), actor="any")
def injectglist_runqputbatch(rt, s, i, out):
    """injectglist with a P, after startIdle (proc.go:4099-4113): the Gs it
    kept private go to the tail of its P's local queue (runqputbatch); what
    does not fit goes to the global queue under sched.lock; then wakep, which
    hedges against Ps that went idle after npidle was read (#63555). Until
    this step no stealer or re-checking spinning M can see those Gs.
    Abstracts: nothing else."""
    pp = rt.own_p(s, i)
    b = rt.copy(s)
    rt.globrunqputbatch(b, rt.runqputbatch(b, pp, rt.glist(s, i)))
    rt.set_glist(b, i, ())
    b[rt.pc[i]] = PC_WAKEP1  # returns to the caller's ret
    out.append((("injectglist_runqputbatch", i, pp), rt.freeze(b)))

