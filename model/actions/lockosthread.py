"""LockOSThread: a goroutine wired to its thread (g.lockedm, m.lockedg).

A locked M runs only its locked G. When the G blocks, schedule() does not
look for other work on that M: stoplockedm hands the P off and parks the M
(counted in sched.nmidlelocked, so checkdead does not take it for a running
M). Whichever M later picks the G from a run queue does not run it: it
hands its own P straight to the locked M (startlockedm) and stops. A G
that exits while locked takes its thread with it (mexit).
"""

from ..vocab import (M_EXECUTE, M_LOCKED_EXECUTE, M_LOCKEDIDLE, M_MEXIT, M_MEXIT_CHECKDEAD, M_NONE, M_RUN, M_SCHEDULE,
                     M_STOPLOCKEDM, M_STOPLOCKEDM_PARK, M_STOPM, PC_HANDOFF1)
from ..workload import OP_LOCK_THREAD, OP_UNLOCK_THREAD
from .common import advance, current_op
from .registry import action


@action("lockOSThread", "LockOSThread, dolockOSThread", pcs=(M_RUN,), params=("G",), ops=(OP_LOCK_THREAD,))
def lockOSThread(rt, s, m, out):
    """op lock_thread: LockOSThread (proc.go:5478) -> dolockOSThread (5453):
    m.lockedg = gp and gp.lockedm = m. Abstracts: lockedExt's nesting count
    (workloads never nest; see workload.py), the template thread."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    b[rt.L.m_lockedg[m]] = g + 1
    b[rt.L.g_lockedm[g]] = m + 1
    advance(rt, b, g)
    out.append((("lockOSThread", m, g), rt.freeze(b)))


@action("unlockOSThread", "UnlockOSThread, dounlockOSThread", pcs=(M_RUN,), params=("G",), ops=(OP_UNLOCK_THREAD,))
def unlockOSThread(rt, s, m, out):
    """op unlock_thread: UnlockOSThread (proc.go:5531) -> dounlockOSThread
    (5505): m.lockedg = 0 and gp.lockedm = 0 (a no-op when not locked).
    Abstracts: lockedExt's count."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    b[rt.L.m_lockedg[m]] = 0
    b[rt.L.g_lockedm[g]] = 0
    advance(rt, b, g)
    out.append((("unlockOSThread", m, g), rt.freeze(b)))


@action("stoplockedm", "schedule, stoplockedm, releasep, handoffp, incidlelocked", pcs=(M_SCHEDULE, M_STOPLOCKEDM))
def stoplockedm(rt, s, m, out):
    """schedule() on a locked M (m.lockedg != 0, proc.go:4130), or
    exitsyscall0 with a locked G (5010): stoplockedm (3255) checks the
    locking (lockedg set and lockedg.lockedm == m, else "stoplockedm:
    inconsistent locking"), then hands its P off (handoffp(releasep()), as
    this M's next steps); with no P, it goes straight on to incidlelocked(1)
    and mPark. Abstracts: the check and the lock region of incidlelocked are
    one step when there is no P (they touch nothing another thread reads)."""
    L = rt.L
    locked = s[L.m_lockedg[m]]
    if s[rt.pc[m]] == M_SCHEDULE and not locked:
        return
    b = rt.copy(s)
    if not locked or s[L.g_lockedm[locked - 1]] != m + 1:
        rt.throw(b, "stoplockedm: inconsistent locking")
    elif b[rt.m_p[m]]:
        pp = rt.releasep(b, m)
        b[L.proc_hp[m]] = pp + 1
        rt.call(b, m, PC_HANDOFF1, M_STOPLOCKEDM_PARK)
    else:
        rt.incidlelocked(b, 1)
        b[rt.pc[m]] = M_LOCKEDIDLE
    out.append((("stoplockedm", m), rt.freeze(b)))


@action("stoplockedm_park", "stoplockedm, incidlelocked, checkdead, mPark", pcs=(M_STOPLOCKEDM_PARK,))
def stoplockedm_park(rt, s, m, out):
    """stoplockedm after its handoffp: incidlelocked(1) under sched.lock
    (checkdead runs: a locked M waiting for its G is not a running M), then
    mPark until startlockedm gives it a P. Abstracts: the note (an M woken
    before it parks does not sleep: m.nextp is already set)."""
    b = rt.copy(s)
    rt.incidlelocked(b, 1)
    b[rt.pc[m]] = M_LOCKEDIDLE
    out.append((("stoplockedm_park", m), rt.freeze(b)))


