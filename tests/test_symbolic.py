"""The symbolic engines agree with the explicit search (issue 15).

The relation z3 is given comes from running the model's own actions on
symbolic states (explorer/symbolic/): these tests check that it is the
explicit successor function, exhaustively on every reachable state of small
configurations and on random states beyond them (hypothesis), that the
invariants z3 checks are the invariants' own checks, and that BMC finds what
the breadth-first search finds at exactly its length. The full table (every
preset and safety mutant) is scripts/symbolic_report.py's.
"""

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from explorer.symbolic import terms as T
from explorer.symbolic.agreement import bmc_agrees, relation_agrees
from explorer.symbolic.problem import build_problem
from explorer.symbolic.relation import ModelError
from model.presets import preset
from model.workload import parse_workload
from properties.plugin import plugin

from incli import call

_PROBLEMS: dict = {}


def problem_for(config):
    key = config
    if key not in _PROBLEMS:
        machine, _ = plugin.build(config)
        view = plugin.symbolic_view(machine)
        _PROBLEMS[key] = (machine, build_problem(view, plugin.invariants_of(view.machine)))
    return _PROBLEMS[key]


TINY = preset("tiny").with_(threads=2, protocol="classic")
SYSCALL = preset("tiny").with_(protocol="classic", procs=1, threads=2, workload=parse_workload("syscall_block, syscall"), name="syscall")
# The step selections main's scheduler loop added (GoScheduler.dispatch): a
# preemption sysmon asked for while the G is at a syscall (gopreempt_m or the
# syscall, two choices), and findRunnable's timer check, which runs alone if
# it fires (both reached in a few reachable states of these).
PREEMPT_LATE = preset("tiny").with_(protocol="classic", procs=1, threads=1, workload=parse_workload("syscall, loop(0)"), name="preempt_late")
TIMER_FIRST = preset("tiny").with_(protocol="classic", procs=1, threads=1, workload=parse_workload("sleep, syscall"), name="timer_first")
# The modern protocol (the default): tiny with one thread (its invariants compile to ~1,800 paths since the
# checks' sentences no longer fork; with two threads the scan-bit invariants take ~1 min, README).
MODERN = preset("tiny").with_(threads=1, protocol="modern", name="tiny-modern")
SMALL = [TINY, SYSCALL, PREEMPT_LATE, TIMER_FIRST, MODERN]


@pytest.mark.parametrize("config", SMALL, ids=lambda c: c.name)
def test_relation_and_invariants_agree_on_every_reachable_state(config):
    machine, problem = problem_for(config)
    n, bad = relation_agrees(machine, problem, plugin.invariants_of(machine))
    assert n > 10 and not bad, bad[:1]


def _random_state(draw, domains):
    return bytes(draw(st.sampled_from(d)) for d in domains)


@st.composite
def tiny_states(draw):
    _, problem = problem_for(TINY)
    return _random_state(draw, problem.relation.domains)


def _explicit(machine, s):
    try:
        return "ok", sorted((repr(lab), t) for lab, t in machine.successors(s))
    except Exception as err:  # noqa: BLE001 -- the model's code raises on this (unreachable) state
        return "raises", type(err).__name__


def _symbolic(problem, s):
    try:
        return "ok", sorted((repr(lab), t) for lab, t in problem.relation.successors(s))
    except ModelError as err:
        return "raises", err.error[0]


@settings(max_examples=300, deadline=None)
@given(tiny_states())
def test_relation_agrees_on_random_states_beyond_the_reachable_ones(s):
    machine, problem = problem_for(TINY)
    assert _symbolic(problem, s) == _explicit(machine, s)
    for inv, sym in zip(plugin.invariants_of(machine), problem.invariants):
        assert (inv.check(s) is not None) == bool(T.evaluate(sym.violated, s)), inv.name


