"""sysmon's retake under the modern protocol (Go 1.26 and later, read in
Go 1.27.3's proc.go:6681): it looks only at _Prunning Ps, and takes one from
a syscall only while it holds the syscalling G's scan bit.

The loop body for one P, as steps: the look (the tick rules say the P may
be retaken: incidlelocked(-1), then setBlockOnExitSyscall's racy reads of
pp.m, mp.curg and its status), castogscanstatus with the re-validation
`gp.m == mp && mp.p == pp`, the tick rules read again under the scan bit
(with resume() on every early exit), takeP, resume, and handoffp; then
incidlelocked(1) (SY_INCIDLELOCKED, shared with the classic retake). The
record of a new syscalltick is sysmon.retake_syscalltick, shared too.
"""

from ..vocab import (GF_SCAN, PC_HANDOFF1, SY_IDLE, SY_INCIDLELOCKED, SY_SCANNED, SY_SETBLOCK, SY_TAKEN,
                     SYSCALL_SEEN, _Gsyscall, _Pidle)
from .registry import MODERN, action
from .sysmon import _syscall_decision


@action("retake_setBlockOnExitSyscall", "retake, incidlelocked, setBlockOnExitSyscall", pcs=(SY_IDLE,),
        params=("P", "G"), actor="sysmon", protocols=MODERN)
def retake_setBlockOnExitSyscall(rt, s, i, out):
    """retake (1.27 proc.go:6726-6736): pp is _Prunning and its syscall is
    to be retaken by the tick rules (sysmon has seen it before or the slice
    is 10 ms old; work to do, or nobody spinning or idle, or seen 10 ms
    ago): incidlelocked(-1) under sched.lock ("Can't call incidlelocked
    once we setBlockOnExitSyscall"), then setBlockOnExitSyscall's racy
    reads: pp.status == _Prunning, mp = pp.m, gp = mp.curg, gp's status
    (without the scan bit) _Gsyscall. castogscanstatus is the next step.
    Abstracts: allpLock; a look the tick rules skip, or whose reads find no
    syscall, changes nothing and is no step."""
    for pp in rt.choose(range(rt.L.np)):
        g = rt.syscall_g(s, pp)
        if g < 0 or _syscall_decision(rt, s, pp) != "retake":
            continue
        b = rt.copy(s)
        b[rt.L.nmidlelocked] -= 1
        b[rt.L.proc_hp[i]] = pp + 1
        b[rt.L.proc_arg[i]] = g + 1
        b[rt.pc[i]] = SY_SETBLOCK
        out.append((("retake_setBlockOnExitSyscall", i, pp, g), rt.freeze(b)))


def read_g(rt, s, i):
    """(pp, gp) as sysmon's retake read them (hp, arg)."""
    return s[rt.L.proc_hp[i]] - 1, s[rt.L.proc_arg[i]] - 1


def still_wired(rt, s, g, pp) -> bool:
    """setBlockOnExitSyscall's re-validation `gp.m == mp && mp.p == pp`
    (1.27 proc.go:6840): gp is the curg of the M that owns pp. (mp was
    pp.m when read; with gp still that M's curg and the M still owning pp,
    it is the same M.)"""
    owner = s[rt.p_m[pp]]
    return bool(owner) and s[rt.m_curg[owner - 1]] == g + 1 and s[rt.m_p[owner - 1]] == pp + 1


def _done(rt, b, i) -> None:
    b[rt.L.proc_hp[i]] = 0
    b[rt.L.proc_arg[i]] = 0
    b[rt.pc[i]] = SY_INCIDLELOCKED


@action("retake_castogscanstatus", "setBlockOnExitSyscall, castogscanstatus", pcs=(SY_SETBLOCK,), params=("P", "G"),
        actor="sysmon", protocols=MODERN)
def retake_castogscanstatus(rt, s, i, out):
    """setBlockOnExitSyscall (1.27 proc.go:6830-6846):
    castogscanstatus(gp, _Gsyscall, _Gsyscall|_Gscan) wins (gp is still in
    its syscall and nobody holds its scan bit) and the wiring re-validates:
    sysmon holds the scan bit; the G cannot leave _Gsyscall until resume.
    Abstracts: the _Gdeadextra case (no cgo-made extra Ms in the model)."""
    pp, g = read_g(rt, s, i)
    if s[rt.g_status[g]] != _Gsyscall or s[rt.g_flags[g]] & GF_SCAN or not still_wired(rt, s, g, pp):
        return
    b = rt.copy(s)
    b[rt.g_flags[g]] |= GF_SCAN
    b[rt.pc[i]] = SY_SCANNED
    out.append((("retake_castogscanstatus", i, pp, g), rt.freeze(b)))


