"""Every seeded bug is caught, and every property catches some seeded bug.

A property that no bug can make fail proves nothing; a bug no property
catches is a hole in the properties."""

import pytest

from explorer.killtable import check_mutant
from explorer.spec import DEADLOCK
from model.presets import preset
from properties.plugin import plugin

MUTANTS = plugin.mutants()
SAFETY, LIVENESS = [], []
for _protocol in ("classic", "modern"):  # each protocol's properties, once
    _machine, _invariants = plugin.build(preset("tiny").with_(protocol=_protocol))
    SAFETY += [inv.name for inv in _invariants if inv.name not in SAFETY]
    LIVENESS += [p.name for p in plugin.liveness(_machine) if p.name not in LIVENESS]
SAFETY.append(DEADLOCK)
# Where to look first for a mutant that makes each property fail on its own
# (the test still tries the others if the hint does not kill it).
HINTS = {
    "no_lost_goroutines": "exitsyscall0_loses_g", "no_duplicated_goroutines": "runqsteal_no_remove",
    "gomaxprocs_bound": "exitsyscall_no_cas", "p_accounting": "retake_no_handoffp",
    "pm_bijection": "exitsyscall_no_cas", "running_g_has_p": "exitsyscall_no_cas", "gsyscall_on_syscall_m": "entersyscall_keeps_grunning",
    "counters_consistent": "wakep_no_cas", "idle_p_empty_runq": "handoffp_skips_local_work",
    "locked_g_runs_on_its_m": "schedule_ignores_lockedm", "world_stopped": "exitsyscall_takes_gcstop_p",
    "no_runtime_throw": "retake_no_incidlelocked", DEADLOCK: "sysmon_never_preempts",
    "runnable_g_eventually_runs": "wakep_never_wakes", "syscall_return_eventually_runs": "exitsyscall_ignores_idle_p",
    "syscall_p_retaken": "sysmon_never_retakes", "workload_terminates": "execute_keeps_preempt",
    "no_persistent_underutilisation": "wakep_never_wakes", "parked_g_has_a_waker": "chanrecv_unlocked_check",
    "deadlock_report_is_genuine": "checkdead_ignores_netpoller", "psyscall_p_has_syscall_m": "entersyscall_no_oldp",
    "runnable_g_runs_even_if_syscalls_block": "sysmon_never_retakes", "net_ready_g_eventually_runs": "sysmon_never_polls",
    "world_stop_finishes": "stw_uncounted_syscall_p",
    "scan_bit_released": "retake_forgets_resume", "p_taken_under_scan_bit": "retake_no_scan_bit",
    "nGsyscallNoP_accounting": "nGsyscallNoP_miscount",
}


def test_the_catalogue_has_ten_mutants_six_of_them_historical():
    assert len(MUTANTS) >= 10
    assert sum(m["historical"] for m in MUTANTS) >= 6
    assert all(m["grounding"] and m["change"] and m["breaks"] for m in MUTANTS)


def test_each_protocol_has_its_own_mutants_and_each_changes_an_action_of_its_protocol():
    from model.actions import ACTIONS
    from model.mutants.seeded import replaced
    for protocol in ("classic", "modern"):
        assert sum(m["protocol"] == protocol for m in MUTANTS) >= 7, protocol
    for m in MUTANTS:
        for name in replaced(m["name"]) - {"(runtime helper)"}:
            info = ACTIONS.get(name)
            if info is not None and info.protocols:
                assert m["protocol"] in info.protocols, f"{m['name']} ({m['protocol']}) changes {name} {info.protocols}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["name"] for m in MUTANTS])
def test_mutant_is_killed_by_the_kind_of_property_it_breaks(mutant):
    row = check_mutant(plugin, mutant, workers=2)
    assert row.killed, f"{mutant['name']} survived every property on preset {mutant['preset']}"
    assert row.killed_by == mutant["kind"], f"{mutant['name']} was killed by {row.property} ({row.killed_by})"
    if row.killed_by == "liveness":
        assert row.prefix_length is not None and row.cycle_length is not None


@pytest.mark.parametrize("prop", SAFETY + LIVENESS)
def test_property_kills_some_mutant_on_its_own(prop):
    order = sorted(MUTANTS, key=lambda m: m["name"] != HINTS.get(prop))
    for mutant in order:
        if check_mutant(plugin, mutant, workers=2, properties={prop}).property == prop:
            return
    pytest.fail(f"no seeded bug makes {prop} fail: the property is vacuous")