def test_bmc_finds_nothing_to_the_bfs_depth_where_bfs_finds_nothing():
    config = preset("tiny").with_(procs=1, threads=1, workload=parse_workload("yield"), name="yield")
    row = bmc_agrees(plugin, config, "yield")
    assert row.bfs_property is None and row.bmc_length is None
    assert row.bmc_depth == row.bfs_depth >= 5


@pytest.mark.parametrize("mutant", ["retake_no_handoffp"])  # the others: scripts/symbolic_report.py
def test_bmc_finds_a_safety_mutant_at_exactly_the_bfs_length(mutant):
    # One thread: since retake takes its look, its decision and its CAS as
    # steps, the violation is 7 steps long, and two threads make z3's part
    # most of this file's time.
    row = bmc_agrees(plugin, TINY.with_(threads=1, mutant=mutant), mutant)
    assert row.bfs_property is not None
    assert row.agrees, row


def test_bmc_counterexample_is_a_trace_replay_accepts(tmp_path):
    out = tmp_path / "cex.json"
    # One thread is enough (sysmon retakes the P of M0's syscall) and keeps z3's part short.
    code, text, err = call("bmc", "--preset", "tiny", "--threads", "1", "--mutant", "retake_no_handoffp",
                           "--depth", "7", "--quiet", "--trace-out", out)
    assert code == 1, err
    assert "Counterexample for p_accounting (7 steps, the shortest)" in text
    assert json.loads(out.read_text())["property"] == "p_accounting"
    code, text, err = call("replay", out, "--quiet")
    assert code == 0 and "its last state violates p_accounting" in text


def test_bmc_without_a_violation_is_bounded_not_complete():
    code, text, err = call("bmc", "--preset", "tiny", "--threads", "1", "--depth", "2", "--quiet")
    assert code == 4, (text, err)
    assert "no violation in any run of up to 2 steps" in text


@pytest.mark.parametrize("argv, words", [
    (["bmc", "--preset", "tiny", "--depth", "3"], "--threads"),
    (["bmc", "--preset", "tiny", "--threads", "2", "--depth", "0"], "--depth"),
    (["bmc", "--preset", "tiny", "--threads", "2"], "--depth"),
    (["bmc", "--preset", "tiny", "--threads", "2", "--depth", "3", "--property", "nope"], "nope"),
])
def test_bmc_bad_input_is_one_sentence_and_exit_2(argv, words):
    code, text, err = call(*argv)
    assert code == 2, (text, err)
    assert len(err.strip().splitlines()) == 1 and words in err, err


# --- prove: k-induction strengthened by the model's lemmas (issue 15) ---------------------------------------------

LEMMA_PRESETS = [TINY.with_(threads=1), TINY, SYSCALL, preset("default").with_(threads=2),
                 preset("locked").with_(threads=2), preset("netpoll").with_(threads=2)]


@pytest.mark.parametrize("config", LEMMA_PRESETS, ids=lambda c: f"{c.name}-t{c.threads}")
def test_every_named_lemma_holds_on_every_reachable_state(config):
    # The explicit search's whole reachable set (these are small): a lemma
    # that is false somewhere reachable is caught here, not assumed by prove.
    from explorer.symbolic_cli import sample_states
    machine, _ = plugin.build(config)
    states = sample_states(machine, 100_000)
    assert len(states) < 100_000, "not the whole reachable set"
    lemmas = plugin.lemmas_of(machine)
    assert lemmas
    for lm in lemmas:
        bad = next((s for s in states if lm.check(s) is not None), None)
        assert bad is None, f"{lm.name}: {lm.check(bad)}\n{machine.view(bad, True)}"


@pytest.mark.parametrize("config", [TINY, preset("default").with_(protocol="classic", threads=2)],
                         ids=lambda c: c.name)
