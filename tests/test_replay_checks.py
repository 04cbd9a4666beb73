"""`replay` re-validates everything a trace says and rejects a changed trace
naming the first thing that differs (issue 11): the format version, the
configuration and its digest, each step, a lasso's loop, and the property
at the end. Every trace the tool writes replays."""

import copy
import json

import pytest

from explorer.trace import VERSION, config_digest, lasso_message, portable_label
from incli import assert_one_line_error, call
from properties.plugin import plugin

ONE = ("--workers", "1", "--quiet")


def traces_of(*argv) -> list[dict]:
    """The traces `check --json` prints for a run (every violation's)."""
    code, out, err = call("check", *argv, "--json", *ONE)
    assert code == 1, err
    return [v["trace"] for v in json.loads(out)["violations"]]


@pytest.fixture(scope="module")
def saved() -> dict:
    witness = json.loads(call("witness", "syscall_handoff", "--format", "json")[1])
    all_unfair = [f"--no-fairness={c}" for c in plugin.fairness_classes()]
    return {
        "safety": traces_of("--preset", "syscalls", "--mutant", "exitsyscall_no_cas")[0],
        "deadlock": traces_of("--preset", "preempt", "--mutant", "sysmon_never_preempts")[0],
        "lasso": traces_of("--preset", "syscallloop", "--mutant", "sysmon_never_retakes",
                           "--property", "runnable_g_eventually_runs")[0],
        "stutter": traces_of("--preset", "lostwakeup", "--mutant", "wakep_never_wakes")[0],
        "all_unfair": traces_of("--preset", "tiny", "--property", "runnable_g_eventually_runs", *all_unfair)[0],
        "witness": witness,
    }


def replay(tmp_path, data: dict):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    return call("replay", path, "--quiet")


def changed(data: dict, edit, digest: bool = True) -> dict:
    """A copy with edit applied; its configuration digest recomputed (as a
    careful forger would) unless digest=False."""
    d = copy.deepcopy(data)
    edit(d)
    if digest:
        d["config_sha256"] = config_digest(d["config"])
    return d


def assert_rejected(tmp_path, data: dict, code: int, *words: str) -> str:
    got, out, err = replay(tmp_path, data)
    if code == 2:
        return assert_one_line_error(got, out, err, *words)
    assert got == 1, (got, out, err)
    assert "does not replay" in out and err == "", (out, err)
    for w in words:
        assert w in out, (w, out)
    return out


@pytest.mark.parametrize("which", ["safety", "deadlock", "lasso", "stutter", "all_unfair", "witness"])
def test_every_saved_trace_replays(tmp_path, saved, which):
    code, out, err = replay(tmp_path, saved[which])
    assert code == 0, (out, err)
    assert "replays" in out


def test_every_trace_of_every_mutant_and_witness_replays(tmp_path):
    count = 0
    for m in plugin.mutants():
        for t in traces_of("--preset", m["preset"], "--mutant", m["name"]):
            assert replay(tmp_path, t)[0] == 0, (m["name"], replay(tmp_path, t))
            count += 1
    for sc in plugin.witnesses():
        t = json.loads(call("witness", sc.name, "--format", "json")[1])
        assert replay(tmp_path, t)[0] == 0, sc.name
        count += 1
    assert count >= len(plugin.mutants()) + len(plugin.witnesses())


# --- 1. the file and its version -------------------------------------------------------------------------

@pytest.mark.parametrize("version, words", [
    (99, "version 99; this gosched-mc reads version 2 only"), ("2", 'version "2"'), (True, "version true"),
    (1, "older gosched-mc (trace format 1"), (2.0, "must be an integer"),
])
def test_only_the_version_this_tool_writes_is_read(tmp_path, saved, version, words):
    assert VERSION == 2
    assert_rejected(tmp_path, changed(saved["safety"], lambda d: d.update(version=version)), 2, words)


def test_a_field_this_tool_does_not_write_is_refused(tmp_path, saved):
    assert_rejected(tmp_path, changed(saved["safety"], lambda d: d.update(verified=True)), 2, '"verified"')
    assert_rejected(tmp_path, changed(saved["safety"], lambda d: d.pop("message")), 2, '"message"')
    assert_rejected(tmp_path, changed(saved["lasso"], lambda d: d.pop("loop_start")), 2, '"loop_start"')


# --- 2. the configuration --------------------------------------------------------------------------------

def test_an_edited_configuration_is_caught_by_its_digest(tmp_path, saved):
    edited = changed(saved["safety"], lambda d: d["config"].update(threads=8), digest=False)
    assert_rejected(tmp_path, edited, 2, "configuration was changed", "config_sha256")


