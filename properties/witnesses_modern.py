"""Witnesses of the modern syscall protocol (Go >= 1.26): the scan bit at
work. Each is a shortest run of the modern model (model/actions/
syscall_modern.py, retake_modern.py)."""

from .witnesses import binds_mgp, by, it_runs_again, p_runs_another_g_on_another_m, staged

enters = binds_mgp("reentersyscall")
enters_block = binds_mgp("entersyscallblock_handoffp")


def sysmon_holds_its_scan_bit(mc, label, s, env):
    return env if label[0] == "retake_castogscanstatus" and label[3] == env["g"] else None


def sysmon_takes_its_p(mc, label, s, env):
    return env if label[0] == "retake_takeP" and label[2] == env["p"] else None


def another_m_enters_syscall_on_it(mc, label, s, env):
    if label[0] == "entersyscall_casgstatus" and label[1] != env["m"]:
        owner = s[mc.L.p_m[env["p"]]]
        if owner and owner - 1 == label[1]:
            return dict(env, m2=label[1])
    return None


def steals_it_back(mc, label, s, env):
    if label[0] == "exitsyscallTryGetP_takeP" and label[1] == env["m"] and label[2] == env["p"]:
        return env
    return None


def still_in_the_window(mc, label, s, env):
    """The entersyscallblock window is still open: its G is _Grunning without a P."""
    from model.vocab import _Grunning
    return env if s[mc.L.g_status[env["g"]]] == _Grunning and not s[mc.L.m_p[env["m"]]] else None


returns_without_p = by("exitsyscall_nop_window")
the_other_returns_without_p = by("exitsyscall_nop_window", m="m2")
queued_no_p = by("exitsyscallNoP_globrunqput")

SCENARIOS = [
    staged("modern_retake_holds_scan_bit",
           "Go 1.26+: sysmon retakes a P from a syscall holding the goroutine's _Gscan bit (setBlockOnExitSyscall): "
           "castogscanstatus, takeP, resume, handoffp; a return from the syscall meanwhile would spin on its CAS. "
           "The syscall then returns to no P.",
           "tiny", enters, sysmon_holds_its_scan_bit, sysmon_takes_its_p, returns_without_p, protocol="modern"),
    staged("modern_steal_back",
           "Go 1.26+: sysmon takes a P from a syscall and hands it to another M, whose goroutine enters a syscall "
           "on it; the first syscall returns and exitsyscallTryGetP steals the P back through that goroutine's "
           "scan bit (setBlockOnExitSyscall + takeP), so the other syscall returns to no P.",
           "syscalls", enters, sysmon_takes_its_p, another_m_enters_syscall_on_it, steals_it_back,
           the_other_returns_without_p, protocol="modern"),
    staged("modern_exitsyscall_no_p",
           "Go 1.26+: a syscall returns (the CAS to _Grunning first), finds m.p nil, cannot steal back or get an "
           "idle P, and exitsyscallNoP queues the goroutine globally; it runs again later.",
           "syscalls", enters, sysmon_takes_its_p, returns_without_p, queued_no_p, it_runs_again,
           protocol="modern"),
    staged("modern_entersyscallblock_window",
           "Go 1.26+: entersyscallblock hands its P off before its status CAS: while its goroutine is still "
           "_Grunning without a P, another M takes the P and runs another goroutine on it.",
           "steal", enters_block, p_runs_another_g_on_another_m, still_in_the_window, protocol="modern"),
]
