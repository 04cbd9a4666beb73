"""What a running goroutine does: the ops of its program (M at M_RUN).

Each step is taken by the M running the G. Ops that block or yield end with
the M back in findRunnable (M_SCHEDULE) or calling wakep first.
"""

from ..vocab import (GF_TOKEN, M_GOSCHED_PUT, M_MEXIT, M_RUN, M_SCHEDULE, PC_WAKEP1, WAIT_CHAN, WAIT_NET,
                     WAIT_NONE, _Gdead, _Gidle, _Grunnable, _Grunning, _Gwaiting)
from ..workload import OP_COMPUTE, OP_EXIT, OP_NET_READ, OP_PARK, OP_READY, OP_SPAWN, OP_YIELD
from .common import advance, current_op
from .registry import MODERN, action


def _dropg(rt, b, m) -> None:
    b[rt.m_curg[m]] = 0


@action("newproc", "newproc, newproc1, runqput, runqputslow, wakep", pcs=(M_RUN,), params=("G", "G"), ops=(OP_SPAWN,))
def newproc(rt, s, m, out):
    """`go f()` (op spawn(k)): newproc1 makes G k _Grunnable and
    runqput(pp, newg, next=true) puts it in pp.runnext; the old runnext moves
    to the tail, and a full queue moves half of itself to the global queue
    (runqputslow). Then wakep, as a subroutine of this M. Abstracts: gfget,
    stacks, goids, tracing."""
    g, op = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, op.arg, _Gidle, _Grunnable)
    rt.runqput(b, rt.own_p(b, m), op.arg, True)
    advance(rt, b, g)
    rt.call(b, m, PC_WAKEP1, M_RUN)
    out.append((("newproc", m, g, op.arg), rt.freeze(b)))


@action("goready", "goready, ready, runqput, wakep", pcs=(M_RUN,), params=("G", "G"), ops=(OP_READY,))
def goready(rt, s, m, out):
    """op ready(k) with G k parked: ready(gp, next=true) makes it _Grunnable,
    runqput into this P's runnext, then wakep. Abstracts: the channel or
    semaphore that carried the wakeup (chansend/semrelease)."""
    g, op = current_op(rt, s, m)
    k = op.arg
    if s[rt.g_status[k]] != _Gwaiting or s[rt.L.g_wait[k]] != WAIT_CHAN:
        return
    b = rt.copy(s)
    rt.casgstatus(b, k, _Gwaiting, _Grunnable)
    b[rt.L.g_wait[k]] = WAIT_NONE
    rt.runqput(b, rt.own_p(b, m), k, True)
    advance(rt, b, g)
    rt.call(b, m, PC_WAKEP1, M_RUN)
    out.append((("goready", m, g, k), rt.freeze(b)))


@action("chansend_nowaiter", "chansend", pcs=(M_RUN,), params=("G", "G"), ops=(OP_READY,))
def chansend_nowaiter(rt, s, m, out):
    """op ready(k) with G k not parked: a non-blocking send into k's one-slot
    buffer (chansend without a waiting receiver); k's next park consumes it. A
    second send to a full buffer is dropped (select default). Abstracts: the
    channel itself; the buffer holds one value, as a token on the receiver."""
    g, op = current_op(rt, s, m)
    k = op.arg
    if s[rt.g_status[k]] == _Gwaiting and s[rt.L.g_wait[k]] == WAIT_CHAN:
        return
    b = rt.copy(s)
    b[rt.g_flags[k]] |= GF_TOKEN
    advance(rt, b, g)
    out.append((("chansend_nowaiter", m, g, k), rt.freeze(b)))


@action("gopark", "gopark, park_m, dropg, schedule", pcs=(M_RUN,), params=("G",), ops=(OP_PARK,))
def gopark(rt, s, m, out):
    """op park with no pending send: gopark -> park_m: casgstatus _Grunning ->
    _Gwaiting, dropg, unlock the channel, schedule(). The channel lock makes
    this atomic with respect to goready. Abstracts: sudogs, the wait queue,
    the unlock function."""
    g, _ = current_op(rt, s, m)
    if s[rt.g_flags[g]] & GF_TOKEN:
        return
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gwaiting)
    b[rt.L.g_wait[g]] = WAIT_CHAN
    _dropg(rt, b, m)
    advance(rt, b, g)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("gopark", m, g), rt.freeze(b)))


@action("chanrecv_buffered", "chanrecv", pcs=(M_RUN,), params=("G",), ops=(OP_PARK,))
def chanrecv_buffered(rt, s, m, out):
    """op park with a send already buffered: chanrecv takes it and the G keeps
    running (no gopark). Abstracts: the channel buffer (a one-value token)."""
    g, _ = current_op(rt, s, m)
    if not s[rt.g_flags[g]] & GF_TOKEN:
        return
    b = rt.copy(s)
    b[rt.g_flags[g]] &= ~GF_TOKEN
    advance(rt, b, g)
    out.append((("chanrecv_buffered", m, g), rt.freeze(b)))


