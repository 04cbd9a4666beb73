"""Stop-the-world, forEachP and LockOSThread (issue 12, items 1 and 2): what
the model lets a stop of the world and a locked thread do, on small
workloads (each explored in well under a second)."""

import functools

import pytest

from explorer.verify import verify
from model.config import Config
from model.vocab import GF_PREEMPT, M_GOSCHED_PUT, M_STW_WAIT, _Grunnable, _Gsyscall, _Pgcstop
from model.workload import WorkloadError, parse_workload, validate_workload
from properties.plugin import plugin


def _check(procs, workload):
    machine, invariants = plugin.build(Config(procs=procs, workload=parse_workload(workload)))
    v = verify(machine, invariants, plugin.liveness(machine), stop_at_first=False, workers=1)
    return {x.name: x for x in v.liveness}, v


@functools.cache
def _reachable(procs, workload, protocol="classic"):
    """Every edge (machine, s, label, t) of the reachable graph."""
    machine, _ = plugin.build(Config(procs=procs, workload=parse_workload(workload), protocol=protocol))
    seen = set(machine.init_states())
    todo, edges = list(seen), []
    while todo:
        s = todo.pop()
        for label, t in machine.successors(s):
            edges.append((machine, s, label, t))
            if t is not None and t not in seen:
                seen.add(t)
                todo.append(t)
    return edges


def test_a_loop_without_preemption_points_keeps_the_world_from_stopping():
    """With asyncpreemptoff=1 a goroutine in a loop with no preemption point
    never reaches a safe point, so ReadMemStats' stop of the world never
    completes (go.dev/issue/28289); a preemptible computation lets it."""
    live, v = _check(2, "spawn(1), stw; spin")
    assert not v.result.violations
    assert not live["world_stop_finishes"].holds
    live, v = _check(2, "spawn(1), stw; compute")
    assert not v.result.violations
    assert live["world_stop_finishes"].holds and live["workload_terminates"].holds


def test_the_stop_takes_a_p_in_a_syscall_that_never_returns():
    """world_stop_finishes does not assume syscalls return: the stopper CASes
    the _Psyscall P to _Pgcstop instead of waiting for it."""
    live, _ = _check(2, "spawn(1), stw; syscall")
    assert "syscalls" in live["world_stop_finishes"].unfair
    assert live["world_stop_finishes"].holds


def test_a_goroutine_asked_to_stop_may_still_enter_its_syscall():
    """preemptall's request lands at a safe point, and reentersyscall is none:
    a G with gp.preempt set may enter its syscall, and then (gcwaiting) gives
    its P up in entersyscall_gcwait."""
    flagged_entry = gcwait = False
    for machine, s, label, t in _reachable(2, "spawn(1), stw; syscall"):
        L = machine.L
        if label[0] == "entersyscall" and s[L.g_flags[label[2]]] & GF_PREEMPT:
            flagged_entry = True
        if label[0] == "entersyscall_gcwait" and t is not None and t[L.p_status[label[2]]] == _Pgcstop:
            gcwait = True
    assert flagged_entry and gcwait


def test_a_syscall_returning_during_the_stop_waits_for_start_the_world():
    """While the stopper waits or the world is stopped, a returning syscall
    finds its P _Pgcstop: it never takes it back (exitsyscallfast's CAS is
    from _Psyscall only), and its G stays _Gsyscall until it gets a P."""
    for machine, s, label, t in _reachable(2, "spawn(1), stw; syscall"):
        L = machine.L
        if label[0] == "exitsyscall" and s[L.p_status[label[3]]] == _Pgcstop:
            pytest.fail("exitsyscall took a _Pgcstop P")
        if t is not None and label[0] == "exitsyscall_lostp":
            assert t[L.g_status[label[2]]] == _Gsyscall


def test_the_stopper_sleeps_only_while_some_p_still_runs():
    for machine, s, label, t in _reachable(2, "spawn(1), stw; syscall"):
        L = machine.L
        if t is not None and label[0] == "stopTheWorldWithSema" and t[L.proc_pc[label[1]]] == M_STW_WAIT:
            assert any(t[L.p_status[p]] != _Pgcstop for p in range(L.np))


@pytest.mark.parametrize("protocol", ["classic", "modern"])
def test_a_goroutine_preempted_for_the_stop_is_kept_in_runnext_from_go_1_26(protocol):
    """goschedImpl: the GoPreempt and _Grunnable first, the G then in the
    M's hand and in no queue; then globrunqput, or (Go 1.26+, proc.go
    1.27:4346) runqput(pp, gp, true) when sched.gcwaiting is set, so that
    it runs again right after the stop. Go 1.25 has no such case."""
    kept = queued = 0
    for machine, s, label, t in _reachable(2, "spawn(1), stw; compute", protocol):
        L = machine.L
        if t is None:
            continue
        if label[0] == "gopreempt_m":  # (t is canonical: its Ms and Ps may be numbered apart from s's)
            g = label[2]
            assert t[L.g_status[g]] == _Grunnable
            assert any(t[L.proc_pc[m]] == M_GOSCHED_PUT and t[L.m_gp[m]] == g + 1 for m in range(L.nm))
            assert g + 1 not in [t[o] for o in L.runq] + [t[L.p_runnext[p]] for p in range(L.np)]
        if label[0] in ("goschedImpl_globrunqput", "goschedImpl_runqput") and s[L.g_flags[label[2]]] & GF_PREEMPT:
            g = label[2]
            if s[L.gcwaiting]:
                assert label[0] == ("goschedImpl_runqput" if protocol == "modern" else "goschedImpl_globrunqput")
            else:
                assert label[0] == "goschedImpl_globrunqput"
            if label[0] == "goschedImpl_runqput":
                kept += 1
                assert g + 1 in [t[L.p_runnext[p]] for p in range(L.np)] and g + 1 not in [t[o] for o in L.runq]
            elif s[L.gcwaiting]:
                queued += 1
                assert g + 1 in [t[o] for o in L.runq]
    if protocol == "classic":
        assert kept == 0 and queued
    else:
        assert kept and not queued


@pytest.mark.parametrize("spec, words", [
    ("spawn(1), gc; stw", "both stop the world"),
    ("lock_thread, lock_thread", "already locked"),
    ("lock_thread, syscall, loop", "returns to op 0 with the thread locked"),
])
def test_workloads_the_model_cannot_represent_are_refused(spec, words):
    with pytest.raises(WorkloadError, match=words):
        validate_workload(parse_workload(spec))


def test_lock_unlock_loops_are_accepted():
    validate_workload(parse_workload("lock_thread, syscall, unlock_thread, loop"))

