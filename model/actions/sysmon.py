"""sysmon (proc.go:6228): the monitor thread that runs without a P. It
sleeps while every P is idle, retakes Ps from syscalls, preempts goroutines
that have run a whole time slice, and polls the network.

Time is abstract (README, "Time"). Per P, `schedwhen` is retake's view of
the P's time slice (pd.schedtick/pd.schedwhen: young, or the same schedtick
for forcePreemptNS = 10 ms) and `syscallwhen` its view of the P's syscall
(pd.syscalltick/pd.syscallwhen: not seen yet, seen less than 10 ms ago,
seen 10 ms ago). The clock (model/actions/clock.py) ages them; sysmon's
look at a P (retake's loop body, proc.go:6408-6460) reads them the way
retake reads pd. Each look is a step of its own (sysmon looks at the Ps in
any order, one at a time), and only a look that changes something is a
step.
"""

from ..vocab import (GF_PREEMPT, GF_PREEMPT_LATE, M_GOSCHED_PUT, M_SCHEDULE, PC_HANDOFF1, SLICE_OLD, SLICE_PENDING, SLICE_YOUNG,
                     SY_IDLE, SY_INCIDLELOCKED, SY_RETAKE, SY_SLEEP, SYSCALL_SEEN, SYSCALL_UNSEEN, WAIT_TIMER_DUE,
                     _Gsyscall, _Pidle, _Prunning, _Psyscall)
from ..workload import OP_SPIN
from .common import injectglist, netpoll_ready
from .registry import CLASSIC, action

# The looks at one P (retake's loop body); the fairness key of each is the P
# (model/machine.py): sysmon keeps looking at every P that is not idle.
LOOKS = ("retake_syscalltick", "preemptone", "preemptone_between", "retake_decide", "retake_setBlockOnExitSyscall")


# --- sleeping ------------------------------------------------------------------------


@action("sysmon_sleep", "sysmon, timeSleepUntil, notetsleep", pcs=(SY_IDLE,), actor="sysmon")
def sysmon_sleep(rt, s, i, out):
    """sysmon (proc.go:6266-6276): every P is idle (sched.npidle ==
    gomaxprocs), so under sched.lock it sets sched.sysmonwait and sleeps on
    sched.sysmonnote until a wake site wakes it or notetsleep times out
    (forcegcperiod/2, or the next timer: timeSleepUntil; with a timer already
    due it does not sleep). Abstracts: gcwaiting (no GC), schedtrace,
    osRelax, and the 20us-10ms usleep between loops (time is abstract)."""
    if s[rt.L.npidle] != rt.gomaxprocs or WAIT_TIMER_DUE in rt.g_waits(s):
        return
    b = rt.copy(s)
    b[rt.L.sysmonwait] = 1
    b[rt.pc[i]] = SY_SLEEP
    out.append((("sysmon_sleep", i), rt.freeze(b)))


@action("sysmon_wake", "sysmon, notetsleep, noteclear", pcs=(SY_SLEEP,), actor="sysmon")
def sysmon_wake(rt, s, i, out):
    """sysmon (proc.go:6284-6295): notetsleep returns because a wake site
    (entersyscall_sysmon, exitsyscallfast_pidle, exitsyscall0,
    startTheWorldWithSema) cleared sched.sysmonwait and woke
    sched.sysmonnote; under sched.lock sysmon clears the note and goes back
    to its loop. Abstracts: idle/delay (syscallWake), which only set the
    usleep length."""
    if s[rt.L.sysmonwait]:
        return
    b = rt.copy(s)
    b[rt.pc[i]] = SY_IDLE
    out.append((("sysmon_wake", i), rt.freeze(b)))


# --- retake's loop body: one P ----------------------------------------------------------


def _syscall_decision(rt, s, pp):
    """What retake does with pp in _Psyscall (proc.go:6413-6439): "record"
    (its syscalltick is new: record it and skip the P this tick),
    "retake", or None (skipped, nothing changes)."""
    sysretake = s[rt.p_schedwhen[pp]] != SLICE_YOUNG  # same schedtick for 10 ms: preemptone, sysretake = true
    seen = s[rt.p_syscallwhen[pp]]
    if not sysretake and seen == SYSCALL_UNSEEN:
        return "record"
    # With sysretake and an unseen syscall, pd.syscallwhen is an older
    # syscall's: it may be more than 10 ms ago, so the P may be retaken.
    young = seen == SYSCALL_SEEN
    if rt.runqempty(s, pp) and rt.nmspinning(s) + s[rt.L.npidle] > 0 and young:
        return None
    return "retake"


