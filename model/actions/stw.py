"""Stop-the-world and forEachP: the third and fourth threads that CAS a
`_Psyscall` P (besides exitsyscallfast and sysmon's retake).

A goroutine running the `gc` op does what gcStart and mark termination do
on its own M (mgc.go): stopTheWorldWithSema, then startTheWorldWithSema,
then forEachP; the `stw` op only stops and starts the world, as
stopTheWorld/startTheWorld callers such as ReadMemStats do; the `foreachp`
op only runs forEachP, as runtime/trace's StopTrace does (traceAdvance,
holding worldsema, asks every P to write its status: trace.go:564 in Go
1.27.3, 1.25.5 alike). While the world stops, every other M gives its P up at its
next safe point (gcstopm at findRunnable's top, handoffp and
entersyscall_gcwait under sched.lock); the stopper sleeps on
sched.stopnote until sched.stopwait reaches 0. forEachP asks every P to run
a safe-point function: idle Ps at once, running Ps at findRunnable's top,
`_Psyscall` Ps by CASing them to `_Pidle` and handing them off.

Abstracted throughout: worldsema and gcsema (one goroutine runs gc, which
the workload check enforces), the GC's own work while the world is stopped,
tracing, CPU-time accounting, and freezetheworld (it runs only when the
program is crashing: a fatal panic or signal, which the model has none of;
so exitsyscallfast's freezeStopWait bail-out is never taken).
"""

from ..vocab import (M_DROPP, M_FOREACHP, M_FOREACHP_WAIT, M_RUN, M_SCHEDULE, M_STOPM, M_STW_STOPPED, M_STW_WAIT,
                     PC_HANDOFF1, PC_WAKEP1,
                     WAIT_FOREACHP, WAIT_NONE, WAIT_STW, _Grunning, _Gwaiting, _Pgcstop, _Pidle, _Prunning)
from ..workload import OP_FOREACHP, OP_GC, OP_STW
from .common import advance, current_op
from .registry import action


def _own_p(rt, s, m) -> int:
    return rt.own_p(s, m)


def _suspend(rt, b, g, reason) -> None:
    """casGToWaitingForSuspendG: the calling goroutine waits on its own M
    (its stack may be scanned) while it stops the others."""
    rt.casgstatus(b, g, _Grunning, _Gwaiting)
    b[rt.L.g_wait[g]] = reason


def _resume(rt, b, g) -> None:
    rt.casgstatus(b, g, _Gwaiting, _Grunning)
    b[rt.L.g_wait[g]] = WAIT_NONE


def _world_stopped(rt, b, m) -> None:
    """stopTheWorldWithSema's double check once no P is left running
    (proc.go:1716-1736), then the caller is _Grunning again on its _Pgcstop
    P: the world is stopped."""
    L = rt.L
    if b[L.stopwait]:
        rt.throw(b, "stopTheWorld: not stopped (stopwait != 0)")
    elif any(b[rt.p_status[pp]] != _Pgcstop for pp in range(L.np)):
        rt.throw(b, "stopTheWorld: not stopped (status != _Pgcstop)")
    _resume(rt, b, b[rt.m_curg[m]] - 1)
    b[rt.pc[m]] = M_STW_STOPPED


@action("stopTheWorldWithSema", "stopTheWorldWithSema, preemptall, pidleget", pcs=(M_RUN,), params=("G", "P"),
        ops=(OP_GC, OP_STW))
