"""sysmon: the monitor thread that runs without a P. It retakes Ps from
syscalls, preempts long-running Gs and polls the network.

Sysmon's timing (20us..10ms sleeps, the 10ms forcePreemptNS, the one-tick
syscalltick grace) is abstracted: real traces show retakes of syscalls as
young as 1.7us, so any P in a syscall may be retaken at any step, and any
G running a `compute` op may be preempted. Sysmon's deep sleep is not
modelled (it never sleeps), so its steps are always available.
"""

from ..vocab import (GF_PREEMPT, PC_HANDOFF1, SY_IDLE, SY_INCIDLELOCKED, _Pidle, _Prunning,
                     _Psyscall)
from ..workload import OP_COMPUTE
from .common import injectglist, netpoll_ready
from .registry import CLASSIC, action


@action("retake", "sysmon, retake, incidlelocked, handoffp", pcs=(SY_IDLE,), params=("P",), actor="sysmon",
        protocols=CLASSIC)
def retake(rt, s, i, out):
    """sysmon's retake of a P in a syscall: incidlelocked(-1), then
    CAS(&pp.status, _Psyscall, _Pidle) and handoffp(pp), run by sysmon.
    The CAS races with exitsyscallfast's. Abstracts: the "no work and an
    idle P or spinning M and < 10ms" grace, which time always ends."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_status[pp]] != _Psyscall:
            continue
        b = rt.copy(s)
        b[rt.L.nmidlelocked] -= 1
        b[rt.p_status[pp]] = _Pidle
        b[rt.L.proc_hp[i]] = pp + 1
        rt.call(b, i, PC_HANDOFF1, SY_INCIDLELOCKED)
        out.append((("retake", i, pp), rt.freeze(b)))


@action("incidlelocked", "retake, sysmon, incidlelocked, checkdead", pcs=(SY_INCIDLELOCKED,), actor="sysmon")
def incidlelocked(rt, s, i, out):
    """incidlelocked(1) after retake's handoff or sysmon's injectglist: sysmon
    stops pretending to be a running M, and checkdead runs. Abstracts:
    nmidlelocked's other users (locked Ms are not modelled)."""
    b = rt.copy(s)
    b[rt.L.nmidlelocked] += 1
    b[rt.pc[i]] = SY_IDLE
    rt.checkdead(b)
    out.append((("incidlelocked", i), rt.freeze(b)))


@action("preemptone", "sysmon, retake, preemptone", pcs=(SY_IDLE,), params=("P", "G"), actor="sysmon")
def preemptone(rt, s, i, out):
    """retake: a _Prunning P's G has run for a whole time slice (forcePreemptNS),
    so preemptone sets gp.preempt and signals the M (preemptM). Only a G in a
    `compute` op runs that long in the model. Abstracts: time (the 10ms slice
    always eventually elapses), preemptM's signal, and sysmon's tick
    bookkeeping (pd.schedtick)."""
    for pp in rt.choose(range(rt.L.np)):
        if s[rt.p_status[pp]] != _Prunning or not s[rt.p_m[pp]]:
            continue
        cur = s[rt.m_curg[s[rt.p_m[pp]] - 1]]
        if not cur:
            continue
        g = cur - 1
        if rt.programs[g][s[rt.L.g_pc[g]]].code != OP_COMPUTE or s[rt.g_flags[g]] & GF_PREEMPT:
            continue
        b = rt.copy(s)
        b[rt.g_flags[g]] |= GF_PREEMPT
        out.append((("preemptone", i, pp, g), rt.freeze(b)))


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

