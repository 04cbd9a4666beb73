"""The model's building blocks: run queues, the idle lists, symmetry, the initial state."""

import itertools

import pytest

from explorer.search import Limits, explore
from model.config import Config
from model.machine import GoScheduler
from model.presets import preset
from model.vocab import M_ACQUIRE, M_DROPP, M_RUN, M_SCHEDULE, M_STEAL, SY_IDLE, _Gidle, _Grunning, _Pidle, _Prunning
from model.workload import parse_workload
from tests.reach import reach


def machine(workload="spawn(1), spawn(2), spawn(3); exit; exit; exit", procs=2, runq=2, threads=3):
    return GoScheduler(Config(procs=procs, runq=runq, threads=threads, workload=parse_workload(workload)))


def fields(mc, b):
    return mc.fields(bytes(b))


def test_initial_state_is_main_on_m0_p0_with_the_other_ps_idle():
    mc = machine(procs=3)
    (s,) = mc.init_states()
    L = mc.L
    assert s[L.g_status[0]] == _Grunning and s[L.g_status[1]] == _Gidle
    assert s[L.p_status[0]] == _Prunning and s[L.p_m[0]] == 1 and s[L.m_p[0]] == 1
    assert s[L.proc_pc[0]] == M_RUN and s[L.proc_pc[L.sysmon]] == SY_IDLE
    assert mc.fields(s)["sched.pidle"] == "[P1 P2]" and s[L.npidle] == 2


def test_runqput_uses_runnext_kicks_the_old_one_and_spills_half_to_the_global_queue():
    mc = machine(runq=2)
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    for g in (1, 2, 3):
        rt.runqput(b, 0, g, True)
    f = fields(mc, b)
    # goroutine indices 1, 2, 3 are shown by goid: G2, G3, G4 (model/names.py)
    assert f["P0.runnext"] == "G4" and f["P0.runq"] == "[G2 G3]" and f["sched.runq"] == "[]"
    rt.runqput(b, 0, 0, True)  # runnext G1 (main) kicks G4; the full queue moves G2 and G4 to the global queue
    f = fields(mc, b)
    assert f["P0.runnext"] == "G1" and f["P0.runq"] == "[G3]" and f["sched.runq"] == "[G2 G4]"


def test_runqget_takes_runnext_before_the_head():
    mc = machine()
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    rt.runqput(b, 0, 1, False)
    rt.runqput(b, 0, 2, True)
    assert rt.runqget(b, 0) == 2 and rt.runqget(b, 0) == 1 and rt.runqget(b, 0) is None


def test_globrunqgetbatch_takes_its_share_and_fills_the_local_queue():
    mc = machine(runq=4)
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    rt.globrunqputbatch(b, [1, 2, 3])
    # n = min(len(runq)/2=2, size=3, size/gomaxprocs+1=2): index 1 (G2) to run, G3 to the local queue
    assert rt.globrunqgetbatch(b, 1) == 1
    f = fields(mc, b)
    assert f["P1.runq"] == "[G3]" and f["sched.runq"] == "[G4]"


def test_pidle_is_a_stack_and_npidle_follows_it():
    mc = machine(procs=3)
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    assert rt.pidleget(b) == 1
    rt.pidleput(b, 1)
    assert fields(mc, b)["sched.pidle"] == "[P1 P2]" and b[mc.L.npidle] == 2


def test_pidleput_of_a_p_with_work_throws_like_the_runtime():
    mc = machine()
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    rt.runqput(b, 1, 2, False)
    rt.pidleput(b, 1)
    assert fields(mc, b)["sched.throw"] == "throw: pidleput: P has non-empty run queue"


def test_startm_wakes_an_idle_m_or_creates_one_and_reports_the_thread_limit():
    mc = machine(threads=2)
    rt, b = mc.rt, bytearray(mc.init_states()[0])
    assert rt.startm(b, 1, True)
    assert b[mc.L.proc_pc[1]] == M_ACQUIRE and b[mc.L.m_nextp[1]] == 2 and b[mc.L.m_spinning[1]] == 1
    assert not rt.startm(b, 0, False)  # a third M is beyond --threads 2