def stopTheWorldWithSema(rt, s, m, out):
    """ops gc and stw, as gcStart and stopTheWorld (proc.go:1521) do it:
    stopTheWorldWithSema (1617) marks
    the goroutine _Gwaiting (casGToWaitingForSuspendG), then under
    sched.lock sets stopwait = gomaxprocs and gcwaiting, preemptall()s,
    puts its own P in _Pgcstop, CASes every _Psyscall P to _Pgcstop (1665;
    modern: setBlockOnExitSyscall + gcstopP + resume on every P whose G is
    in a syscall, 1.27:1678)
    and takes every idle P (pidleget, 1681) to _Pgcstop, counting each off
    stopwait. If Ps are still running it sleeps on sched.stopnote
    (M_STW_WAIT); otherwise the world is stopped at once. Abstracts:
    worldsema, tracing, gcStopTime; the CAS loop over allp is part of the
    lock region's step: a P can only reach _Psyscall from _Prunning, by its
    owner, so reading every P at one instant loses no outcome."""
    g, _ = current_op(rt, s, m)
    L = rt.L
    b = rt.copy(s)
    pp = _own_p(rt, s, m)
    _suspend(rt, b, g, WAIT_STW)
    b[L.stopwait] = rt.gomaxprocs
    b[L.gcwaiting] = 1
    rt.preemptall(b, m)
    b[rt.p_status[pp]] = _Pgcstop
    b[L.stopwait] -= 1
    for p2 in range(L.np):
        if rt.scannable_syscall_g(b, p2) >= 0:
            rt.stop_syscall_p(b, p2)
    while (p2 := rt.pidleget(b)) is not None:
        b[rt.p_status[p2]] = _Pgcstop
        b[L.stopwait] -= 1
    if b[L.stopwait]:
        b[rt.pc[m]] = M_STW_WAIT
    else:
        _world_stopped(rt, b, m)
    out.append((("stopTheWorldWithSema", m, g, pp), rt.freeze(b)))


@action("stopTheWorld_preemptall", "stopTheWorldWithSema, preemptall", pcs=(M_STW_WAIT,))
def stopTheWorld_preemptall(rt, s, m, out):
    """stopTheWorldWithSema's wait: notetsleep(&sched.stopnote, 100us) times
    out and preemptall() asks again (proc.go:1696-1701). It matters only for a
    G that started running after the first request (an M that was past
    findRunnable's gcwaiting check), so the step is taken only when such a
    G exists. Abstracts: the 100us period."""
    if s[rt.L.stopnote] or not rt.preempt_targets(s, m):
        return
    b = rt.copy(s)
    rt.preemptall(b, m)
    out.append((("stopTheWorld_preemptall", m), rt.freeze(b)))


@action("stopTheWorld_stopped", "stopTheWorldWithSema", pcs=(M_STW_WAIT,))
def stopTheWorld_stopped(rt, s, m, out):
    """stopTheWorldWithSema's wait ends: the last P to stop woke the stopper
    (sched.stopnote): noteclear, the
    double check ("stopTheWorld: not stopped", proc.go:1718-1723) and the
    goroutine is _Grunning again on its _Pgcstop P; the world is stopped.
    Abstracts: the stopping-time metrics, freezing."""
    if not s[rt.L.stopnote]:
        return
    b = rt.copy(s)
    b[rt.L.stopnote] = 0
    _world_stopped(rt, b, m)
    out.append((("stopTheWorld_stopped", m), rt.freeze(b)))


@action("startTheWorldWithSema", "startTheWorldWithSema, procresize, mget, newm, wakep", pcs=(M_STW_STOPPED,),
        params=("P",))
def startTheWorldWithSema(rt, s, m, out):
    """startTheWorldWithSema (proc.go:1763): under sched.lock procresize
    (5866) keeps its own P (_Prunning again) and, from the highest P down,
    makes every other P _Pidle and pidleputs it if its run queue is empty,
    or else gives it an M (mget, or newm when no M is idle); gcwaiting =
    0. Then wakep (1825), as this M's next steps, for work in the global
    queue; after it a gc op goes on to forEachP, a stw op is over.
    Abstracts: the netpoll(0) and injectglist at its top (no preset
    with gc reads the network), sysmonwait (sysmon never sleeps), newprocs
    (GOMAXPROCS does not change), tracing; the Ms for Ps with work are
    started in the lock region's step rather than after the unlock: in
    between such a P is _Pidle, off sched.pidle and owned by nobody, where
    stealWork and the drop-P re-check see it exactly as they see a P in an
    M's nextp."""
    L = rt.L
    pp = _own_p(rt, s, m)
    b = rt.copy(s)
    b[rt.p_status[pp]] = _Prunning
    runnable = []
    for p2 in range(L.np - 1, -1, -1):
        if p2 == pp:
            continue
        b[rt.p_status[p2]] = _Pidle
        if rt.runqempty(b, p2):
            rt.pidleput(b, p2)
        else:
            runnable.insert(0, p2)
    b[L.gcwaiting] = 0
    g = s[rt.m_curg[m]] - 1
    if rt.programs[g][s[L.g_pc[g]]].code == OP_GC:
        rt.call(b, m, PC_WAKEP1, M_FOREACHP)
    else:
        advance(rt, b, g)
        rt.call(b, m, PC_WAKEP1, M_RUN)
    label = ("startTheWorldWithSema", m, pp)
    for p2 in runnable:
        if not rt.startm(b, p2, False):
            out.append((label, None))
            return
    out.append((label, rt.freeze(b)))


