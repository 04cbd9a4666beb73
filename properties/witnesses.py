"""Witnesses: the scheduler's textbook scenarios, generated as shortest runs.

A model that allows too little satisfies every invariant vacuously; these
"sometimes" properties show it can do what the runtime does. Each scenario is
a sequence of stages; a stage matches one step (its action label and the
state after it) and may bind names (the G that entered the syscall, its P,
its M) that later stages refer to. One step may complete several stages in
a row (a state condition that holds right after the step that caused it).
"""

from explorer.observer import Scenario
from model.vocab import SLICE_YOUNG, SY_SLEEP, _Grunning, _Pgcstop

# A label is (action, proc, *params); params follow ACTIONS[action].params.


def staged(name: str, doc: str, preset: str, *stages, protocol: str = "classic") -> Scenario:
    def start(mc, s):
        return (0, ())

    def step(mc, obs, label, s):
        """Stay, or advance past every consecutive stage this step matches
        (a state condition may hold right after the step that caused it)."""
        k, env = obs
        options = [obs]
        bound = dict(env)
        while k < len(stages):
            bound = stages[k](mc, label, s, bound)
            if bound is None:
                break
            k += 1
            options.append((k, tuple(sorted(bound.items()))))
        return options

    return Scenario(name, doc, preset, start, step, lambda obs: obs[0] == len(stages),
                    settings=(("protocol", protocol),))


def running(mc, s, g) -> bool:
    return s[mc.L.g_status[g]] == _Grunning


def on(action: str):
    """Stage: the step is `action`; bind nothing."""
    return lambda mc, label, s, env: env if label[0] == action else None


def by(*actions: str, m: str = "m"):
    """Stage: the step is one of `actions`, taken by the M bound as `m`."""
    return lambda mc, label, s, env: env if label[0] in actions and label[1] == env[m] else None


def binds_mgp(action: str):
    """Stage: the step is `action` (params G, P); bind its M, G and P."""
    def stage(mc, label, s, env):
        return dict(env, m=label[1], g=label[2], p=label[3]) if label[0] == action else None
    return stage


enters_syscall = binds_mgp("entersyscall")
enters_syscallblock = binds_mgp("entersyscallblock")
its_syscall_returns_without_p = by("exitsyscall_lostp")
the_other_syscall_returns_without_p = by("exitsyscall_lostp", m="m2")
reacquires_a_p = by("exitsyscallfast_pidle", "exitsyscall0_acquirep")
goes_to_global_runq = by("exitsyscall0_globrunqput")
its_m_parks = by("stopm")
finds_nothing = by("findRunnable_recheck_none")
fast_path = on("exitsyscall")


def retakes_its_p(mc, label, s, env):
    return env if label[0] == "retake" and label[2] == env["p"] else None


def p_runs_another_g_on_another_m(mc, label, s, env):
    L, p = mc.L, env["p"]
    owner = s[L.p_m[p]]
    if not owner or owner - 1 == env["m"]:
        return None
    cur = s[L.m_curg[owner - 1]]
    return env if cur and cur - 1 != env["g"] and running(mc, s, cur - 1) else None


def another_m_enters_syscall_on_it(mc, label, s, env):
    if label[0] == "entersyscall" and label[3] == env["p"] and label[1] != env["m"]:
        return dict(env, m2=label[1])
    return None


def steals_its_p_back(mc, label, s, env):
    """exitsyscallfast's CAS wins on the old P, which is in _Psyscall again,
    this time for the other M's syscall."""
    if label[0] == "exitsyscall" and label[1] == env["m"] and label[3] == env["p"]:
        return env
    return None


def it_runs_again(mc, label, s, env):
    return env if running(mc, s, env["g"]) else None


def handoff_starts_an_m(mc, label, s, env):
    if label[0].startswith("handoffp_") and label[0].endswith("startm") and label[2] == env["p"]:
        return env
    return None


def another_m_acquires_it(mc, label, s, env):
    return env if label[0] == "acquirep" and label[2] == env["p"] and label[1] != env["m"] else None


def same_m_hands_off(mc, label, s, env):
    return env if label[0] == "handoffp_startm" and label[1] == env["m"] and label[2] == env["p"] else None


def parks_on_netpoller(mc, label, s, env):
    return dict(env, g=label[2], m=label[1]) if label[0] == "netpollblock" else None


def another_g_runs(mc, label, s, env):
    others = [g for g in range(mc.L.ng) if g != env["g"] and running(mc, s, g)]
    return env if others else None


def fd_ready(mc, label, s, env):
    return env if label[0] == "netpollready" and label[2] == env["g"] else None


def netpoll_returns_it(mc, label, s, env):
    name = label[0]
    if name in ("findRunnable_netpoll", "netpoll_acquirep") and label[3] == env["g"]:
        return env
    if name in ("sysmon_netpoll", "netpoll_injectglist") and label[2] == env["g"]:
        return env
    return None


