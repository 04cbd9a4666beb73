"""Safety invariants only the modern syscall protocol (Go >= 1.26) has: who
may hold a syscalling G's `_Gscan` bit, and sched.nGsyscallNoP.

The invariants both protocols share (properties/invariants.py) are stated
for both: under the modern protocol a syscalling G's P stays `_Prunning`
with its M (pm_bijection, p_accounting), and a G is `_Grunning` without a P
only in the documented windows (running_g_has_p, gomaxprocs_bound).
"""

from model.names import g_name
from model.runtime import signed
from model.vocab import (GF_SCAN, HANDOFF_CALL_PCS, M_EXITSYSCALL_STEAL, M_SYSCALL, NOP_SYSCALL_PCS, PC_NAMES, SCAN_HOLDING_PCS, SY_SCANNED,
                         SY_TAKEN, _Gsyscall)

from .invariants import _Fields, no_p_window, projected
from .memo import TextNames, isin

PC_NAMES = TextNames(PC_NAMES)  # a symbolic pc is formatted, not looked up (memo.TextNames)


def _scan_fields(L) -> _Fields:
    f = _Fields()
    f.add("flags", L.g_flags)
    f.add("status", L.g_status)
    f.add("curg", L.m_curg)
    f.add("mp", L.m_p)
    f.add("oldp", L.m_oldp)
    f.add("pm", L.p_m)
    f.add("pc", L.proc_pc)
    f.add("hp", L.proc_hp)
    f.add("arg", L.proc_arg)
    return f


def _holders(L, v) -> list:
    """(thread name, G whose scan bit it holds, P it takes) for every thread
    at a scan-holding pc: retake (hp, arg), or an M stealing its old P back
    (the G in a syscall on its m.oldp)."""
    out = []
    for i, pc in enumerate(v["pc"]):
        if not isin(pc, SCAN_HOLDING_PCS):
            continue
        if pc == M_EXITSYSCALL_STEAL:
            pp = v["oldp"][i] - 1
            owner = v["pm"][pp] if pp >= 0 else 0
            g = v["curg"][owner - 1] - 1 if owner else -1
        else:
            pp, g = v["hp"][i] - 1, v["arg"][i] - 1
        out.append((L.proc_name(i), g, pp, pc))
    return out


def make_scan_bit_released(mc):
    L = mc.L
    f = _scan_fields(L)

    def fn(vals):
        v = f.split(vals)
        held = [g for _, g, _, _ in _holders(L, v)]
        for g, flags in enumerate(v["flags"]):
            n = sum(h == g for h in held)  # a sum, not a branch per holder (the symbolic engine's paths)
            if flags & GF_SCAN and n != 1:
                if n == 0:
                    return (f"{g_name(g)}'s _Gscan bit is set but no thread holds it (no resume): its exitsyscall "
                            f"spins forever")
                return f"{g_name(g)}'s _Gscan bit is held by {n} threads at once"
        return None

    return projected("scan_bit_released",
                     "A syscalling G's _Gscan bit is set only while exactly one thread holds it between "
                     "setBlockOnExitSyscall and resume (retake, or exitsyscallTryGetP's steal-back): it is "
                     "always released.", f.offsets, fn)


def make_p_taken_under_scan_bit(mc):
    L = mc.L
    f = _scan_fields(L)

    def fn(vals):
        v = f.split(vals)
        for who, g, pp, pc in _holders(L, v):
            if g < 0 or not v["flags"][g] & GF_SCAN or v["status"][g] != _Gsyscall:
                what = "no G" if g < 0 else f"{g_name(g)}, whose _Gscan bit it does not hold"
                return f"{who} is at {PC_NAMES[pc]} to take P{pp} from {what}"
            if pc == SY_SCANNED:  # re-validated: gp.m == mp && mp.p == pp
                m = v["curg"].index(g + 1) if g + 1 in v["curg"] else -1
                if m < 0 or v["mp"][m] != pp + 1:
                    return (f"{who} holds {g_name(g)}'s _Gscan bit to take P{pp}, but {g_name(g)}'s M does not "
                            f"own P{pp}: the wiring it read has changed")
            if pc == SY_TAKEN and g + 1 in v["curg"] and v["mp"][v["curg"].index(g + 1)]:
                return f"{who} took P{pp} from {g_name(g)}'s M but that M still has a P"
        return None

    return projected("p_taken_under_scan_bit",
                     "A P is taken from a syscalling G (takeP, gcstopP) only by a thread holding that G's _Gscan "
                     "bit, on the M and P it re-validated.", f.offsets, fn)


def make_nGsyscallNoP_accounting(mc):
    L = mc.L
    f = _Fields()
    f.add("n", [L.nGsyscallNoP])
    f.add("curg", L.m_curg)
    f.add("mp", L.m_p)
    f.add("pc", L.proc_pc[:L.nm])
    f.add("ret", L.proc_ret[:L.nm])

    def fn(vals):
        v = f.split(vals)
        ms = [m for m, (cur, mp, pc, ret) in enumerate(zip(v["curg"], v["mp"], v["pc"], v["ret"]))
              if cur and not mp and (isin(pc, NOP_SYSCALL_PCS) or no_p_window(pc, ret)
                                     or (isin(pc, HANDOFF_CALL_PCS) and ret == M_SYSCALL))]
        n = signed(v["n"][0])
        if n != len(ms):
            who = ", ".join(f"{g_name(v['curg'][m] - 1)} on M{m}" for m in ms) or "none"
            return f"sched.nGsyscallNoP is {n} but {len(ms)} syscalling Gs have no P ({who})"
        return None

    return projected("nGsyscallNoP_accounting",
                     "sched.nGsyscallNoP equals the number of Gs in a system call (from entersyscall to "
                     "exitsyscall's end) whose M has no P.", f.offsets, fn)


MAKERS = (make_scan_bit_released, make_p_taken_under_scan_bit, make_nGsyscallNoP_accounting)
