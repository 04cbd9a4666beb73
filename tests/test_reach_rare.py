"""Branches no preset reaches cheaply, reached breadth-first with every
safety invariant checked on the way (tests/reach.py); the coverage report
(scripts/coverage_report.py) names these tests as their reason.

handoffp idling a P that has timers calls wakeNetPoller, which tail-calls
wakep while the M is still inside entersyscallblock's handoffp (its G is
_Gsyscall, or _Grunning in the modern protocol's window), or breaks an M's
netpoll. A sleeping G at GOMAXPROCS 2 has hundreds of thousands of states.
The invariants that ask whether an M is "in a syscall" once took wakep for
having left it."""

import pytest

from model.config import Config
from model.vocab import PC_WAKEP1
from model.workload import parse_workload
from properties.plugin import plugin
from tests.reach import reach


def _build(workload, protocol):
    return plugin.build(Config(procs=2, runq=2, workload=parse_workload(workload), protocol=protocol, name="reach"))


@pytest.mark.parametrize("protocol", ["classic", "modern"])
def test_entersyscallblock_handoffp_wakes_the_net_poller_through_wakep_or_netpollBreak(protocol):
    mc, invariants = _build("spawn(1), sleep, syscall_block; sleep", protocol)
    L = mc.L
    hits = reach(mc, {
        "wakep": lambda s, lb, t: lb[0] == "handoffp_pidleput" and t[L.proc_pc[lb[1]]] == PC_WAKEP1,
        # an M blocked in netpoll: wakeNetPoller breaks its poll
        "netpollBreak": lambda s, lb, t: lb[0] == "handoffp_pidleput" and t[L.netpollBreak] and not s[L.netpollBreak],
    }, invariants)
    assert hits == {"wakep", "netpollBreak"}, f"handoffp's wakeNetPoller: only {hits}"


@pytest.mark.parametrize("protocol", ["classic", "modern"])
def test_startTheWorld_starts_an_m_for_a_p_with_local_work(protocol):
    # G2 (runnext of P1, spawned by G1 there) waits while main stops the world;
    # startTheWorldWithSema hands P1 to an M of its own (the preset stwwork).
    mc, invariants = _build("spawn(1), stw; spawn(2), compute; exit", protocol)
    L = mc.L

    def start_with_work(s, lb, t):
        return lb[0] == "startTheWorldWithSema" and any(
            p != lb[2] and not mc.rt.runqempty(s, p) and any(t[o] == p + 1 for o in L.m_nextp) for p in range(L.np))

    assert reach(mc, {"started": start_with_work}, invariants) == {"started"}


@pytest.mark.parametrize("protocol", ["classic", "modern"])
@pytest.mark.parametrize("workload", ["lock_thread, sleep", "spawn(1), lock_thread, sleep; sleep"])
def test_checkdead_never_runs_with_every_m_stopped_and_a_timer_pending(workload, protocol, monkeypatch):
    # checkdead's "a timer will fire" return (runtime.py) is unreachable: the last M
    # blocks in netpoll until the timer is due instead of stopping, and a P idled
    # with a timer gets an M through wakeNetPoller; the coverage report cites this.
    from model import runtime
    from model.vocab import _Grunnable, _Grunning, _Gsyscall
    seen, checkdead = [], runtime.Runtime.checkdead

    def spy(rt, b):
        run = rt.running_ms(b) - (b[rt.L.nmidlelocked] - runtime.NMIDLELOCKED_BIAS)
        idle_gs = all(b[rt.g_status[g]] not in (_Grunnable, _Grunning, _Gsyscall) for g in range(rt.L.ng))
        seen.append(run == 0 and idle_gs and rt.timers_pending(b))
        return checkdead(rt, b)

    monkeypatch.setattr(runtime.Runtime, "checkdead", spy)
    mc, invariants = plugin.build(Config(procs=1, runq=2, workload=parse_workload(workload), protocol=protocol,
                                         name="reach"))
    info = {}
    assert reach(mc, {"timer": lambda s, lb, t: any(seen)}, invariants, info=info) == set()
    assert info["complete"] and seen, (info, len(seen))  # every state seen, and checkdead did run