def _preempt_target(rt, s, pp):
    """What preemptone(pp) does to a _Prunning P whose slice is 10 ms old:
    ("preempt", g) for the G running there, ("between", None) when the P's
    M is between two Gs of the slice, or (None, None)."""
    owner = s[rt.p_m[pp]]
    if not owner:
        return None, None
    m = owner - 1
    cur = s[rt.m_curg[m]]
    if cur:
        g = cur - 1
        if s[rt.g_status[g]] == _Gsyscall:  # preemptone (1.27): a G in a syscall is not asked
            return None, None
        if s[rt.g_flags[g]] & GF_PREEMPT or rt.programs[g][s[rt.L.g_pc[g]]].code == OP_SPIN:
            return None, None
        return "preempt", g
    if s[rt.p_schedwhen[pp]] == SLICE_OLD and slice_continues(rt, s, pp, m):
        return "between", None
    return None, None


def slice_continues(rt, s, pp, m) -> bool:
    """The P's M runs no G now, but the next G it runs keeps the slice:
    findRunnable picked it with inheritTime (M.gp), or runnext waits at the
    top of findRunnable (runqget will take it with inheritTime). An M in
    goschedImpl (M_GOSCHED_PUT) holds the G that is leaving, not its next."""
    pc = s[rt.pc[m]]
    return (bool(s[rt.m_gp[m]]) and pc != M_GOSCHED_PUT) or (pc == M_SCHEDULE and bool(s[rt.p_runnext[pp]]))


@action("retake_syscalltick", "retake, setBlockOnExitSyscall, resume", pcs=(SY_IDLE,), params=("P",), actor="sysmon")
def retake_syscalltick(rt, s, i, out):
    """retake (proc.go:6429-6433): pp is in _Psyscall with a syscalltick
    sysmon has not seen (`!sysretake && pd.syscalltick != t`): record it
    (pd.syscallwhen = now) and `continue`: a syscall is retaken at sysmon's
    second look at the earliest ("more than 1 sysmon tick"), unless its slice
    is 10 ms old (sysretake). Modern (1.27 proc.go:6735-6747): the same
    rule, read once setBlockOnExitSyscall(pp) holds the syscalling G's scan
    bit, then resume(): incidlelocked(-1), the scan bit and incidlelocked(1)
    change nothing once the step is over, and while they last only keep the
    G spinning in exitsyscall and checkdead quiet, so they are one step.
    Abstracts: the sysmon tick's length."""
    for pp in rt.choose(range(rt.L.np)):
        if rt.scannable_syscall_g(s, pp) < 0 or _syscall_decision(rt, s, pp) != "record":
            continue
        b = rt.copy(s)
        b[rt.p_syscallwhen[pp]] = SYSCALL_SEEN
        out.append((("retake_syscalltick", i, pp), rt.freeze(b)))


@action("preemptone", "retake, preemptone", pcs=(SY_IDLE,), params=("P", "G"), actor="sysmon")
def preemptone(rt, s, i, out):
    """retake (proc.go:6413-6424): a _Prunning P has had the same schedtick
    for forcePreemptNS (10 ms): one long-running G, or Gs sharing the slice
    through runnext (inheritTime). preemptone (6495) sets gp.preempt and
    stackguard0 = stackPreempt and signals the M (preemptM); the request
    lands at the G's next safe point, before its next op (or, if the G
    reaches a syscall first, after it returns). Abstracts: the signal; a G in
    `spin` never reaches a safe point, so its request is not recorded."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_status[pp]] != _Prunning or s[rt.p_schedwhen[pp]] == SLICE_YOUNG:
            continue
        what, g = _preempt_target(rt, s, pp)
        if what != "preempt":
            continue
        b = rt.copy(s)
        b[rt.g_flags[g]] |= GF_PREEMPT | GF_PREEMPT_LATE
        out.append((("preemptone", i, pp, g), rt.freeze(b)))


@action("preemptone_between", "retake, preemptone, execute", pcs=(SY_IDLE,), params=("P",), actor="sysmon")
def preemptone_between(rt, s, i, out):
    """retake (proc.go:6419-6421): the P's slice is 10 ms old, but its M is
    between two Gs of the slice (findRunnable took or will take runnext with
    inheritTime): preemptone finds no curg and returns false. The model keeps
    the request on the slice, and execute gives it to the G that inherits
    the slice: the same as sysmon's look a moment later, after execute.
    Abstracts: that delay; without it a look that always landed between two
    Gs of a runnext ping-pong would never preempt either (README, "Time")."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_status[pp]] != _Prunning or s[rt.p_schedwhen[pp]] != SLICE_OLD:
            continue
        if _preempt_target(rt, s, pp)[0] != "between":
            continue
        b = rt.copy(s)
        b[rt.p_schedwhen[pp]] = SLICE_PENDING
        out.append((("preemptone_between", i, pp), rt.freeze(b)))


