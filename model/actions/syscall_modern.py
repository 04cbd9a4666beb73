"""System calls under the modern protocol (Go 1.26 and later), read in Go
1.27.3's proc.go: no `_Psyscall`.

A P whose G is in a syscall stays `_Prunning`, wired to the M (pp.m, m.p).
"A non-nil p implies exclusive ownership of the P, unless curg is in
_Gsyscall. In _Gsyscall the scheduler may mutate this instead. The point of
synchronization is the _Gscan bit on curg's status" (runtime2.go, m.p).
Another thread takes the P only while it holds the G's scan bit
(setBlockOnExitSyscall, then takeP or gcstopP, then resume); the G leaves
_Gsyscall by a CAS that spins while the bit is held, and only then reads
m.p to learn whether it still has its P.
"""

from ..vocab import (GF_SCAN, M_ENTERSYSCALL_CAS, M_ENTERSYSCALL_GCWAIT, M_ENTERSYSCALLBLOCK_CAS,
                     M_EXITSYSCALL_NOP, M_EXITSYSCALL_STEAL, M_EXITSYSCALL_TRYGETP, M_EXITSYSCALL_TRYPIDLE, M_RUN,
                     M_SYSCALL, PC_HANDOFF1, _Grunnable, _Grunning, _Gsyscall, _Pidle)
from ..workload import OP_SYSCALL, OP_SYSCALL_BLOCK
from .common import (advance, current_op, exitsyscall0_acquirep_tail, exitsyscall0_globrunqput_tail,
                     restore_stackguard)
from .registry import MODERN, action

# --- entering ---------------------------------------------------------------------------------


@action("reentersyscall", "entersyscall, reentersyscall, runSafePointFn", pcs=(M_RUN,), params=("G", "P"),
        ops=(OP_SYSCALL,), protocols=MODERN)
