"""System calls under the classic protocol (Go 1.14 to 1.25): `_Psyscall`.

entersyscall leaves its P in `_Psyscall` with no M but with affinity to the
M (m.oldp). Leaving `_Psyscall` is a CAS: exitsyscallfast CASes the old P
back to `_Pidle` and wires it; sysmon's retake CASes it to `_Pidle` and hands
it off. Whoever CASes first owns the P.
"""

from ..vocab import (GF_PREEMPT_LATE, M_EXITSYSCALL0, M_EXITSYSCALL_PIDLE, M_RUN, M_STOPLOCKEDM, M_STOPM, M_SYSCALL,
                     M_SYSCALL_GCWAIT, PC_HANDOFF1, _Grunnable, _Grunning, _Gsyscall, _Pidle, _Psyscall)
from ..workload import OP_SYSCALL, OP_SYSCALL_BLOCK
from .common import (advance, current_op, exitsyscall0_acquirep_tail, exitsyscall0_globrunqput_tail,
                     restore_stackguard)
from .registry import CLASSIC, action


@action("entersyscall", "entersyscall, reentersyscall, entersyscall_sysmon", pcs=(M_RUN,), params=("G", "P"), ops=(OP_SYSCALL,),
        protocols=CLASSIC)
def entersyscall(rt, s, m, out):
    """op syscall: reentersyscall (proc.go:4574): casgstatus _Grunning ->
    _Gsyscall; if sched.sysmonwait, entersyscall_sysmon (4672) wakes sysmon
    under sched.lock (a P in a syscall needs it to be retaken); a safe-point
    function its P owes runs now, while the M still owns the P
    (runSafePointFn, 4629); then pp.m = 0, m.oldp = pp, m.p = 0 and
    atomic.Store(&pp.status, _Psyscall) publishes the P (4640), with a
    syscalltick sysmon has not seen. If a stop of the world is pending
    (gcwaiting, read after the store), entersyscall_gcwait is the M's next
    step. One step up to the store: nothing else reads these fields before
    it. A pending gp.preempt stays set (stackguard0 is stackPreempt in a
    syscall anyway). Abstracts: tracing."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    pp = rt.own_p(b, m)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    rt.sysmonwake(b)
    rt.run_safe_point_fn(b, pp)
    b[rt.p_m[pp]] = 0
    b[rt.L.m_oldp[m]] = pp + 1
    b[rt.m_p[m]] = 0
    b[rt.p_status[pp]] = _Psyscall
    advance(rt, b, g)
    b[rt.pc[m]] = M_SYSCALL_GCWAIT if b[rt.L.gcwaiting] else M_SYSCALL
    out.append((("entersyscall", m, g, pp), rt.freeze(b)))


@action("entersyscall_gcwait", "reentersyscall, entersyscall_gcwait", pcs=(M_SYSCALL_GCWAIT,), params=("P",),
        protocols=CLASSIC)
def entersyscall_gcwait(rt, s, m, out):
    """reentersyscall saw gcwaiting after publishing _Psyscall (proc.go:4641),
    so entersyscall_gcwait (4681): under sched.lock, if stopwait > 0 and
    CAS(&pp.status, _Psyscall, _Pgcstop) wins (against retake, the
    stopper's own loop, forEachP, and the exitsyscallfast of an M stealing
    the P back), stopwait-- and the last P to stop wakes the stopper. Either
    way the M is then in its syscall. Abstracts: syscalltick, gcStopTime,
    tracing."""
    pp = s[rt.L.m_oldp[m]] - 1
    b = rt.copy(s)
    if b[rt.L.stopwait] and b[rt.p_status[pp]] == _Psyscall:
        rt.gcstop(b, pp)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscall_gcwait", m, pp), rt.freeze(b)))


@action("entersyscallblock", "entersyscallblock, entersyscallblock_handoff, releasep, handoffp",
        pcs=(M_RUN,), params=("G", "P"), ops=(OP_SYSCALL_BLOCK,), protocols=CLASSIC)
def entersyscallblock(rt, s, m, out):
    """op syscall_block: entersyscallblock: casgstatus _Grunning -> _Gsyscall,
    then handoffp(releasep()) at once, before blocking: the P is released
    (m.oldp stays nil) and this M runs handoffp's steps. Abstracts:
    syscalltick, stack bounds checks, tracing."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    pp = rt.releasep(b, m)
    advance(rt, b, g)
    b[rt.L.proc_hp[m]] = pp + 1
    rt.call(b, m, PC_HANDOFF1, M_SYSCALL)
    out.append((("entersyscallblock", m, g, pp), rt.freeze(b)))


def _syscall_g(rt, s, m):
    return s[rt.m_curg[m]] - 1


@action("exitsyscall", "exitsyscall, exitsyscallfast, wirep, exitsyscallfast_reacquired",
        pcs=(M_SYSCALL,), params=("G", "P"), actor="env", protocols=CLASSIC)