@action("forEachP", "forEachP, forEachPInternal, preemptall", pcs=(M_FOREACHP, M_RUN), params=("G", "P"),
        ops=(OP_FOREACHP,))
def forEachP(rt, s, m, out):
    """forEachP (proc.go:2114), as mark termination calls it after starting
    the world (op gc), or on its own (op foreachp: runtime/trace's
    traceAdvance): the goroutine goes _Gwaiting (casGToWaitingForSuspendG) and
    forEachPInternal (2148), under sched.lock, sets safePointWait =
    gomaxprocs-1 and runSafePointFn on every other P, preemptall()s, and
    runs the function at once for every idle P (CAS runSafePointFn 1 -> 0,
    safePointWait--). Then fn(pp) for its own P. Abstracts: the function
    itself (a flush of per-P caches: no scheduler state), worldsema."""
    L = rt.L
    g = s[rt.m_curg[m]] - 1
    pp = _own_p(rt, s, m)
    b = rt.copy(s)
    _suspend(rt, b, g, WAIT_FOREACHP)
    b[L.safePointWait] = rt.gomaxprocs - 1
    for p2 in range(L.np):
        if p2 != pp:
            b[L.p_runSafePointFn[p2]] = 1
    rt.preemptall(b, m)
    for o in rt.pidle_slots:
        if b[o]:
            rt.run_safe_point_fn(b, b[o] - 1)
    b[rt.pc[m]] = M_FOREACHP_WAIT
    out.append((("forEachP", m, g, pp), rt.freeze(b)))


def _syscall_p_owing(rt, s):
    """The first P still in a syscall (_Psyscall; modern: setBlockOnExitSyscall
    succeeds) with runSafePointFn set, or None."""
    for p2 in range(rt.L.np):
        if s[rt.L.p_runSafePointFn[p2]] and rt.scannable_syscall_g(s, p2) >= 0:
            return p2
    return None


@action("forEachP_handoffp", "forEachPInternal, handoffp", pcs=(M_FOREACHP_WAIT,), params=("P",))
def forEachP_handoffp(rt, s, m, out):
    """forEachPInternal's loop over allp (proc.go:2190): a P in _Psyscall
    whose runSafePointFn is set is CASed to _Pidle (2194; the CAS races with
    exitsyscallfast's, retake's and entersyscall_gcwait's) and handed off:
    handoffp(p2) runs as this M's next steps (it runs the function under
    sched.lock, 3173) and returns here. Abstracts: the loop's position: a P
    passed over never again is _Psyscall with runSafePointFn set
    (reentersyscall runs the function before it publishes _Psyscall), so
    looking from the first P again finds the next one. Modern (1.27:2199):
    setBlockOnExitSyscall + takeP + resume, then handoffp; a P whose G's
    scan bit another thread holds is passed over by the real loop and
    found again here later, where the real forEachP waits for sysmon's
    retake or the G's return (an over-approximation: it only hands off
    earlier a P that would be handed off)."""
    p2 = _syscall_p_owing(rt, s)
    if p2 is None:
        return
    b = rt.copy(s)
    rt.take_syscall_p(b, p2)
    b[rt.L.proc_hp[m]] = p2 + 1
    rt.call(b, m, PC_HANDOFF1, M_FOREACHP_WAIT)
    out.append((("forEachP_handoffp", m, p2), rt.freeze(b)))


@action("forEachP_preemptall", "forEachPInternal, preemptall", pcs=(M_FOREACHP_WAIT,))
def forEachP_preemptall(rt, s, m, out):
    """forEachPInternal's wait: notetsleep(&sched.safePointNote, 100us) times
    out and preemptall() asks again (proc.go:2214-2219). Taken only when a G
    runs on a P that still owes the function without a request (it started
    after the first one). Abstracts: the period, and re-requests to Gs on
    Ps that already ran the function (they only move a G to the global
    queue once more)."""
    if _syscall_p_owing(rt, s) is not None or not s[rt.L.safePointWait]:
        return
    if not rt.preempt_targets(s, m, owing_safe_point=True):
        return
    b = rt.copy(s)
    rt.preemptall(b, m, owing_safe_point=True)
    out.append((("forEachP_preemptall", m), rt.freeze(b)))