@pytest.mark.parametrize("edit, words", [
    (lambda c: c.update(goroutines=5), "goroutines is 5"),
    (lambda c: c.update(workload="spawn 1, syscall; syscall"), "workload is"),
    (lambda c: c.update(procs="2"), "procs must be an integer"),
    (lambda c: c.update(workload=[1, 2]), "list of one program string"),
    (lambda c: c.update(mutant=["x"]), "mutant must be a string"),
    (lambda c: c.update(procs=0), "does not validate"),
    (lambda c: c.update(no_fairness=["gravity"]), "no_fairness must be a sorted list"),
    (lambda c: c.pop("no_fairness"), "no_fairness must be a sorted list"),
])
def test_a_configuration_with_a_fresh_digest_must_still_be_the_real_one(tmp_path, saved, edit, words):
    assert_rejected(tmp_path, changed(saved["safety"], lambda d: edit(d["config"])), 2, words)


def test_a_trace_of_another_model_is_refused(tmp_path, saved):
    assert_rejected(tmp_path, changed(saved["safety"], lambda d: d.update(model="raft")), 2, "model")


# --- 3. the steps ----------------------------------------------------------------------------------------

def test_edited_reordered_and_renamed_steps_are_rejected(tmp_path, saved):
    t = saved["safety"]
    assert_rejected(tmp_path, changed(t, lambda d: d["steps"][3]["state"].update({"P0.runnext": "G1"})), 1, "step 3")
    swapped = changed(t, lambda d: d["steps"].insert(2, d["steps"].pop(3)))
    assert_rejected(tmp_path, swapped, 1, "step 2")
    assert_rejected(tmp_path, changed(t, lambda d: d["steps"][2]["label"].__setitem__(0, "teleport")), 2, "teleport")
    assert_rejected(tmp_path, changed(t, lambda d: d["steps"][2].update(text="hello")), 1, "steps[2].text")
    assert_rejected(tmp_path, changed(t, lambda d: d["steps"][2].update(index=7)), 1, "steps[2].index")


# --- 4. the loop of a lasso ------------------------------------------------------------------------------

def test_the_loop_index_must_be_where_the_cycle_returns(tmp_path, saved):
    t = saved["lasso"]
    loop, last = t["loop_start"], t["length"]
    assert 0 < loop < last - 1
    moved = changed(t, lambda d: d.update(loop_start=loop + 1, prefix_length=loop + 1, cycle_length=last - loop - 1))
    assert_rejected(tmp_path, moved, 1, "the cycle does not close")
    stutter = changed(t, lambda d: d.update(loop_start=last, prefix_length=last, cycle_length=0))
    assert_rejected(tmp_path, stutter, 1, "ends in a stutter")
    prefix = changed(t, lambda d: d.update(prefix_length=loop - 1))
    assert_rejected(tmp_path, prefix, 1, "prefix_length")


def test_a_cycle_that_returns_before_its_end_is_rejected(tmp_path, saved):
    t = saved["lasso"]
    loop = t["loop_start"]

    def twice(d):
        again = copy.deepcopy(d["steps"][loop + 1:])
        d["steps"] += again
        for i, step in enumerate(d["steps"]):
            step["index"] = i
        d["length"] = len(d["steps"]) - 1
        d["cycle_length"] = d["length"] - loop
    assert_rejected(tmp_path, changed(t, twice), 1, "runs the same lap again")


# --- 5. the property -------------------------------------------------------------------------------------

def test_a_counterexample_without_its_violating_step_is_rejected(tmp_path, saved):
    for which in ("safety", "deadlock"):
        t = saved[which]

        def drop_last(d):
            d["steps"].pop()
            d["length"] -= 1
        assert_rejected(tmp_path, changed(t, drop_last), 1, "does not")


def test_a_counterexample_must_end_at_its_first_violation(tmp_path, saved):
    """Steps after the violating state (taken in the real model) are rejected."""
    from explorer.replay import rebuild_config, replay_steps
    t = saved["safety"]
    config = rebuild_config(plugin, t, "t")
    machine, _ = plugin.build(config)
    last = replay_steps(machine, t, None)[-1].state
    label, nxt = next((lab, s) for lab, s in machine.successors(last) if s is not None)

    def extend(d):
        d["steps"].append({"index": len(d["steps"]), "action": label[0], "label": portable_label(machine, label),
                           "text": machine.label_text(label), "models": machine.label_note(label),
                           "state": machine.fields(nxt)})
        d["length"] += 1
    assert_rejected(tmp_path, changed(t, extend), 1, "already violates p_accounting")


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(property="pm_bijection"), "does not violate pm_bijection"),
    (lambda d: d.update(property="made_up"), "which the model does not have"),
    (lambda d: d.update(message="P0 is fine"), 'the trace says "P0 is fine"'),
    (lambda d: d.update(kind="witness", property="syscall_handoff"), "does not complete the scenario"),
    (lambda d: d.update(property="deadlock"), "not a deadlock"),
])
def test_forged_safety_claims_are_rejected(tmp_path, saved, edit, words):
    assert_rejected(tmp_path, changed(saved["safety"], edit), 1, words)