def exitsyscall(rt, s, m, out):
    """The syscall returns and exitsyscallfast's CAS(&oldp.status,
    _Psyscall, _Pidle) wins: wirep(oldp) makes it _Prunning on this M and
    the G goes back to _Grunning (the fast path), syscalltick++. A pending
    gp.preempt survives the syscall: exitsyscall (proc.go:4853) restores
    stackguard0 = stackPreempt, so it lands at the G's next call. The return
    is the environment's move; the CAS is the race with sysmon's retake.
    Abstracts: the syscalltick ABA bookkeeping, which only feeds tracing."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0:
        return
    if s[rt.p_status[oldp]] != _Psyscall:
        return
    b = rt.copy(s)
    _wire_oldp(rt, b, m, oldp)
    out.append((("exitsyscall", m, _syscall_g(rt, s, m), oldp), rt.freeze(b)))


def _wire_oldp(rt, b, m, oldp) -> None:
    g = b[rt.m_curg[m]] - 1
    b[rt.p_status[oldp]] = _Pidle
    rt.leave_syscall(b, oldp)
    b[rt.L.m_oldp[m]] = 0
    rt.acquirep(b, m, oldp)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN


@action("exitsyscall_lostp", "exitsyscall, exitsyscallfast", pcs=(M_SYSCALL,), params=("G",), actor="env",
        protocols=CLASSIC)
def exitsyscall_lostp(rt, s, m, out):
    """The syscall returns and the old P is gone (retaken by sysmon, or handed
    off by entersyscallblock, or stopped for the world): exitsyscallfast's
    CAS fails, so it tries an idle P next. Abstracts: tracing, and the
    freezetheworld bail-out (freezetheworld runs only when the program
    crashes, which the model never does)."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp >= 0 and s[rt.p_status[oldp]] == _Psyscall:
        return
    b = rt.copy(s)
    b[rt.L.m_oldp[m]] = 0
    b[rt.pc[m]] = M_EXITSYSCALL_PIDLE
    out.append((("exitsyscall_lostp", m, _syscall_g(rt, s, m)), rt.freeze(b)))


@action("exitsyscallfast_pidle", "exitsyscallfast_pidle, pidleget, acquirep",
        pcs=(M_EXITSYSCALL_PIDLE,), params=("G", "P"), protocols=CLASSIC)
def exitsyscallfast_pidle(rt, s, m, out):
    """exitsyscallfast_pidle (proc.go:4944): sched.pidle != 0, so under
    sched.lock pidleget an idle P and, with sched.sysmonwait set, wake sysmon
    (4947); acquirep it and keep running the G (the fast path: a pending
    gp.preempt lands at its next call). Abstracts: tracing."""
    if not rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    g = _syscall_g(rt, s, m)
    pp = rt.pidleget(b)
    rt.sysmonwake(b)
    rt.acquirep(b, m, pp)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscallfast_pidle", m, g, pp), rt.freeze(b)))


@action("exitsyscallfast_nopidle", "exitsyscallfast", pcs=(M_EXITSYSCALL_PIDLE,), params=("G",), protocols=CLASSIC)
def exitsyscallfast_nopidle(rt, s, m, out):
    """exitsyscallfast finds sched.pidle empty and returns false: exitsyscall
    calls mcall(exitsyscall0). Abstracts: the racy read of sched.pidle and the
    locked pidleget are one step."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_EXITSYSCALL0
    out.append((("exitsyscallfast_nopidle", m, _syscall_g(rt, s, m)), rt.freeze(b)))


@action("exitsyscall0_acquirep", "exitsyscall0, pidleget, acquirep, execute",
        pcs=(M_EXITSYSCALL0,), params=("G", "P"), protocols=CLASSIC)
def exitsyscall0_acquirep(rt, s, m, out):
    """exitsyscall0 on g0 (proc.go:4965): _Gsyscall -> _Grunnable, dropg,
    and under sched.lock pidleget finds a P after all and, with
    sched.sysmonwait set, wakes sysmon (4995); acquirep and execute(gp,
    false): a new time slice. Abstracts: schedEnabled (user scheduling is
    never disabled here), tracing."""
    if not rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    g = _syscall_g(rt, s, m)
    rt.casgstatus(b, g, _Gsyscall, _Grunnable)
    pp = exitsyscall0_acquirep_tail(rt, b, m, g)
    out.append((("exitsyscall0_acquirep", m, g, pp), rt.freeze(b)))


@action("exitsyscall0_globrunqput", "exitsyscall0, globrunqput, stopm", pcs=(M_EXITSYSCALL0,), params=("G",),
        protocols=CLASSIC)
def exitsyscall0_globrunqput(rt, s, m, out):
    """exitsyscall0 on g0 with no idle P: _Gsyscall -> _Grunnable, dropg,
    globrunqput under sched.lock, and, still under the lock (proc.go:4994:
    "we must check if gp is locked prior to committing the release by
    unlocking sched.lock"), read gp.lockedm. Then the M stops: stoplockedm
    if the G is locked to it, else stopm (each its own step). Abstracts:
    the casgstatus and dropg before the lock are part of the step (only
    this M touches the G until it is queued)."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    g = _syscall_g(rt, s, m)
    rt.casgstatus(b, g, _Gsyscall, _Grunnable)
    exitsyscall0_globrunqput_tail(rt, b, m, g)
    out.append((("exitsyscall0_globrunqput", m, g), rt.freeze(b)))

