"""Time-slice preemption as Go does it (issue 12, item 4): a runnext
ping-pong pair shares one slice (inheritTime) and sysmon preempts it, so a
goroutine back from a syscall is not starved forever; a `spin` loop
(asyncpreemptoff=1) still starves it, as the real runtime does; and the
handoffp stall of docs/finding-handoffp.md keeps its verdict."""

import pytest

from explorer.verify import lasso_trace, verify
from model.presets import preset
from properties.plugin import plugin


def check(name: str, mutant: str | None = None):
    config = preset(name)
    if mutant:
        from model.mutants import MUTANTS
        config = config.with_(mutant=mutant, protocol=MUTANTS[mutant].protocol)
    machine, invariants = plugin.build(config)
    v = verify(machine, invariants, plugin.liveness(machine), stop_at_first=False, workers=2)
    assert v.result.complete and v.liveness_complete
    check.machine = machine
    return v, {x.name for x in v.liveness if not x.holds}


def test_a_runnext_ping_pong_does_not_starve_a_goroutine_back_from_a_syscall():
    v, violated = check("pingpong")
    assert not v.result.violations and not violated


def test_without_sysmon_preemption_the_ping_pong_starves_it():
    """The lasso the model reported before time slices (a false one: real Go
    preempts the pair within 10 ms) comes back when sysmon never preempts."""
    v, violated = check("pingpong", "sysmon_never_preempts")
    assert "runnable_g_eventually_runs" in violated
    (live,) = [x for x in v.liveness if x.name == "runnable_g_eventually_runs"]
    assert live.lasso.cycle_length > 0 and live.lasso.instance == "G1"  # main (goid 1)


def test_a_spin_loop_still_starves_it():
    """`spin` cannot be preempted (asyncpreemptoff=1, or a loop with no safe point)."""
    v, violated = check("spinstarve")
    assert not v.result.violations
    assert violated == {"runnable_g_eventually_runs", "syscall_return_eventually_runs",
                        "runnable_g_runs_even_if_syscalls_block"}


@pytest.mark.parametrize("name", ["handoffstall"])
def test_the_handoffp_stall_keeps_its_verdict(name):
    """docs/finding-handoffp.md: confirmed on the real runtime; safety holds."""
    v, violated = check(name)
    assert not v.result.violations
    assert violated == {"runnable_g_eventually_runs", "no_persistent_underutilisation",
                        "runnable_g_runs_even_if_syscalls_block"}
    (live,) = [x for x in v.liveness if x.name == "runnable_g_eventually_runs"]
    assert live.lasso.instance == "G3"  # spawn(2): goid 3
    machine = check.machine
    trace = lasso_trace(machine, v, live, True, machine.config.to_dict(), "gosched")
    names = [step.label[0] for step in trace.steps[1:]]
    race = [names.index("handoffp_lock"), names.index("wakep_nopidle", names.index("handoffp_lock")),
            names.index("handoffp_pidleput")]
    assert race == sorted(race), names
    end, L = trace.steps[-1].state, trace.machine.L
    assert end[L.npidle] == 1 and end[L.needspinning] == 1 and not trace.machine.rt.nmspinning(end)