def test_forged_witness_claims_are_rejected(tmp_path, saved):
    t = saved["witness"]

    def drop_last(d):
        d["steps"].pop()
        d["length"] -= 1
    assert_rejected(tmp_path, changed(t, drop_last), 1, "does not complete the scenario syscall_handoff")
    assert_rejected(tmp_path, changed(t, lambda d: d.update(property="netpoll_ready")), 1, "netpoll_ready")
    assert_rejected(tmp_path, changed(t, lambda d: d.update(message="anything")), 1, 'the trace says "anything"')
    assert_rejected(tmp_path, changed(t, lambda d: d.update(property="no_such_scenario")), 1, "does not have")


def test_a_lasso_made_by_declaring_every_class_unfair_is_rejected(tmp_path, saved):
    """Legitimate only when the check itself was run with every --no-fairness:
    the trace records that in its configuration, and the digest guards it."""
    t = saved["all_unfair"]
    assert sorted(t["unfair"]) == sorted(plugin.fairness_classes())
    forged = changed(t, lambda d: d["config"].update(no_fairness=[]))
    assert_rejected(tmp_path, forged, 1, "takes exactly no class as unfair")
    assert_rejected(tmp_path, changed(t, lambda d: d["config"].update(no_fairness=[]), digest=False), 2,
                    "config_sha256")

    def fair_again(d):
        d["config"]["no_fairness"] = []
        d["unfair"] = []
        d["message"] = lasso_message(d["instance"], True, [])
    assert_rejected(tmp_path, changed(t, fair_again), 1, "is enabled there and fair")


def test_a_lasso_whose_cycle_is_unfair_without_the_mutant_is_rejected(tmp_path, saved):
    """sysmon_never_retakes makes the syscall loop starve G2; without the
    mutant the same steps replay, but sysmon's weakly fair look at P0 (retake
    or preemptone, whichever the P's state calls for) is enabled throughout
    the cycle and never taken, so the cycle is not a fair run."""
    forged = changed(saved["lasso"], lambda d: d["config"].update(mutant=None))
    assert_rejected(tmp_path, forged, 1, "the cycle is not fair", "(sysmon, P0")


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(unfair=["syscalls"]), "takes [syscalls] as unfair"),
    (lambda d: d.update(property="workload_terminates"), "does not apply"),
    (lambda d: d.update(property="syscall_p_retaken"), "takes"),
    (lambda d: d.update(instance="G7"), "no instance"),
    (lambda d: d.update(instance="G1"), "is fulfilled for G1"),
    (lambda d: d.update(message="forged"), 'the trace says "forged"'),
])
def test_forged_liveness_claims_are_rejected(tmp_path, saved, edit, words):
    assert_rejected(tmp_path, changed(saved["lasso"], edit), 1, words)


# --- graph --highlight uses the same checks --------------------------------------------------------------

@pytest.mark.parametrize("edit", [
    lambda d: d["steps"][3]["state"].update({"P0.runnext": "G1"}),
    lambda d: d.update(message="forged"),
    lambda d: d.update(version=99),
])
def test_graph_highlight_refuses_a_trace_that_does_not_replay(tmp_path, saved, edit):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(changed(saved["safety"], edit)))
    out = tmp_path / "g.json"
    assert_one_line_error(*call("graph", "--highlight", path, "--project", "p-status", "-o", out, *ONE))
    assert not out.exists()


def test_graph_highlight_marks_a_good_trace(tmp_path, saved):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(saved["safety"]))
    code, out, err = call("graph", "--highlight", path, "--project", "p-status", "-o", tmp_path / "g.json", *ONE)
    assert code == 0, err
    assert f"highlighted: the trace's {len(saved['safety']['steps'])} states" in out


def test_graph_highlight_beyond_a_state_limit_is_one_sentence(tmp_path, saved):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(saved["safety"]))
    argv = ("graph", "--highlight", path, "--format", "json", "-o", tmp_path / "g.json", "--max-states", "3", *ONE)
    assert_one_line_error(*call(*argv), "leaves the explored graph")
