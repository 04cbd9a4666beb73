"""Seeded bugs of the modern syscall protocol (Go >= 1.26): each replaces an
action of model/actions/syscall_modern.py or retake_modern.py with the
runtime's version and one slip (catalogue.py says which and why)."""

from ..actions.common import restore_stackguard
from ..actions.registry import MODERN
from ..actions.retake_modern import read_g, retake_resume_early, still_wired
from ..actions.syscall_modern import exitsyscallTryGetP_pidleget
from ..vocab import (GF_SCAN, M_ENTERSYSCALLBLOCK_HANDOFF, M_EXITSYSCALL_READP, M_EXITSYSCALL_STEAL,
                     M_EXITSYSCALL_TRYGETP, M_RUN, M_SYSCALL, PC_HANDOFF1, SY_INCIDLELOCKED, SY_SCANNED,
                     _Grunning, _Gsyscall, _Pidle, _Prunning)
from ..workload import OP_SYSCALL_BLOCK  # noqa: F401 (the op entersyscallblock runs)
from ..actions.common import advance, current_op
from .seeded import extra, replaces


def _syscall_g(rt, s, m):
    return s[rt.m_curg[m]] - 1


# --- retake --------------------------------------------------------------------------------------

@replaces("retake_no_scan_bit", "retake_castogscanstatus")
def retake_without_scan_bit(rt, s, i, out):
    """retake checks that gp is still _Gsyscall and on the same M and P,
    and goes on to the tick rules and takeP without castogscanstatus: the
    G's exitsyscall is not held back."""
    pp, g = read_g(rt, s, i)
    if s[rt.g_status[g]] != _Gsyscall or not still_wired(rt, s, g, pp):
        return
    b = rt.copy(s)
    b[rt.pc[i]] = SY_SCANNED
    out.append((("retake_castogscanstatus", i, pp, g), rt.freeze(b)))


@replaces("setblock_no_revalidate", "retake_castogscanstatus")
def castogscanstatus_without_revalidation(rt, s, i, out):
    """setBlockOnExitSyscall takes gp's scan bit and does not re-validate
    `gp.m == mp && mp.p == pp`: it goes on with the P it read, whoever owns
    it now."""
    pp, g = read_g(rt, s, i)
    if s[rt.g_status[g]] != _Gsyscall or s[rt.g_flags[g]] & GF_SCAN:
        return
    b = rt.copy(s)
    b[rt.g_flags[g]] |= GF_SCAN
    b[rt.pc[i]] = SY_SCANNED
    out.append((("retake_castogscanstatus", i, pp, g), rt.freeze(b)))


@replaces("setblock_no_revalidate", "retake_setBlock_fails")
def setblock_fails_only_on_cas(rt, s, i, out):
    """Without the re-validation, setBlockOnExitSyscall fails only when its
    CAS does."""
    pp, g = read_g(rt, s, i)
    if s[rt.g_status[g]] == _Gsyscall and not s[rt.g_flags[g]] & GF_SCAN:
        return
    b = rt.copy(s)
    b[rt.L.proc_hp[i]] = 0
    b[rt.L.proc_arg[i]] = 0
    b[rt.pc[i]] = SY_INCIDLELOCKED
    out.append((("retake_setBlock_fails", i, pp, g), rt.freeze(b)))


@replaces("retake_forgets_resume", "retake_resume_early")
def retake_early_exit_without_resume(rt, s, i, out):
    """On an early exit under the scan bit (a new syscalltick, or a P to
    leave alone), retake goes to done without thread.resume(): the runtime's
    step, with the scan bit left set."""
    _, g = read_g(rt, s, i)
    steps = []
    retake_resume_early(rt, s, i, steps)
    for label, succ in steps:
        b = rt.copy(succ)
        b[rt.g_flags[g]] |= GF_SCAN
        out.append((label, rt.freeze(b)))


# --- exitsyscall ---------------------------------------------------------------------------------

@replaces("exitsyscall_reads_p_first", "exitsyscall_fast", "exitsyscall_nop_window")
def exitsyscall_read_p(rt, s, m, out):
    """The syscall returns and exitsyscall reads m.p (kept in hp) before its
    CAS _Gsyscall -> _Grunning, which is the next step."""
    if s[rt.g_flags[_syscall_g(rt, s, m)]] & GF_SCAN:
        return
    b = rt.copy(s)
    b[rt.L.proc_arg[m]] = s[rt.m_p[m]]  # kept in arg: a value, not a P the M holds
    b[rt.pc[m]] = M_EXITSYSCALL_READP
    out.append((("exitsyscall_fast", m, _syscall_g(rt, s, m), s[rt.m_p[m]] - 1), rt.freeze(b)))


@extra("exitsyscall_reads_p_first", "exitsyscall_cas_after_read", "exitsyscall, casgstatus",
       pcs=(M_EXITSYSCALL_READP,), params=("G", "P"), protocols=MODERN)