def test_every_compiled_named_lemma_is_its_check_on_every_reachable_state(config):
    # prove is given each named lemma compiled from its own check (part by
    # part for a conjunction, e.g. park_ahead_has_a_waker per parking G): the
    # term must say what the check says, in every reachable state.
    from explorer.symbolic_cli import proof_lemmas, sample_states
    machine, problem = problem_for(config)
    named = [lm for lm in proof_lemmas(plugin, problem) if lm.catalogue]
    checks = {lm.name: lm.check for lm in plugin.lemmas_of(machine)}
    assert len(named) == len(checks) and checks["park_ahead_has_a_waker"].parts is not None
    for s in sample_states(machine, 100_000):
        for lm in named:
            assert bool(T.evaluate(lm.term, s)) == (checks[lm.name](s) is None), lm.name


def test_a_wrong_lemma_is_caught_by_the_explicit_search():
    # The same check as above finds a state breaking a lemma that is false
    # ("no G is ever _Grunnable").
    from explorer.symbolic_cli import sample_states
    from model.vocab import _Grunnable
    machine, _ = plugin.build(TINY.with_(threads=1))
    L = machine.L
    wrong = lambda s: "runnable" if any(s[o] == _Grunnable for o in L.g_status) else None  # noqa: E731
    assert any(wrong(s) for s in sample_states(machine, 100_000))


@pytest.mark.parametrize("protocol", ["classic", "modern"])
def test_prove_proves_every_safety_property_on_tiny_with_one_thread(protocol):
    # Modern: global_work_is_picked_up does not count a retake that has not
    # taken its P yet (it may find the G out of its syscall and give up);
    # counting it left a CTI where sysmon gives up beside global work.
    code, text, err = call("prove", "--preset", "tiny", "--protocol", protocol, "--threads", "1", "--quiet")
    assert code == 0, (text, err)
    assert re.search(r"Proven by 1-induction with \d+ strengthening lemmas \([1-9]\d* named", text), text
    assert "Verdict: every safety property holds in every reachable state" in text


@pytest.mark.parametrize("mutant, k, words", [
    ("entersyscall_keeps_grunning", 3, "which breaks gsyscall_on_syscall_m: M0 is in a syscall but its curg G1"),
    ("retake_no_handoffp", 1, "which breaks p_accounting: P0 (_Pidle) is owned by no M"),  # the step fails: a CTI
])
def test_prove_fails_on_a_seeded_mutant(mutant, k, words):
    code, text, err = call("prove", "--preset", "tiny", "--threads", "1", "--mutant", mutant, "-k", str(k), "--quiet")
    assert code == 1, (text, err)
    assert words in text, text
    assert "Proven" not in text


@pytest.mark.parametrize("argv, where", [
    (["bmc", "--preset", "tiny", "--threads", "1", "--depth", "1", "--path-limit", "5"], "on the dispatch of process"),
    (["prove", "--preset", "tiny", "--threads", "1", "--path-limit", "40"], "on step handoffp_startm"),
    (["bmc", "--preset", "tiny", "--protocol", "classic", "--threads", "1", "--depth", "1", "--path-limit", "20"],
     "on step findRunnable_releasep"),
])
def test_symbolic_path_limit_is_one_sentence_and_exit_3(argv, where):
    # The symbolic executor's path limit (PathLimit, a BaseException the
    # model's code cannot catch) ends the command with one sentence saying
    # where it stopped, never a traceback; the modern protocol (the default)
    # and the classic one alike.
    code, text, err = call(*argv, "--quiet")
    assert code == 3, (text, err)
    assert len(err.strip().splitlines()) == 1 and where in err and "--path-limit" in err, err
    assert "Traceback" not in err and "Verdict" not in text


def test_an_invariant_past_the_path_limit_says_which_check():
    # The invariants' checks are held to the same limit as the steps, and
    # the sentence names the check (the command prints it as above).
    from explorer.symbolic.execute import PathLimit
    from explorer.symbolic.props import compile_invariant
    machine, problem = problem_for(TINY)
    inv = next(i for i in plugin.invariants_of(machine) if i.name == "counters_consistent")
    with pytest.raises(PathLimit) as err:
        compile_invariant(inv, problem.domains.values, limit=3)
    assert "on the check of counters_consistent" in str(err.value)