def steals_half(mc, label, s, env):
    """runqsteal took two or more Gs: one to run, the rest now in the thief's queue."""
    if label[0] != "runqsteal":
        return None
    thief_p = label[2]
    return env if s[mc.L.p_runq[thief_p][0]] else None


def returns_to_global_runq(mc, label, s, env):
    return dict(env, g=label[2]) if label[0] == "exitsyscall0_globrunqput" else None


def preempts_a_computation(mc, label, s, env):
    return dict(env, h=label[3]) if label[0] == "preemptone" else None


def it_lands(mc, label, s, env):
    return env if label[0] == "gopreempt_m" and label[2] == env["h"] else None


def stops_spinning(mc, label, s, env):
    return dict(env, m=label[1]) if label[0] == "findRunnable_stopspinning" else None


def stops_its_p_for_the_world(mc, label, s, env):
    """stopTheWorldWithSema (or the syscalling M's own entersyscall_gcwait)
    CASes the syscalling P from _Psyscall to _Pgcstop."""
    if label[0] in ("stopTheWorldWithSema", "entersyscall_gcwait") and s[mc.L.p_status[env["p"]]] == _Pgcstop:
        return env
    return None


def foreachp_hands_it_off(mc, label, s, env):
    return env if label[0] == "forEachP_handoffp" and label[2] == env["p"] else None


def world_starts(mc, label, s, env):
    return env if label[0] == "startTheWorldWithSema" else None


def locks_its_thread(mc, label, s, env):
    return dict(env, m=label[1], g=label[2]) if label[0] == "lockOSThread" else None


def its_locked_g_enters_syscall(mc, label, s, env):
    return dict(env, p=label[3]) if label[0] == "entersyscall" and label[2] == env["g"] else None


def another_m_hands_it_to_its_m(mc, label, s, env):
    return env if label[0] == "startlockedm" and label[2] == env["g"] and label[1] != env["m"] else None


def its_m_runs_it(mc, label, s, env):
    return env if label[0] == "stoplockedm_acquirep" and label[1] == env["m"] and label[3] == env["g"] else None
def sysmon_sleeps(mc, label, s, env):
    return env if label[0] == "sysmon_sleep" else None


def a_syscall_wakes_sysmon(mc, label, s, env):
    """A wake site on a syscall path (entersyscall_sysmon, exitsyscallfast_pidle,
    exitsyscall0) cleared sched.sysmonwait while sysmon sleeps."""
    wakes = ("entersyscall", "exitsyscallfast_pidle", "exitsyscall0_acquirep")
    L = mc.L
    return env if label[0] in wakes and not s[L.sysmonwait] and s[L.proc_pc[L.sysmon]] == SY_SLEEP else None


def sysmon_wakes(mc, label, s, env):
    return env if label[0] == "sysmon_wake" else None


def the_pair_wakes_each_other(mc, label, s, env):
    """One of the pair readies the other: goready puts it in runnext."""
    return env if label[0] == "goready" and label[2] != env["g"] else None


def inherits_the_slice(mc, label, s, env):
    """findRunnable takes runnext with inheritTime: the ping-pong pair shares
    the P's time slice (the slice stays as it was)."""
    if label[0] != "findRunnable_runqget" or label[3] == env["g"]:
        return None
    return dict(env, h=label[3]) if s[mc.L.p_schedwhen[label[2]]] != SLICE_YOUNG else None


def the_pair_is_preempted(mc, label, s, env):
    return dict(env, h=label[2]) if label[0] == "gopreempt_m" and label[2] != env["g"] else None


def sleeps_on_a_timer(mc, label, s, env):
    return dict(env, g=label[2]) if label[0] == "timeSleep" else None


def check_timers_readies_it(mc, label, s, env):
    return env if label[0] == "findRunnable_checkTimers" and label[3] == env["g"] else None


