"""Liveness under fairness: each property on a matrix of presets, and each
fairness assumption shown to be load-bearing."""

import pytest

from explorer.liveness import Analysis
from explorer.replay import replay
from explorer.trace import to_json
from explorer.verify import lasso_trace
from properties.conftest import LIVENESS_PRESETS, verification

NAMES = ["runnable_g_eventually_runs", "runnable_g_runs_even_if_syscalls_block", "net_ready_g_eventually_runs",
         "syscall_return_eventually_runs", "syscall_p_retaken", "workload_terminates", "no_persistent_underutilisation",
         "world_stop_finishes"]


@pytest.mark.parametrize("prop", NAMES)
@pytest.mark.parametrize("name", LIVENESS_PRESETS)
def test_liveness_property_holds(name, prop):
    _, _, v = verification(name)
    assert not v.liveness_skipped, v.liveness_skipped
    (live,) = [x for x in v.liveness if x.name == prop]
    if not live.applies:
        pytest.skip(f"{prop} does not apply to {name}'s workload")
    assert live.holds, f"{prop} fails on {name}: lasso {live.lasso.prefix_length}+{live.lasso.cycle_length}"


def test_the_properties_are_the_documented_ones():
    _, _, v = verification("tiny")
    assert [x.name for x in v.liveness] == NAMES


def test_some_presets_have_cycles_so_liveness_is_not_just_about_final_states():
    _, _, v = verification("syscallloop")
    assert v.nontrivial_sccs > 0


def test_without_sysmon_fairness_a_p_stuck_in_a_syscall_is_never_retaken():
    machine, _, v = verification("syscallloop", ("sysmon",))
    (live,) = [x for x in v.liveness if x.name == "syscall_p_retaken"]
    assert not live.holds
    trace = lasso_trace(machine, v, live, True, machine.config.to_dict(), "gosched")
    shown = trace.machine  # the run, with numbered threads
    acted = [step.label for step in trace.steps[1:] if step.label[1] == shown.L.sysmon]
    assert not acted, f"sysmon acted in the lasso: {acted}"
    replayed = replay(shown, to_json(shown, trace), set(shown.actions()))
    assert replayed.length == trace.length


def test_without_strong_fairness_of_retakes_cas_a_syscall_loop_starves_its_run_queue():
    """retake's decision is not assumed: the clock and the skip rules make
    sysmon try (sysretake). What is assumed is that its CAS is not lost at
    every try: without that, the lasso is a syscall that returns between
    retake's incidlelocked(-1) and its CAS, again and again (the classic
    protocol's CAS; the modern one's castogscanstatus is keyed the same)."""
    machine, _, v = verification("syscallloop@classic")
    assert all(x.holds for x in v.liveness)
    machine.fairness_strong = lambda key: False  # weak fairness only, for this one check
    try:
        analysis = Analysis(v.result.space, machine, v.predicates)
        runnable = next(p for p in v.properties if p.name == "runnable_g_eventually_runs")
        result = analysis.check(runnable)
        assert not result.holds and result.lasso.cycle_length > 0
        trace = lasso_trace(machine, v, result, True, machine.config.to_dict(), "gosched")
    finally:
        del machine.fairness_strong
    cycle = [step.label[0] for step in trace.steps[len(trace.steps) - result.lasso.cycle_length:]]
    assert "retake_lost" in cycle and "retake" not in cycle, cycle
