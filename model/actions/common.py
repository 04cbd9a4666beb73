"""Pieces several actions share: the running G's current op, the end of a
findRunnable that found a G, and injectglist."""

from ..vocab import (GF_PREEMPT_LATE, M_EXECUTE, M_RESETSPIN, M_STOPLOCKEDM, M_STOPM, PC_STARTIDLE, WAIT_NET, WAIT_NETREADY, WAIT_NONE,
                     _Grunnable, _Gwaiting)
from ..workload import OP_LOOP


def current_op(rt, s, m):
    """(g, op) for the G that M m is running, or (None, None)."""
    cur = s[rt.m_curg[m]]
    if not cur:
        return None, None
    g = cur - 1
    return g, rt.programs[g][s[rt.L.g_pc[g]]]


def advance(rt, b, g) -> None:
    """Move G g to its next op; `loop(k)` jumps back to op k."""
    pc = b[rt.L.g_pc[g]] + 1
    op = rt.programs[g][pc]
    if op.code == OP_LOOP:
        pc = max(op.arg, 0)
    b[rt.L.g_pc[g]] = pc


def found(rt, b, m, gp, inheritTime: bool = False) -> None:
    """findRunnable returned (gp, inheritTime) to schedule(): a spinning M
    first runs resetspinning (which may wakep); then, as its own step
    (M_EXECUTE), a G locked to a thread goes to that thread (startlockedm),
    any other runs: execute(gp). The M may be descheduled between the two
    (a trace shows a G taken from the global queue starting 4 ms later while
    other Ms cycled through that queue). Unless gp inherits the time slice (runnext), execute's
    schedtick++ starts a new one; it is done here, at the pick (README, "Time")."""
    if not inheritTime:
        rt.new_slice(b, b[rt.m_p[m]] - 1)
    if b[rt.m_spinning[m]]:
        b[rt.m_gp[m]] = gp + 1
        b[rt.pc[m]] = M_RESETSPIN
    else:
        b[rt.m_gp[m]] = gp + 1
        b[rt.pc[m]] = M_EXECUTE


def netpoll_ready(rt, s) -> list:
    """netpoll(0): the Gs whose fds are ready, in G order."""
    waits = rt.g_waits(s)
    if WAIT_NETREADY not in waits:
        return []
    status = rt.g_status
    return [g for g, w in enumerate(waits) if w == WAIT_NETREADY and s[status[g]] == _Gwaiting]


def netpoll_waiters(rt, s) -> bool:
    """netpollAnyWaiters: some G is parked on the netpoller (only a
    _Gwaiting G has a wait reason)."""
    waits = rt.g_waits(s)
    return WAIT_NET in waits or WAIT_NETREADY in waits


def injectglist(rt, b, proc, pp, gs, then_pc) -> None:
    """injectglist(gs) (proc.go:4033), its first steps: casgstatus every G to
    _Grunnable; with no P (pp None) all go to the global queue; with P pp,
    read npidle (4086) and put that many on the global queue under
    sched.lock, keeping the rest in this process's private list. Then
    startIdle(n) starts an M per global G (PC_STARTIDLE steps); with a P, the
    private rest goes to pp's local queue only after that (runqputbatch,
    4099: injectglist_runqputbatch) and a final wakep. Returns to then_pc."""
    for g in gs:
        rt.casgstatus(b, g, _Gwaiting, _Grunnable)
        b[rt.L.g_wait[g]] = WAIT_NONE
    if pp is None:
        globq, rest = gs, []
    else:
        npidle = b[rt.L.npidle]
        globq, rest = gs[:npidle], gs[npidle:]
    rt.globrunqputbatch(b, globq)
    rt.set_glist(b, proc, rest)
    b[rt.L.proc_arg[proc]] = len(globq)
    rt.call(b, proc, PC_STARTIDLE, then_pc)


def found_after_inject(rt, b, m, gp, rest) -> None:
    """findRunnable took gp from netpoll and must injectglist the rest first."""
    if not rest:
        found(rt, b, m, gp)
        return
    rt.new_slice(b, b[rt.m_p[m]] - 1)
    b[rt.m_gp[m]] = gp + 1
    then = M_RESETSPIN if b[rt.m_spinning[m]] else M_EXECUTE
    injectglist(rt, b, m, rt.own_p(b, m), rest, then)


# --- the end of a system call, shared by both protocols ---------------------------------------


def restore_stackguard(rt, b, g) -> None:
    """exitsyscall's fast path (proc.go:4853-4858): `if gp.preempt {
    gp.stackguard0 = stackPreempt }`: a preemption request made before the
    syscall lands at the G's next call, before its next op."""
    b[rt.g_flags[g]] &= ~GF_PREEMPT_LATE


def exitsyscall0_acquirep_tail(rt, b, m, g) -> int:
    """exitsyscall0 (1.25) / exitsyscallNoP (1.27), the G already
    _Grunnable: dropg, and under sched.lock pidleget finds a P and, with
    sched.sysmonwait set, wakes sysmon; acquirep and execute(gp, false): a
    new time slice. Returns the P."""
    b[rt.m_curg[m]] = 0
    pp = rt.pidleget(b)
    rt.sysmonwake(b)
    rt.acquirep(b, m, pp)
    rt.new_slice(b, pp)
    rt.execute(b, m, g)
    return pp


def exitsyscall0_globrunqput_tail(rt, b, m, g) -> None:
    """exitsyscall0 / exitsyscallNoP with no idle P, the G already
    _Grunnable: dropg, globrunqput under sched.lock and, still under it, the
    read of gp.lockedm; the M stops next (stoplockedm or stopm)."""
    b[rt.m_curg[m]] = 0
    rt.globrunqput(b, g)
    b[rt.pc[m]] = M_STOPLOCKEDM if b[rt.L.g_lockedm[g]] else M_STOPM
