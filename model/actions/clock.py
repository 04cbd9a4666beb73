"""The clock: time passing, abstracted to the few moments the scheduler
compares against (README, "Time").

Nothing here is a thread's step: these are what 10 ms of wall-clock time,
or a sleep running out, do to the state sysmon and the timers read. They
are fair (class "time": time passes), so a slice that keeps running is
eventually 10 ms old, a syscall sysmon has seen eventually is too, and
sysmon's sleep eventually times out.
"""

from ..vocab import (WAIT_TIMER, WAIT_TIMER_DUE, SLICE_OLD, SLICE_YOUNG, SY_IDLE, SY_SLEEP, SYSCALL_OLD, SYSCALL_SEEN, _Prunning)
from ..workload import OP_COMPUTE, OP_LOOP, OP_SPIN
from .registry import action
from .sysmon import slice_continues

# Actions of the clock (fairness class "time", model/machine.py).
CLOCK = ("slice_expires", "syscallwhen_expires", "sysmon_timeout", "timer_fires")


def slice_running(rt, s, pp) -> bool:
    """Time passes on pp's slice: the ops of the workload are instants
    except where a goroutine spends time (README, "Time"): a syscall on the
    P (_Psyscall; modern: its M's curg _Gsyscall) made by a goroutine that loops (sysretake's case: short
    syscalls again and again in one slice; one syscall's own length is
    syscallwhen's), a `compute` or `spin` op, any op of a goroutine that
    loops forever (time passes over its iterations), and a runnext hand-over of
    the slice to a goroutine that loops (each hand-over stands for a round of
    a ping-pong, which took an op of each). A G that has just started its
    slice at an instant op cannot have run 10 ms: without this rule it could
    be preempted again and again before its next op. Between two slices (the
    M looks for work it will run with a new schedtick) the slice does not
    age either."""
    st = s[rt.p_status[pp]]
    g = rt.syscall_g(s, pp)
    if g >= 0:
        return rt.programs[g][-1].code == OP_LOOP
    if st != _Prunning or not s[rt.p_m[pp]]:
        return False
    m = s[rt.p_m[pp]] - 1
    cur = s[rt.m_curg[m]]
    if not cur:
        nxt = s[rt.m_gp[m]] or s[rt.p_runnext[pp]]
        return slice_continues(rt, s, pp, m) and rt.programs[nxt - 1][-1].code == OP_LOOP
    g = cur - 1
    program = rt.programs[g]
    return program[s[rt.L.g_pc[g]]].code in (OP_COMPUTE, OP_SPIN) or program[-1].code == OP_LOOP


@action("slice_expires", "retake, preemptone", params=("P",), actor="env")
def slice_expires(rt, s, i, out):
    """forcePreemptNS (10 ms) passes on pp's time slice: retake's
    `pd.schedwhen+forcePreemptNS <= now` (proc.go:6419) becomes true, so
    sysmon's next look preempts the G (preemptone) or, in a syscall, retakes
    the P at once (sysretake). Abstracts: sysmon's first look, which records
    the schedtick (pd.schedtick = t): the slice may age from the moment it
    starts."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_schedwhen[pp]] != SLICE_YOUNG or not slice_running(rt, s, pp):
            continue
        b = rt.copy(s)
        b[rt.p_schedwhen[pp]] = SLICE_OLD
        out.append((("slice_expires", i, pp), rt.freeze(b)))


@action("syscallwhen_expires", "retake", params=("P",), actor="env")
def syscallwhen_expires(rt, s, i, out):
    """10 ms pass since sysmon saw pp's syscall: retake's
    `pd.syscallwhen+10*1000*1000 > now` (proc.go:6437) becomes false, so the
    P is retaken even with an empty run queue and a spinning M or idle P
    ("we want to retake them eventually"). Abstracts: the exact age."""
    for pp in rt.choose(range(rt.L.np)):
        if not rt.in_syscall(s, pp) or s[rt.p_syscallwhen[pp]] != SYSCALL_SEEN:
            continue
        b = rt.copy(s)
        b[rt.p_syscallwhen[pp]] = SYSCALL_OLD
        out.append((("syscallwhen_expires", i, pp), rt.freeze(b)))


@action("sysmon_timeout", "sysmon, notetsleep", pcs=(SY_SLEEP,), actor="sysmon")
def sysmon_timeout(rt, s, i, out):
    """sysmon's notetsleep times out (proc.go:6282): forcegcperiod/2 (60 s)
    or the next timer (timeSleepUntil) passed with no wake site waking it;
    under sched.lock it clears sched.sysmonwait and goes back to its loop.
    Abstracts: the length of the sleep."""
    if not s[rt.L.sysmonwait]:
        return
    b = rt.copy(s)
    b[rt.L.sysmonwait] = 0
    b[rt.pc[i]] = SY_IDLE
    out.append((("sysmon_timeout", i), rt.freeze(b)))


@action("timer_fires", "timeSleep, goroutineReady", params=("G",), actor="env")
def timer_fires(rt, s, i, out):
    """The sleep's duration passes: the timer's when is now in the past, so
    the next timers.check of its P (checkTimers in findRunnable) runs
    goroutineReady. Abstracts: the duration."""
    for g, w in rt.choose(enumerate(rt.g_waits(s))):
        if w != WAIT_TIMER:
            continue
        b = rt.copy(s)
        b[rt.L.g_wait[g]] = WAIT_TIMER_DUE
        out.append((("timer_fires", i, g), rt.freeze(b)))