@action("forEachP_done", "forEachPInternal, forEachP", pcs=(M_FOREACHP_WAIT,), params=("G",))
def forEachP_done(rt, s, m, out):
    """Every P ran the function (safePointWait == 0, safePointNote woken):
    forEachPInternal checks that none still owes it ("forEachP: P did not
    run fn", proc.go:2226) and clears safePointFn; the goroutine is
    _Grunning again and its gc op is over. Abstracts: the "forEachP: not
    done" check, which cannot fail with the wait ending at 0."""
    if _syscall_p_owing(rt, s) is not None or s[rt.L.safePointWait]:
        return
    L = rt.L
    g = s[rt.m_curg[m]] - 1
    b = rt.copy(s)
    if any(b[L.p_runSafePointFn[p2]] for p2 in range(L.np)):
        rt.throw(b, "forEachP: P did not run fn")
    _resume(rt, b, g)
    advance(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("forEachP_done", m, g), rt.freeze(b)))


# --- safe points of the other Ms ---------------------------------------------------------


@action("gcstopm", "findRunnable, gcstopm, releasep", pcs=(M_SCHEDULE,), params=("P",))
def gcstopm(rt, s, m, out):
    """findRunnable's top (proc.go:3391): gcwaiting, so gcstopm (3301): a
    spinning M stops spinning (nmspinning.Add(-1), "gcstopm: negative
    nmspinning"), releasep, and under sched.lock the P goes to _Pgcstop,
    stopwait--, and the last P to stop wakes the stopper; then stopm (its
    own step). When startTheWorld wakes it with a P it starts findRunnable
    over. Abstracts: the nmspinning drop and the lock region are one step
    (between them only wakep could see the drop, and during a stop there is
    no idle P for it to take)."""
    L = rt.L
    if s[L.m_lockedg[m]] or not s[L.gcwaiting]:
        return
    b = rt.copy(s)
    if b[rt.m_spinning[m]]:
        b[rt.m_spinning[m]] = 0
        if not b[L.nmspinning]:
            rt.throw(b, "gcstopm: negative nmspinning")
        else:
            b[L.nmspinning] -= 1
    pp = rt.releasep(b, m)
    rt.gcstop(b, pp)
    b[rt.pc[m]] = M_STOPM
    out.append((("gcstopm", m, pp), rt.freeze(b)))


@action("runSafePointFn", "findRunnable, runSafePointFn", pcs=(M_SCHEDULE,), params=("P",))
def runSafePointFn(rt, s, m, out):
    """findRunnable's top (proc.go:3395): this P's runSafePointFn is set, so
    runSafePointFn (2247): CAS it 1 -> 0, run the function, and under
    sched.lock safePointWait--; findRunnable goes on. Abstracts: the
    function itself; the CAS and the decrement are one step (only the
    forEachP waiter reads safePointWait, and it waits for 0)."""
    L = rt.L
    pp = rt.own_p(s, m)
    if s[L.m_lockedg[m]] or s[L.gcwaiting] or not s[L.p_runSafePointFn[pp]]:
        return
    b = rt.copy(s)
    rt.run_safe_point_fn(b, pp)
    out.append((("runSafePointFn", m, pp), rt.freeze(b)))


@action("findRunnable_dropp_gcwaiting", "findRunnable", pcs=(M_DROPP,), params=("P",))
def findRunnable_dropp_gcwaiting(rt, s, m, out):
    """findRunnable, about to drop its P, re-checks under sched.lock
    (proc.go:3583): a stop of the world is pending or this P owes the
    safe-point function, so it unlocks and starts over (goto top), where
    gcstopm or runSafePointFn runs; a P never goes idle owing either.
    Abstracts: nothing; this is the whole branch."""
    if rt.drop_p_rechecks_pass(s, m):
        return
    b = rt.copy(s)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("findRunnable_dropp_gcwaiting", m, rt.own_p(s, m)), rt.freeze(b)))