@action("stoplockedm_acquirep", "stoplockedm, acquirep", pcs=(M_LOCKEDIDLE,), params=("P", "G"))
def stoplockedm_acquirep(rt, s, m, out):
    """The parked locked M was handed a P (m.nextp, by startlockedm): mPark
    returns, acquirep(nextp) and m.nextp = 0 (proc.go:3275-3276); schedule's
    execute(lockedg) is the next step (a trace shows the ProcStart before
    the GoStart, and a trace can end between them). Abstracts: the
    "stoplockedm: not runnable" check (execute's casgstatus would throw)."""
    pp = s[rt.m_nextp[m]] - 1
    if pp < 0:
        return
    g = s[rt.L.m_lockedg[m]] - 1
    b = rt.copy(s)
    b[rt.m_nextp[m]] = 0
    rt.acquirep(b, m, pp)
    b[rt.pc[m]] = M_LOCKED_EXECUTE
    out.append((("stoplockedm_acquirep", m, pp, g), rt.freeze(b)))


@action("execute_lockedg", "schedule, execute", pcs=(M_LOCKED_EXECUTE,), params=("G",))
def execute_lockedg(rt, s, m, out):
    """schedule() after stoplockedm returns (proc.go:4131-4132, and
    exitsyscall0 5009-5010): execute(mp.lockedg): m.curg = gp, _Grunnable ->
    _Grunning; the G runs on its own thread. Abstracts: as execute does
    (schedtick, the CPU profiler and tracing)."""
    g = s[rt.L.m_lockedg[m]] - 1
    b = rt.copy(s)
    rt.execute(b, m, g)
    out.append((("execute_lockedg", m, g), rt.freeze(b)))


@action("startlockedm", "schedule, startlockedm, incidlelocked, releasep, stopm", pcs=(M_EXECUTE,), params=("G", "P"))
def startlockedm(rt, s, m, out):
    """schedule() found a G locked to another M (gp.lockedm != 0,
    proc.go:4198): startlockedm (3283) hands this M's P straight to it:
    incidlelocked(-1), releasep, mp.nextp = pp and notewakeup(&mp.park);
    the locked M then runs its lockedg (the G passes to it with the P).
    This M stops (stopm, its own step) and starts over when woken.
    Abstracts: the throws "locked to me" and "m has p", which no run
    reaches."""
    L = rt.L
    gp = s[rt.m_gp[m]] - 1
    mp = s[L.g_lockedm[gp]] - 1
    if mp < 0:
        return
    b = rt.copy(s)
    rt.incidlelocked(b, -1)
    pp = rt.releasep(b, m)
    b[rt.m_gp[m]] = 0
    b[rt.m_nextp[mp]] = pp + 1
    b[rt.m_gp[mp]] = gp + 1
    b[rt.pc[m]] = M_STOPM
    out.append((("startlockedm", m, gp, pp), rt.freeze(b)))


@action("mexit", "mstart0, mexit, releasep, handoffp", pcs=(M_MEXIT,), params=("P",))
def mexit(rt, s, m, out):
    """A goroutine exited while locked (gdestroy, proc.go:4462, 4509): "Kill it
    rather than returning it to the thread pool": the thread returns to
    mstart0 and mexit (1904, 1988) hands its P off (handoffp(releasep()), as this
    M's next steps). Abstracts: m0, which the runtime wedges (handoffp,
    checkdead, mPark forever) instead of exiting: for the scheduler the two
    are the same, a thread that never runs Go code again."""
    b = rt.copy(s)
    pp = rt.releasep(b, m)
    b[rt.L.proc_hp[m]] = pp + 1
    rt.call(b, m, PC_HANDOFF1, M_MEXIT_CHECKDEAD)
    out.append((("mexit", m, pp), rt.freeze(b)))


@action("mexit_checkdead", "mexit, checkdead", pcs=(M_MEXIT_CHECKDEAD,))
def mexit_checkdead(rt, s, m, out):
    """mexit after its handoffp (proc.go:2072): under sched.lock nmfreed++
    and checkdead, which must come after the handoff; the thread is gone.
    Abstracts: allm and the free list, mdestroy."""
    L = rt.L
    b = rt.copy(s)
    base = L.m_base + m * L.m_size
    b[base:base + L.m_size] = bytes(L.m_size)
    b[rt.pc[m]] = M_NONE
    rt.checkdead(b)
    out.append((("mexit_checkdead", m), rt.freeze(b)))