def test_a_conjunction_compiles_one_part_at_a_time():
    # no_duplicated_goroutines is a conjunction over the goroutines
    # (memo.memoised_parts): compiled part by part its paths add up. Run as
    # one loop over the goroutines (the explicit search's function), the
    # same check's paths multiply: far more than the sum. Both compile to
    # the same condition wherever it matters (the agreement tests above).
    from explorer.symbolic.execute import Context, SymSeq, SymState, enumerate_paths
    from explorer.symbolic.props import compile_invariant
    config = preset("default").with_(protocol="classic", threads=3)
    machine, _ = plugin.build(config)
    view = plugin.symbolic_view(machine)
    doms = [tuple(sorted(d)) for d in view.domains]
    inv = next(i for i in plugin.invariants_of(machine) if i.name == "no_duplicated_goroutines")
    assert len(inv.check.parts) == machine.L.ng > 1
    per_part = compile_invariant(inv, doms).paths
    s0 = SymState(len(doms))
    whole = enumerate_paths(lambda: inv.check.fn(SymSeq([s0[o] for o in inv.check.offsets])),
                            Context(doms, text_free=True), limit=50 * per_part + 1)
    assert len(whole) > 4 * per_part, (len(whole), per_part)


def test_a_cti_is_confirmed_only_if_it_is_one_on_the_explicit_model():
    # confirm_cti (prove's replay-style check of a CTI) accepts a real step
    # from a state satisfying everything, and names what is wrong otherwise:
    # a step that is not one of successors(), a lemma the first state breaks,
    # a property the last state does not break.
    from explorer.symbolic.induction import Concrete, Lemma, confirm_cti
    machine, _ = plugin.build(TINY.with_(threads=1))
    view = plugin.symbolic_view(machine)
    concrete = Concrete(machine, plugin.invariants_of(machine), view.domains)
    s0 = machine.init_states()[0]
    s1 = next(t for _, t in machine.successors(s0) if t is not None)
    true, false = Lemma("true", "", ("c", True)), Lemma("false", "", ("c", False))
    assert confirm_cti(concrete, [true], [s0, s1], []) == []
    assert confirm_cti(concrete, [true], [s1, s0], []) == ["state 1 is not a successor of state 0"]
    assert confirm_cti(concrete, [false], [s0, s1], []) == ["state 0 breaks the lemma false"]
    assert "not p_accounting" in confirm_cti(concrete, [true], [s0, s1], ["p_accounting"])[0]


def test_prove_all_kept_skips_the_minimisation_and_still_proves():
    code, text, err = call("prove", "--preset", "tiny", "--protocol", "classic", "--threads", "1", "--all-kept",
                           "--quiet")
    assert code == 0, (text, err)
    m = re.search(r"Proven by 1-induction with (\d+) strengthening lemmas .* all (\d+) Houdini kept", text)
    assert m and m.group(1) == m.group(2), text


def test_prove_with_the_named_lemmas_alone_prints_a_confirmed_cti_on_tiny():
    # The named lemmas alone are not inductive with the claim on tiny (the
    # generated candidates close it, test above): the verdict is a CTI, which
    # `prove` checks on the explicit model before printing it.
    from model.lemmas import lemmas
    from model.machine import GoScheduler
    code, text, err = call("prove", "--preset", "tiny", "--threads", "1", "--candidates", "named", "--json")
    assert code == 1, (text, err)
    data = json.loads(text)
    machine = GoScheduler(preset("tiny").with_(threads=1))
    assert data["candidates"] == "named" and data["lemmas_offered"] == len(lemmas(machine))
    assert not data["proven"] and data["cti"]["confirmed"] and data["cti"]["broken"]
    code, text, _ = call("prove", "--preset", "tiny", "--threads", "1", "--candidates", "named", "--quiet")
    assert "the model's named lemmas only (--candidates named)" in text and "Verdict: NOT PROVEN" in text