@action("retake_decide", "retake, incidlelocked", pcs=(SY_IDLE,), params=("P",), actor="sysmon",
        protocols=CLASSIC)
def retake_decide(rt, s, i, out):
    """retake (proc.go:6436-6446): pp is in _Psyscall and is to be retaken:
    sysmon has seen this syscall before (or the slice is 10 ms old:
    sysretake), and the P has work, or no spinning M or idle P exists, or
    the syscall was seen 10 ms ago. incidlelocked(-1) under sched.lock
    ("pretending that one more is running") comes before the CAS, which is
    the next step. Abstracts: allpLock."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_status[pp]] != _Psyscall or _syscall_decision(rt, s, pp) != "retake":
            continue
        b = rt.copy(s)
        b[rt.L.nmidlelocked] -= 1
        b[rt.L.proc_hp[i]] = pp + 1
        b[rt.pc[i]] = SY_RETAKE
        out.append((("retake_decide", i, pp), rt.freeze(b)))


@action("retake", "retake, handoffp", pcs=(SY_RETAKE,), params=("P",), actor="sysmon", protocols=CLASSIC)
def retake(rt, s, i, out):
    """retake (proc.go:6448-6455): atomic.Cas(&pp.status, _Psyscall, _Pidle)
    wins the race with exitsyscallfast's CAS: syscalltick++ and
    handoffp(pp), run by sysmon, then incidlelocked(1). Abstracts: tracing
    (ProcSteal)."""
    pp = s[rt.L.proc_hp[i]] - 1
    if s[rt.p_status[pp]] != _Psyscall:
        return
    b = rt.copy(s)
    b[rt.p_status[pp]] = _Pidle
    rt.leave_syscall(b, pp)
    rt.call(b, i, PC_HANDOFF1, SY_INCIDLELOCKED)
    out.append((("retake", i, pp), rt.freeze(b)))


@action("retake_lost", "retake, incidlelocked", pcs=(SY_RETAKE,), params=("P",), actor="sysmon",
        protocols=CLASSIC)
def retake_lost(rt, s, i, out):
    """retake (proc.go:6448, 6459): the CAS fails: the syscall returned and
    exitsyscallfast took the P back between retake's look and its CAS. Then
    incidlelocked(1), whose checkdead runs (the next step). Abstracts:
    tracing."""
    pp = s[rt.L.proc_hp[i]] - 1
    if s[rt.p_status[pp]] == _Psyscall:
        return
    b = rt.copy(s)
    b[rt.L.proc_hp[i]] = 0
    b[rt.pc[i]] = SY_INCIDLELOCKED
    out.append((("retake_lost", i, pp), rt.freeze(b)))


@action("incidlelocked", "retake, sysmon, incidlelocked, checkdead", pcs=(SY_INCIDLELOCKED,), actor="sysmon")
def incidlelocked(rt, s, i, out):
    """incidlelocked(1) after retake's CAS (won or lost) or sysmon's
    injectglist: sysmon stops pretending to be a running M, and checkdead
    runs. Abstracts: nmidlelocked's other users (locked Ms are not
    modelled)."""
    b = rt.copy(s)
    b[rt.L.nmidlelocked] += 1
    b[rt.pc[i]] = SY_IDLE
    rt.checkdead(b)
    out.append((("incidlelocked", i), rt.freeze(b)))


@action("sysmon_netpoll", "sysmon, netpoll, incidlelocked, injectglist", pcs=(SY_IDLE,), params=("G",), actor="sysmon")
def sysmon_netpoll(rt, s, i, out):
    """sysmon: nobody has polled the network for 10ms (lastpoll != 0), so
    netpoll(0); with Gs ready, incidlelocked(-1) and injectglist them: with no
    P they all go to the global queue, and startIdle starts an M per idle P.
    Abstracts: the 10ms lastpoll age, netpollAdjustWaiters."""
    if s[rt.L.netpolling]:
        return
    ready = netpoll_ready(rt, s)
    if not ready:
        return
    b = rt.copy(s)
    b[rt.L.nmidlelocked] -= 1
    injectglist(rt, b, i, None, ready, SY_INCIDLELOCKED)
    out.append((("sysmon_netpoll", i, ready[0]), rt.freeze(b)))