@action("netpollblock", "netpollblock, gopark, park_m, dropg", pcs=(M_RUN,), params=("G",), ops=(OP_NET_READ,))
def netpollblock(rt, s, m, out):
    """op net_read: the fd is not ready, so the G parks on the netpoller
    (gopark with waitReasonIOWait) until netpoll returns it. Abstracts: the
    pollDesc, deadlines, the read itself."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gwaiting)
    b[rt.L.g_wait[g]] = WAIT_NET
    _dropg(rt, b, m)
    advance(rt, b, g)
    b[rt.pc[m]] = M_SCHEDULE
    out.append((("netpollblock", m, g), rt.freeze(b)))


def _goschedImpl(rt, b, m, g, op_done: bool = True) -> None:
    """goschedImpl's first half: the GoSched/GoPreempt event, _Grunning ->
    _Grunnable, dropg. The G is then in no run queue, only in the M's hand
    (M.gp), until goschedImpl_globrunqput: the M may be descheduled or wait
    for sched.lock in between (a Go 1.27 trace shows a preempted G reach the
    global queue 145 us after its GoPreempt, while another M found that queue
    empty and stopped its P). op_done: the G's op is over, so it resumes at
    the next one."""
    rt.casgstatus(b, g, _Grunning, _Grunnable)
    _dropg(rt, b, m)
    if op_done:
        advance(rt, b, g)
    b[rt.m_gp[m]] = g + 1
    b[rt.pc[m]] = M_GOSCHED_PUT


@action("gosched", "Gosched, gosched_m, goschedImpl", pcs=(M_RUN,), params=("G",), ops=(OP_YIELD,))
def gosched(rt, s, m, out):
    """op yield: runtime.Gosched -> goschedImpl(gp, false): GoSched,
    _Grunning -> _Grunnable, dropg; the G goes to the global queue as the M's
    next step (goschedImpl_globrunqput). Abstracts: nothing else."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    _goschedImpl(rt, b, m, g)
    out.append((("gosched", m, g), rt.freeze(b)))


@action("gopreempt_m", "asyncPreempt, gopreempt_m, goschedImpl", pcs=(M_RUN,), params=("G",))
def gopreempt_m(rt, s, m, out):
    """sysmon's preemptone set gp.preempt: the preemption lands at the G's
    next safe point (the async signal, or a stack check) and gopreempt_m ->
    goschedImpl(gp, true): GoPreempt, _Grunning -> _Grunnable, dropg; the G
    goes to the global queue as the M's next step (goschedImpl_globrunqput).
    While the flag is set this is the G's only step (GoScheduler.successors
    runs it instead of the G's op), but for a syscall op, which may come
    first (the request then waits through the syscall). A `compute` op is one
    slice longer than forcePreemptNS, so being preempted once ends it; any
    other op of a looping G is not done yet and runs again when the G is
    rescheduled. Abstracts: the signal and safe points."""
    g, op = current_op(rt, s, m)
    b = rt.copy(s)  # gp.preempt stays set: execute clears it when the G runs again
    _goschedImpl(rt, b, m, g, op_done=op.code == OP_COMPUTE)
    out.append((("gopreempt_m", m, g), rt.freeze(b)))


@action("goschedImpl_globrunqput", "goschedImpl, globrunqput, wakep", pcs=(M_GOSCHED_PUT,), params=("G",))
def goschedImpl_globrunqput(rt, s, m, out):
    """goschedImpl's second half: lock(&sched.lock); globrunqput(gp);
    unlock, then wakep (mainStarted) and schedule(). Go 1.26+ keeps a G
    preempted for a stop of the world on its P instead
    (goschedImpl_runqput). Abstracts: nothing: wakep runs as the next steps
    of this M."""
    gp = s[rt.m_gp[m]] - 1
    if rt.preempted_for_stw(s, gp):
        return
    b = rt.copy(s)
    b[rt.m_gp[m]] = 0
    rt.globrunqput(b, gp)
    rt.call(b, m, PC_WAKEP1, M_SCHEDULE)
    out.append((("goschedImpl_globrunqput", m, gp), rt.freeze(b)))


@action("goschedImpl_runqput", "goschedImpl, runqput, wakep", pcs=(M_GOSCHED_PUT,), params=("G",), protocols=MODERN)
def goschedImpl_runqput(rt, s, m, out):
    """goschedImpl's second half when `preempted && sched.gcwaiting` (Go
    1.26+): "If preempted for STW, keep the G on the local P in runnext so
    it can keep running immediately after the STW": runqput(pp, gp, true),
    then wakep and schedule() (which stops the P for the world, gcstopm).
    Abstracts: nothing."""
    gp = s[rt.m_gp[m]] - 1
    if not rt.preempted_for_stw(s, gp):
        return
    b = rt.copy(s)
    b[rt.m_gp[m]] = 0
    rt.runqput(b, rt.own_p(b, m), gp, True)
    rt.call(b, m, PC_WAKEP1, M_SCHEDULE)
    out.append((("goschedImpl_runqput", m, gp), rt.freeze(b)))


@action("goexit0", "goexit1, goexit0, gdestroy, dropg, schedule", pcs=(M_RUN,), params=("G",), ops=(OP_EXIT,))
def goexit0(rt, s, m, out):
    """op exit: the goroutine returns; goexit0 -> gdestroy (proc.go:4452)
    makes it _Gdead, clears gp.lockedm and m.lockedg and drops it from the
    M, then schedule(); a goroutine that was locked to its thread takes the
    thread with it instead (mexit). Abstracts: gfput (G reuse), lockedInt
    (the runtime's internal locks)."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gdead)
    locked = b[rt.L.g_lockedm[g]]
    b[rt.L.g_lockedm[g]] = 0
    b[rt.L.m_lockedg[m]] = 0
    _dropg(rt, b, m)
    b[rt.pc[m]] = M_MEXIT if locked else M_SCHEDULE
    out.append((("goexit0", m, g), rt.freeze(b)))