def test_the_beyond_reach_report_says_what_each_run_gave(monkeypatch, capsys):
    # scripts/beyond_reach.py (REPORT.md's "Beyond explicit reach"): the
    # explicit search's limit, and prove's CTI with whether it was
    # confirmed, or its failure, are printed as the runs gave them.
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "scripts" / "beyond_reach.py"
    spec = importlib.util.spec_from_file_location("beyond_reach", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    runs = []

    def fake_start(argv):
        runs.append(argv)
        return argv

    def fake_finish(argv):
        if argv[0] == "check":
            return {"complete": False, "stop_reason": "time limit reached (1 s)", "verdict": "incomplete",
                    "states": 12345, "depth": 7}, ""
        if "modern" in argv:
            return None, "gosched-mc: out of memory"
        return {"proven": False, "cti": {"step": "execute(M1, G0)", "broken": {"running_g_has_p": "G5 is lost"},
                                         "confirmed": True}}, ""

    # the configuration itself is a valid one (the runs below are faked)
    machine, _ = plugin.build(preset("default").with_(procs=script.PROCS, threads=script.THREADS,
                                                      workload=parse_workload(script.WORKLOAD)))
    assert machine.L.ng == script.GOROUTINES == 5
    monkeypatch.setattr(script, "start", fake_start)
    monkeypatch.setattr(script, "finish", fake_finish)
    assert script.main(["--seconds", "1"]) == 0
    out = capsys.readouterr().out
    assert "--max-seconds 1 " in out and all("--candidates" in a for a in runs if a[0] == "prove")
    assert "| classic | stopped: time limit reached (1 s) | 12,345 | 7 | CTI | `execute(M1, G0)` | " \
           "running_g_has_p: G5 is lost | yes |" in out
    assert "| modern | stopped: time limit reached (1 s) | 12,345 | 7 | failed: gosched-mc: out of memory |" in out


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_the_step_selector_admits_every_transition_whatever_their_number(n):
    # The selector is a bit-vector (encode.py): with n a power of two, a
    # selector only as wide as n - 1 needs would make "sel < n" wrap to
    # "sel < 0" and the relation would have no step at all.
    import z3
    from explorer.symbolic.encode import Encoding, solver
    from explorer.symbolic.relation import Entry

    class Rel:
        names = ["x"]

        def transitions(self):
            return [(T.TRUE, Entry(("set", j), {0: ("c", j)}), None, None, None) for j in range(n)]

        def errors(self):
            return []

    enc = Encoding(Rel(), [])
    for j in range(n):
        s = solver()
        s.add(enc.step(0), enc.frame(1)[0] == j)
        assert s.check() == z3.sat, j
    s = solver()
    s.add(enc.step(0), enc.frame(1)[0] == n)
    assert s.check() == z3.unsat


def test_random_runs_sample_deeper_reachable_states_and_filter_more_candidates():
    # prove's sample: breadth first up to --samples, then (when that is not
    # every state) the states of seeded random runs. They must be reachable
    # (a lemma is dropped on them), the same every time, and reach levels
    # breadth first did not: on tiny with a 50-state sample they drop
    # candidates the 50 states keep.
    from explorer.symbolic_cli import proof_lemmas, sample, sample_states
    machine, problem = problem_for(TINY)
    reachable = set(sample_states(machine, 100_000))
    assert len(reachable) < 100_000
    bfs = set(sample(machine, 50, walks=0))
    deep = sample(machine, 50, walks=40)
    assert len(bfs) == 50 and bfs < set(deep) <= reachable
    assert set(deep) == set(sample(machine, 50, walks=40))  # seeded
    assert set(sample(machine, 100_000, walks=40)) == reachable  # every state already: no runs added
    lemmas = proof_lemmas(plugin, problem)
    keeps = lambda states: {lm.name for lm in lemmas if all(T.evaluate(lm.term, s) for s in states)}  # noqa: E731
    assert keeps(deep) < keeps(bfs)
    assert keeps(reachable) <= keeps(deep)