@action("retake_setBlock_fails", "setBlockOnExitSyscall, castogscanstatus, casfrom_Gscanstatus, retake",
        pcs=(SY_SETBLOCK,), params=("P", "G"), actor="sysmon", protocols=MODERN)
def retake_setBlock_fails(rt, s, i, out):
    """setBlockOnExitSyscall returns false (1.27 proc.go:6830-6846): the CAS
    fails (gp left its syscall, or another thread holds its scan bit), or it
    wins but gp has moved on from (mp, pp) and the scan bit is given back at
    once: "This is not what we originally observed. Nothing to do."
    retake goes to done: incidlelocked(1). Abstracts: the instant the bit
    is held and given back (it only delays the G's exitsyscall CAS)."""
    pp, g = read_g(rt, s, i)
    if s[rt.g_status[g]] == _Gsyscall and not s[rt.g_flags[g]] & GF_SCAN and still_wired(rt, s, g, pp):
        return
    b = rt.copy(s)
    _done(rt, b, i)
    out.append((("retake_setBlock_fails", i, pp, g), rt.freeze(b)))


@action("retake_resume_early", "retake, resume", pcs=(SY_SCANNED,), params=("P", "G"), actor="sysmon",
        protocols=MODERN)
def retake_resume_early(rt, s, i, out):
    """retake under the scan bit (1.27 proc.go:6739-6755), the tick rules
    read again: the syscall is a new one (its syscalltick changed since the
    look: record it) or is to be left alone (empty run queue, someone
    spinning or idle, seen less than 10 ms ago): thread.resume() and goto
    done. Abstracts: the sysmon tick's length, as retake_syscalltick."""
    pp, g = read_g(rt, s, i)
    decision = _syscall_decision(rt, s, pp)
    if decision == "retake":
        return
    b = rt.copy(s)
    if decision == "record":
        b[rt.p_syscallwhen[pp]] = SYSCALL_SEEN
    b[rt.g_flags[g]] &= ~GF_SCAN
    _done(rt, b, i)
    out.append((("retake_resume_early", i, pp, g), rt.freeze(b)))


@action("retake_takeP", "retake, takeP, releaseP, addGSyscallNoP", pcs=(SY_SCANNED,), params=("P", "G"),
        actor="sysmon", protocols=MODERN)
def retake_takeP(rt, s, i, out):
    """retake (1.27 proc.go:6757-6759): "Take the P. Note: because we have
    the scan bit, the goroutine is at worst stuck spinning in exitsyscall":
    thread.takeP(): pp.m = 0, mp.p = 0, pp _Pidle, addGSyscallNoP,
    syscalltick++. Abstracts: tracing (ProcSteal)."""
    pp, g = read_g(rt, s, i)
    if _syscall_decision(rt, s, pp) != "retake":
        return
    b = rt.copy(s)
    rt.releaseP(b, pp, _Pidle)
    b[rt.pc[i]] = SY_TAKEN
    out.append((("retake_takeP", i, pp, g), rt.freeze(b)))


@action("retake_resume", "retake, resume, handoffp", pcs=(SY_TAKEN,), params=("P", "G"), actor="sysmon",
        protocols=MODERN)
def retake_resume(rt, s, i, out):
    """retake (1.27 proc.go:6760-6764): thread.resume() gives the scan bit
    back (the G may leave its syscall, to no P), n++, and handoffp(pp) runs
    as sysmon's next steps; then done: incidlelocked(1). Abstracts: n (it
    only feeds sysmon's idle count) and allpLock."""
    pp, g = read_g(rt, s, i)
    b = rt.copy(s)
    b[rt.g_flags[g]] &= ~GF_SCAN
    b[rt.L.proc_arg[i]] = 0
    rt.call(b, i, PC_HANDOFF1, SY_INCIDLELOCKED)
    out.append((("retake_resume", i, pp, g), rt.freeze(b)))