def reentersyscall(rt, s, m, out):
    """op syscall: reentersyscall (1.27 proc.go:4642): a safe-point function
    its P owes runs first (runSafePointFn, 4683), m.oldp = pp, and the
    load of sched.gcwaiting (4717): if a stop of the world is pending,
    entersyscallHandleGCWait is the M's next step, else the status CAS. The
    G is still _Grunning on its _Prunning P. Abstracts: syscalltick (its
    copy into m.syscalltick only feeds tracing), save/syscallsp, tracing,
    the signal-stack secret erasure."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    pp = rt.own_p(b, m)
    rt.run_safe_point_fn(b, pp)
    b[rt.L.m_oldp[m]] = pp + 1
    advance(rt, b, g)
    b[rt.pc[m]] = M_ENTERSYSCALL_GCWAIT if b[rt.L.gcwaiting] else M_ENTERSYSCALL_CAS
    out.append((("reentersyscall", m, g, pp), rt.freeze(b)))


@action("entersyscallHandleGCWait", "reentersyscall, entersyscallHandleGCWait", pcs=(M_ENTERSYSCALL_GCWAIT,),
        params=("P",), protocols=MODERN)
def entersyscallHandleGCWait(rt, s, m, out):
    """entersyscallHandleGCWait (1.27 proc.go:4794): under sched.lock, if
    stopwait > 0, the M gives its P to the stop of the world while its G is
    still _Grunning: pp.m = 0, m.p = 0, _Pgcstop, addGSyscallNoP,
    stopwait--, and the last P wakes the stopper. The status CAS is next
    either way. Abstracts: gcStopTime, syscalltick, tracing."""
    b = rt.copy(s)
    pp = rt.own_p(s, m)
    if b[rt.L.stopwait]:
        b[rt.p_m[pp]] = 0
        b[rt.m_p[m]] = 0
        rt.addGSyscallNoP(b)
        rt.gcstop(b, pp)
    b[rt.pc[m]] = M_ENTERSYSCALL_CAS
    out.append((("entersyscallHandleGCWait", m, pp), rt.freeze(b)))


@action("entersyscall_casgstatus", "reentersyscall, casgstatus, entersyscallWakeSysmon",
        pcs=(M_ENTERSYSCALL_CAS,), params=("G",), protocols=MODERN)
def entersyscall_casgstatus(rt, s, m, out):
    """reentersyscall's CAS _Grunning -> _Gsyscall (1.27 proc.go:4731): "As
    soon as we switch to _Gsyscall, we are in danger of losing our P. We
    must not touch it after this point." The P stays _Prunning and wired.
    Then, if sched.sysmonwait, entersyscallWakeSysmon wakes sysmon under
    sched.lock. The M is in its syscall. Abstracts: the wake's own
    instant (sysmon sleeps only with every P idle, so nothing between the
    CAS and the load of sysmonwait can set it)."""
    g = s[rt.m_curg[m]] - 1
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    rt.sysmonwake(b)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscall_casgstatus", m, g), rt.freeze(b)))


@action("entersyscallblock_handoffp", "entersyscallblock, addGSyscallNoP, releasep, handoffp", pcs=(M_RUN,),
        params=("G", "P"), ops=(OP_SYSCALL_BLOCK,), protocols=MODERN)
def entersyscallblock_handoffp(rt, s, m, out):
    """op syscall_block: entersyscallblock (1.27 proc.go:4830):
    addGSyscallNoP ("We're going to give up our P"), then, before the
    status CAS, handoffp(releasep()) (this M runs handoffp's steps) "in a
    small window where we are in _Grunning without a P". Abstracts:
    syscalltick, stack bounds checks, tracing."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.addGSyscallNoP(b)
    pp = rt.releasep(b, m)
    advance(rt, b, g)
    b[rt.L.proc_hp[m]] = pp + 1
    rt.call(b, m, PC_HANDOFF1, M_ENTERSYSCALLBLOCK_CAS)
    out.append((("entersyscallblock_handoffp", m, g, pp), rt.freeze(b)))


@action("entersyscallblock_casgstatus", "entersyscallblock, casgstatus", pcs=(M_ENTERSYSCALLBLOCK_CAS,),
        params=("G",), protocols=MODERN)
def entersyscallblock_casgstatus(rt, s, m, out):
    """entersyscallblock's casgstatus(_Grunning, _Gsyscall) (1.27
    proc.go:4882), after the handoff: the window closes and the M blocks in
    its syscall with no P (m.oldp nil). Abstracts: stack bounds checks,
    tracing."""
    g = s[rt.m_curg[m]] - 1
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    b[rt.pc[m]] = M_SYSCALL
    out.append((("entersyscallblock_casgstatus", m, g), rt.freeze(b)))


# --- leaving ----------------------------------------------------------------------------------


def _syscall_g(rt, s, m):
    return s[rt.m_curg[m]] - 1


def _exitsyscall_cas_wins(rt, s, m) -> bool:
    """exitsyscall's CAS _Gsyscall -> _Grunning (1.27 proc.go:4951) can
    succeed: no thread holds the G's scan bit (casgstatus spins while one
    does)."""
    return not s[rt.g_flags[_syscall_g(rt, s, m)]] & GF_SCAN


@action("exitsyscall_fast", "exitsyscall, casgstatus", pcs=(M_SYSCALL,), params=("G", "P"), actor="env",
        protocols=MODERN)
def exitsyscall_fast(rt, s, m, out):
    """The syscall returns: exitsyscall's CAS _Gsyscall -> _Grunning wins
    (1.27 proc.go:4951), m.oldp is cleared and m.p is read (4966): the M
    still has its P ("Fast path: we still have our P"), syscalltick++ and a
    pending gp.preempt re-arms stackguard0. The CAS and the read are one
    step: once the G is _Grunning no other thread can change m.p (takeP and
    gcstopP need the G in _Gsyscall). Abstracts: tracing, the
    freezeStopWait wedge (the model never crashes)."""
    pp = s[rt.m_p[m]] - 1
    if pp < 0 or not _exitsyscall_cas_wins(rt, s, m):
        return
    g = _syscall_g(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    b[rt.L.m_oldp[m]] = 0
    rt.leave_syscall(b, pp)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscall_fast", m, g, pp), rt.freeze(b)))


@action("exitsyscall_nop_window", "exitsyscall, casgstatus", pcs=(M_SYSCALL,), params=("G",), actor="env",
        protocols=MODERN)
def exitsyscall_nop_window(rt, s, m, out):
    """The syscall returns and exitsyscall's CAS _Gsyscall -> _Grunning
    wins, but m.p is nil: the P was taken (retake, the stop of the world,
    forEachP, another M's steal-back) or given away (entersyscallblock,
    entersyscallHandleGCWait). "Caution: we're in a window where we may be
    in _Grunning without a P." exitsyscallTryGetP is next. Abstracts: as
    exitsyscall_fast."""
    if s[rt.m_p[m]] or not _exitsyscall_cas_wins(rt, s, m):
        return
    g = _syscall_g(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    b[rt.pc[m]] = M_EXITSYSCALL_TRYGETP
    out.append((("exitsyscall_nop_window", m, g), rt.freeze(b)))


@action("exitsyscallTryGetP_setBlock", "exitsyscallTryGetP, setBlockOnExitSyscall", pcs=(M_EXITSYSCALL_TRYGETP,),
        params=("P", "G"), protocols=MODERN)
def exitsyscallTryGetP_setBlock(rt, s, m, out):
    """exitsyscallTryGetP (1.27 proc.go:5072): "Try to steal our old P
    back": setBlockOnExitSyscall(oldp) succeeds only if oldp is _Prunning
    and its M's curg is in _Gsyscall, i.e. oldp now serves another M's
    syscall: castogscanstatus takes that G's scan bit and the wiring is
    re-validated. Its racy reads, CAS and re-validation are one step here:
    a failed attempt changes nothing (the scan bit is given back at once),
    and a successful one leaves the wiring it read. Abstracts: the
    _Gdeadextra case (no extra Ms)."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0:
        return
    g2 = rt.scannable_syscall_g(s, oldp)
    if g2 < 0:
        return
    b = rt.copy(s)
    b[rt.g_flags[g2]] |= GF_SCAN
    b[rt.pc[m]] = M_EXITSYSCALL_STEAL
    out.append((("exitsyscallTryGetP_setBlock", m, oldp, g2), rt.freeze(b)))


@action("exitsyscallTryGetP_takeP", "exitsyscallTryGetP, takeP, releaseP, decGSyscallNoP, resume, acquirepNoTrace",
        pcs=(M_EXITSYSCALL_STEAL,), params=("P", "G"), protocols=MODERN)
def exitsyscallTryGetP_takeP(rt, s, m, out):
    """exitsyscallTryGetP holds the scan bit of the G in a syscall on oldp:
    thread.takeP() (oldp _Pidle, unwired from that G's M, which now counts
    in nGsyscallNoP), decGSyscallNoP for itself ("We got a P for
    ourselves"), thread.resume(), and exitsyscall installs the P
    (acquirepNoTrace) and keeps running its G. Abstracts: tracing; between
    resume and acquirep the P is _Pidle and on no list, which no other
    thread's step reads differently from an acquired P."""
    oldp = s[rt.L.m_oldp[m]] - 1
    g = _syscall_g(rt, s, m)
    g2 = s[rt.m_curg[s[rt.p_m[oldp]] - 1]] - 1
    b = rt.copy(s)
    rt.releaseP(b, oldp, _Pidle)
    rt.decGSyscallNoP(b)
    b[rt.g_flags[g2]] &= ~GF_SCAN
    b[rt.L.m_oldp[m]] = 0
    rt.acquirep(b, m, oldp)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscallTryGetP_takeP", m, oldp, g2), rt.freeze(b)))


@action("exitsyscallTryGetP_nosteal", "exitsyscallTryGetP, setBlockOnExitSyscall", pcs=(M_EXITSYSCALL_TRYGETP,),
        protocols=MODERN)
def exitsyscallTryGetP_nosteal(rt, s, m, out):
    """exitsyscallTryGetP: there is no old P (entersyscallblock), or it is
    not in another M's syscall (idle, running Go code, stopped for the
    world, or its G's scan bit is held): no steal-back; an idle P is tried
    next. Abstracts: nothing; this is the whole branch."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp >= 0 and rt.scannable_syscall_g(s, oldp) >= 0:
        return
    b = rt.copy(s)
    b[rt.L.m_oldp[m]] = 0
    b[rt.pc[m]] = M_EXITSYSCALL_TRYPIDLE
    out.append((("exitsyscallTryGetP_nosteal", m), rt.freeze(b)))


@action("exitsyscallTryGetP_pidleget", "exitsyscallTryGetP, pidleget, decGSyscallNoP, acquirepNoTrace",
        pcs=(M_EXITSYSCALL_TRYPIDLE,), params=("G", "P"), protocols=MODERN)
def exitsyscallTryGetP_pidleget(rt, s, m, out):
    """exitsyscallTryGetP (1.27 proc.go:5085): sched.pidle != 0, so under
    sched.lock pidleget an idle P and, with sched.sysmonwait set, wake
    sysmon; decGSyscallNoP; exitsyscall installs the P and keeps running
    the G. Abstracts: the racy read of sched.pidle and the locked pidleget
    are one step; tracing."""
    if not rt.exitsyscall_sees_idle_p(s):
        return
    g = _syscall_g(rt, s, m)
    b = rt.copy(s)
    pp = rt.pidleget(b)
    rt.sysmonwake(b)
    rt.decGSyscallNoP(b)
    rt.acquirep(b, m, pp)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscallTryGetP_pidleget", m, g, pp), rt.freeze(b)))


@action("exitsyscallTryGetP_none", "exitsyscallTryGetP, exitsyscall", pcs=(M_EXITSYSCALL_TRYPIDLE,), params=("G",),
        protocols=MODERN)
def exitsyscallTryGetP_none(rt, s, m, out):
    """exitsyscallTryGetP finds sched.pidle empty and returns nil: "Slowest
    path: We couldn't get a P, so call into the scheduler":
    mcall(exitsyscallNoP). Abstracts: the racy read of sched.pidle is one
    step with exitsyscallTryGetP_pidleget's."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_EXITSYSCALL_NOP
    out.append((("exitsyscallTryGetP_none", m, _syscall_g(rt, s, m)), rt.freeze(b)))


@action("exitsyscallNoP_acquirep", "exitsyscallNoP, pidleget, acquirep, execute", pcs=(M_EXITSYSCALL_NOP,),
        params=("G", "P"), protocols=MODERN)
def exitsyscallNoP_acquirep(rt, s, m, out):
    """exitsyscallNoP on g0 (1.27 proc.go:5106): casgstatus _Grunning ->
    _Grunnable, decGSyscallNoP, dropg, and under sched.lock pidleget finds
    a P after all (waking sysmon if it sleeps); acquirep and execute(gp,
    false): a new time slice. Abstracts: schedEnabled, tracing."""
    if not rt.exitsyscall_sees_idle_p(s):
        return
    g = _syscall_g(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Grunnable)
    rt.decGSyscallNoP(b)
    pp = exitsyscall0_acquirep_tail(rt, b, m, g)
    out.append((("exitsyscallNoP_acquirep", m, g, pp), rt.freeze(b)))


@action("exitsyscallNoP_globrunqput", "exitsyscallNoP, globrunqput, stopm", pcs=(M_EXITSYSCALL_NOP,), params=("G",),
        protocols=MODERN)
def exitsyscallNoP_globrunqput(rt, s, m, out):
    """exitsyscallNoP with no idle P: _Grunning -> _Grunnable,
    decGSyscallNoP, dropg, globrunqput under sched.lock and, still under
    it, the read of gp.lockedm; then stoplockedm or stopm (each its own
    step). Abstracts: schedEnabled, tracing."""
    if rt.exitsyscall_sees_idle_p(s):
        return
    g = _syscall_g(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Grunnable)
    rt.decGSyscallNoP(b)
    exitsyscall0_globrunqput_tail(rt, b, m, g)
    out.append((("exitsyscallNoP_globrunqput", m, g), rt.freeze(b)))