def exitsyscall_cas_after_read(rt, s, m, out):
    """exitsyscall's CAS _Gsyscall -> _Grunning, after it read m.p: with
    the P it read it takes the fast path, though sysmon or the stop of the
    world may have taken that P in between."""
    g = _syscall_g(rt, s, m)
    if s[rt.g_flags[g]] & GF_SCAN:
        return
    pp = s[rt.L.proc_arg[m]] - 1
    b = rt.copy(s)
    rt.casgstatus(b, g, _Gsyscall, _Grunning)
    b[rt.L.proc_arg[m]] = 0
    if pp >= 0:
        b[rt.L.m_oldp[m]] = 0
        rt.leave_syscall(b, pp)
        restore_stackguard(rt, b, g)
        b[rt.pc[m]] = M_RUN
    else:
        b[rt.pc[m]] = M_EXITSYSCALL_TRYGETP
    out.append((("exitsyscall_cas_after_read", m, g, pp), rt.freeze(b)))


@replaces("stealback_running_p", "exitsyscallTryGetP_setBlock")
def steal_back_any_running_p(rt, s, m, out):
    """exitsyscallTryGetP steals oldp back whenever it is _Prunning, without
    checking that its M's curg is in a syscall: the scan bit it takes (if
    the M runs a G at all) protects nothing."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp < 0 or s[rt.p_status[oldp]] != _Prunning or not s[rt.p_m[oldp]]:
        return
    b = rt.copy(s)
    cur = s[rt.m_curg[s[rt.p_m[oldp]] - 1]]
    if cur:
        b[rt.g_flags[cur - 1]] |= GF_SCAN
    b[rt.pc[m]] = M_EXITSYSCALL_STEAL
    out.append((("exitsyscallTryGetP_setBlock", m, oldp, cur - 1), rt.freeze(b)))


@replaces("stealback_running_p", "exitsyscallTryGetP_nosteal")
def no_steal_only_without_running_p(rt, s, m, out):
    """With any _Prunning oldp taken, only an oldp that is not running is
    passed over."""
    oldp = s[rt.L.m_oldp[m]] - 1
    if oldp >= 0 and s[rt.p_status[oldp]] == _Prunning and s[rt.p_m[oldp]]:
        return
    from ..vocab import M_EXITSYSCALL_TRYPIDLE
    b = rt.copy(s)
    b[rt.L.m_oldp[m]] = 0
    b[rt.pc[m]] = M_EXITSYSCALL_TRYPIDLE
    out.append((("exitsyscallTryGetP_nosteal", m), rt.freeze(b)))


@replaces("stealback_running_p", "exitsyscallTryGetP_takeP")
def take_running_p(rt, s, m, out):
    """takeP, decGSyscallNoP, resume and acquirep of the old P, whatever its
    M was doing."""
    oldp = s[rt.L.m_oldp[m]] - 1
    g = _syscall_g(rt, s, m)
    cur = s[rt.m_curg[s[rt.p_m[oldp]] - 1]] if s[rt.p_m[oldp]] else 0
    b = rt.copy(s)
    rt.releaseP(b, oldp, _Pidle)
    rt.decGSyscallNoP(b)
    if cur:
        b[rt.g_flags[cur - 1]] &= ~GF_SCAN
    b[rt.L.m_oldp[m]] = 0
    rt.acquirep(b, m, oldp)
    restore_stackguard(rt, b, g)
    b[rt.pc[m]] = M_RUN
    out.append((("exitsyscallTryGetP_takeP", m, oldp, cur - 1), rt.freeze(b)))


@replaces("nGsyscallNoP_miscount", "exitsyscallTryGetP_pidleget")
def pidleget_without_dec(rt, s, m, out):
    """exitsyscallTryGetP gets an idle P and does not decGSyscallNoP: the
    runtime's step with the decrement undone (an increment without its
    decrement)."""
    steps = []
    exitsyscallTryGetP_pidleget(rt, s, m, steps)
    for label, succ in steps:
        b = rt.copy(succ)
        rt.addGSyscallNoP(b)
        out.append((label, rt.freeze(b)))


# --- entersyscallblock ---------------------------------------------------------------------------

@replaces("entersyscallblock_classic_order", "entersyscallblock_handoffp")
def entersyscallblock_cas_first(rt, s, m, out):
    """entersyscallblock in Go 1.25's order: casgstatus _Grunning ->
    _Gsyscall first, and handoffp(releasep()) in the next step, on a P that
    is now, by the modern protocol, up for grabs."""
    g, _ = current_op(rt, s, m)
    b = rt.copy(s)
    rt.casgstatus(b, g, _Grunning, _Gsyscall)
    advance(rt, b, g)
    b[rt.pc[m]] = M_ENTERSYSCALLBLOCK_HANDOFF
    out.append((("entersyscallblock_handoffp", m, g, rt.own_p(s, m)), rt.freeze(b)))


@extra("entersyscallblock_classic_order", "entersyscallblock_handoff_after_cas",
       "entersyscallblock, addGSyscallNoP, releasep, handoffp", pcs=(M_ENTERSYSCALLBLOCK_HANDOFF,), params=("P",),
       protocols=MODERN)
def entersyscallblock_handoff_after_cas(rt, s, m, out):
    """The classic order's second half: addGSyscallNoP and
    handoffp(releasep()) with the G already _Gsyscall; if sysmon took the
    P in between, releasep throws "releasep: invalid p state"."""
    b = rt.copy(s)
    rt.addGSyscallNoP(b)
    pp = rt.releasep(b, m)
    b[rt.L.proc_hp[m]] = pp + 1
    rt.call(b, m, PC_HANDOFF1, M_SYSCALL)
    out.append((("entersyscallblock_handoff_after_cas", m, pp), rt.freeze(b)))
