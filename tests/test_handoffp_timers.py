"""handoffp idling a P that has timers calls wakeNetPoller, which tail-calls
wakep while the M is still inside entersyscallblock's handoffp (its G is
_Gsyscall, or _Grunning in the modern protocol's window). No preset reaches
it (a sleeping G at GOMAXPROCS 2 has hundreds of thousands of states), so
this test goes there breadth-first, checking every safety invariant on the
way: the invariants that ask whether an M is "in a syscall" once took wakep
for having left it."""

import pytest

from model.config import Config
from model.vocab import PC_WAKEP1
from model.workload import parse_workload
from properties.plugin import plugin


@pytest.mark.parametrize("protocol", ["classic", "modern"])
def test_entersyscallblock_handoffp_wakes_the_net_poller_through_wakep_or_netpollBreak(protocol):
    cfg = Config(procs=2, runq=2, workload=parse_workload("spawn(1), sleep, syscall_block; sleep"),
                 protocol=protocol, name="handoffp-timers")
    mc, invariants = plugin.build(cfg)
    L = mc.L
    seen = set(mc.init_states())
    frontier, hits = list(seen), set()
    while frontier and len(hits) < 2:
        nxt = []
        for s in frontier:
            for label, t in mc.successors(s):
                broken = [(inv.name, why) for inv in invariants if (why := inv.check(t))]
                assert not broken, (label, broken, mc.view(t, True))
                if label[0] == "handoffp_pidleput" and t[L.proc_pc[label[1]]] == PC_WAKEP1:
                    hits.add("wakep")
                if label[0] == "handoffp_pidleput" and t[L.netpollBreak] and not s[L.netpollBreak]:
                    hits.add("netpollBreak")  # an M blocked in netpoll: wakeNetPoller breaks its poll
                c = mc.canonical(t)
                if c not in seen:
                    seen.add(c)
                    nxt.append(c)
        frontier = nxt
    assert hits == {"wakep", "netpollBreak"}, f"handoffp's wakeNetPoller: only {hits}"