def test_canonical_form_ignores_m_numbering():
    mc = machine(threads=3)
    L = mc.L
    seen = explore(mc, [], symmetry=False, keep_states=True).space.states
    size = L.m_size
    for s in seen[:: max(1, len(seen) // 200)]:
        base = mc.canonical(s)
        for perm in itertools.permutations(range(L.nm)):
            b = bytearray(s)
            for new, old in enumerate(perm):
                b[L.m_base + new * size: L.m_base + (new + 1) * size] = s[L.m_base + old * size: L.m_base + (old + 1) * size]
            rename = {old + 1: new + 1 for new, old in enumerate(perm)}
            for o in list(L.p_m) + list(L.midle):
                b[o] = rename.get(s[o], 0)
            assert mc.canonical(bytes(b)) == base
        assert mc.canonical(base) == base


@pytest.mark.parametrize("name", ["tiny", "syscalls", "overflow", "steal"])
def test_symmetry_reduction_keeps_exactly_the_canonical_forms_of_the_full_state_space(name):
    mc = GoScheduler(preset(name).with_(threads=4))  # numbered threads: what symmetry reduction renames
    full = explore(mc, [], symmetry=False, keep_states=True)
    reduced = explore(mc, [], symmetry=True, keep_states=True)
    assert full.complete and reduced.complete
    assert {mc.canonical(s) for s in full.space.states} == set(reduced.space.states)
    assert full.terminals.keys() == reduced.terminals.keys()
    assert set(full.coverage) == set(reduced.coverage)


def test_states_are_small_immutable_bytes():
    mc = GoScheduler(preset("default"))
    (s,) = mc.init_states()
    assert isinstance(s, bytes) and len(s) < 256
    assert all(isinstance(t, bytes) for _, t in mc.successors(s))


def test_initial_ps_are_idle_and_unowned():
    mc = machine(procs=4)
    s = mc.init_states()[0]
    for p in range(1, 4):
        assert s[mc.L.p_status[p]] == _Pidle and not s[mc.L.p_m[p]]


@pytest.mark.parametrize("name", ["default", "netpoll", "steal4", "lostwakeup", "handoff3"])
def test_actions_at_one_program_counter_exclude_each_other(name):
    """successors() stops at the first action that fires at a pc (sysmon's
    loop and findRunnable's top aside); that is only sound if no two of them
    can fire together."""
    mc = GoScheduler(preset(name))
    mc._exclusive = [False] * 256
    states = explore(mc, [], limits=Limits(max_states=40000), keep_states=True).space.states
    L = mc.L
    for s in states:
        fired: dict = {}
        for label, _ in mc.successors(s):
            proc = label[1]
            if proc == L.sysmon and s[L.proc_pc[proc]] == SY_IDLE or proc > L.nm:
                continue
            fired.setdefault(proc, set()).add(label[0])
        for proc, names in fired.items():
            # findRunnable's schedtick%61 check is a choice beside its other branches (model/machine.py).
            # stealWork chooses which P to look at next: a steal or an empty P.
            pc = s[L.proc_pc[proc]]
            rest = (names - {"findRunnable_globrunq61"} if pc == M_SCHEDULE else
                    names - {"runqsteal"} if pc == M_STEAL else names)
            assert len(rest) <= 1 and names, f"{names} can all fire for {mc.proc_name(proc)} in {mc.view(s, True)}"


def test_stealWork_looks_at_one_p_at_a_time_and_may_give_up_beside_work_queued_behind_it():
    """With three Ps, stealWork looks at the other two one step apart: one
    found empty may get a G before the other is looked at, so stealWork
    gives up (M_DROPP) while a busy P has work; the re-check after the P is
    dropped is there for that. A stealWork that read every victim at one
    instant could never give up beside work. Breadth-first, to the first such
    step; every steal on the way is from a P not yet found empty."""
    mc = machine("spawn(1), exit; spawn(2), exit; exit", procs=3, runq=1, threads=0)
    L = mc.L

    def busy_elsewhere(s, pp):
        return [p2 for p2 in range(L.np) if p2 != pp and s[L.p_status[p2]] != _Pidle and not mc.rt.runqempty(s, p2)]

    def stole_from_a_p_found_empty(s, label, t):
        return label[0] == "runqsteal" and (s[L.proc_arg[label[1]]] >> label[3]) & 1

    def gave_up_beside_work(s, label, t):
        assert not stole_from_a_p_found_empty(s, label, t), label
        return (label[0] == "stealWork_victim_empty" and t[L.proc_pc[label[1]]] == M_DROPP
                and bool(busy_elsewhere(s, label[2])))

    assert reach(mc, {"gave up": gave_up_beside_work}) == {"gave up"}


def test_seeded_bugs_live_beside_the_catalogue_not_inside_the_actions():
    """A reviewer reads model/actions/ as the runtime's code alone: no action
    asks which mutant is selected; each mutant replaces actions or a helper."""
    import pathlib

    from model.actions import ACTIONS
    from model.mutants import CATALOGUE
    from model.mutants.seeded import replaced
    root = pathlib.Path(__file__).resolve().parent.parent / "model" / "actions"
    for path in root.glob("*.py"):
        assert "mutant ==" not in path.read_text() and "mutant !=" not in path.read_text(), path.name
    for m in CATALOGUE:
        assert replaced(m.name), f"{m.name} changes nothing"
    assert GoScheduler(preset("tiny")).action_table is ACTIONS