SCENARIOS = [
    staged("syscall_handoff",
           "A goroutine blocks in a syscall; sysmon detaches its P, which runs another goroutine on another M; "
           "when the syscall completes, the M gets a P again and the goroutine carries on.",
           "syscalls", enters_syscall, retakes_its_p, p_runs_another_g_on_another_m, its_syscall_returns_without_p,
           reacquires_a_p),
    staged("syscall_no_p",
           "As syscall_handoff, but no P is free when the syscall returns: exitsyscall0 puts the goroutine on the "
           "global run queue and its M parks; later another M runs it.",
           "tiny", enters_syscall, retakes_its_p, its_syscall_returns_without_p, goes_to_global_runq, its_m_parks,
           it_runs_again),
    staged("retake_handoff",
           "sysmon retakes the P of a long syscall and hands it off: handoffp starts an M, which acquires the P.",
           "syscalls", enters_syscall, retakes_its_p, handoff_starts_an_m, another_m_acquires_it),
    staged("entersyscallblock_handoff",
           "A goroutine calls a known-blocking syscall: entersyscallblock hands its P off at once, and since the P "
           "has local work, handoffp starts an M for it.",
           "steal", enters_syscallblock, same_m_hands_off, another_m_acquires_it),
    staged("netpoll_ready",
           "A goroutine parks on a network read; its P runs other goroutines; the fd becomes ready, the netpoller "
           "returns the goroutine and it runs again.",
           "netpoll", parks_on_netpoller, another_g_runs, fd_ready, netpoll_returns_it, it_runs_again),
    staged("steal_half",
           "An idle P's spinning M steals half of another P's run queue: one G to run, the rest into its own queue.",
           "steal4", steals_half),
    staged("preempt_for_syscall_return",
           "A goroutine back from a syscall finds no P and waits on the global queue while another computes; sysmon "
           "preempts the computation and the waiting goroutine runs.",
           "preempt", returns_to_global_runq, preempts_a_computation, it_lands, it_runs_again),
    staged("spinning_m_parks",
           "A spinning M finds nothing: it drops its P, stops spinning, re-checks every run queue, finds nothing "
           "again and parks (stopm).",
           "tiny", stops_spinning, finds_nothing, its_m_parks),
    staged("syscall_steal_back",
           "Steal-back, seen in real Go traces: sysmon retakes a P from a syscall and hands it to another M, whose "
           "goroutine enters a syscall on it too; the first syscall returns and exitsyscallfast CASes the P back "
           "from _Psyscall although another M is the one in a syscall on it, so that M's syscall returns to no P.",
           "syscalls", enters_syscall, retakes_its_p, another_m_enters_syscall_on_it, steals_its_p_back,
           the_other_syscall_returns_without_p),
    staged("sysmon_sleep_wake",
           "Every P is idle, so sysmon sets sched.sysmonwait and sleeps; a syscall path (exitsyscall taking an idle "
           "P) wakes it, and it goes back to its loop.",
           "tiny", sysmon_sleeps, a_syscall_wakes_sysmon, sysmon_wakes),
    staged("pingpong_preempted",
           "A goroutine back from a syscall waits on the global queue while two goroutines wake each other "
           "through runnext, inheriting one time slice; the slice runs 10 ms, sysmon preempts the pair, and the "
           "waiting goroutine runs.",
           "pingpong", returns_to_global_runq, the_pair_wakes_each_other, inherits_the_slice, the_pair_is_preempted,
           it_runs_again),
    staged("timer_wakes_sleeper",
           "A goroutine sleeps on a timer; the M that drops the last P polls the network until the timer is due, "
           "netpoll returns empty, the M takes a P and findRunnable's timer check readies the sleeper, which runs.",
           "timers", sleeps_on_a_timer, on("netpoll_block"), on("netpoll_empty"), check_timers_readies_it,
           it_runs_again),
    staged("exitsyscall_fast_path",
           "A syscall returns before sysmon acts: exitsyscallfast CASes the old P back from _Psyscall and the "
           "goroutine keeps running on it.",
           "tiny", fast_path),
    staged("stw_takes_syscall_p",
           "A goroutine enters a syscall and the world is stopped meanwhile: stopTheWorldWithSema (or the M's own "
           "entersyscall_gcwait) CASes its _Psyscall P to _Pgcstop, so when the syscall returns exitsyscallfast "
           "finds no P to take back; after start-the-world the goroutine runs again.",
           "gc", enters_syscall, stops_its_p_for_the_world, its_syscall_returns_without_p, world_starts,
           it_runs_again),
    staged("foreachp_hands_off_syscall_p",
           "forEachP finds a P in _Psyscall that owes the safe-point function: it CASes the P to _Pidle and hands "
           "it off (handoffp runs the function), and the syscall returns to no P.",
           "gc", enters_syscall, foreachp_hands_it_off, its_syscall_returns_without_p),
    staged("locked_syscall_returns_to_its_m",
           "A goroutine locked to its thread (LockOSThread) makes a syscall and loses its P; exitsyscall0 queues it "
           "and its M parks in stoplockedm; another M picks it up, hands that M its P (startlockedm), and the "
           "goroutine runs again on its own thread.",
           "locked", locks_its_thread, its_locked_g_enters_syscall, its_syscall_returns_without_p,
           goes_to_global_runq, another_m_hands_it_to_its_m, its_m_runs_it),
]

from .witnesses_modern import SCENARIOS as _MODERN  # noqa: E402 (they build on the stages above)

SCENARIOS += _MODERN
BY_NAME = {sc.name: sc for sc in SCENARIOS}
