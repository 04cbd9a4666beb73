"""Your own questions: `check --properties FILE.py` (user-defined invariants and liveness properties,
each killing a seeded bug it is written against), the Python API (explorer/api.py), `witness --workload`."""

import pytest

from explorer import api
from tests.incli import assert_one_line_error, call

ONE = ("--workers", "1", "--quiet")

INVARIANT_FILE = '''
def running_p_not_handed_off(fields):
    """A P sysmon has taken (its retake CAS done) and is handing off runs nothing."""
    hp = fields["sysmon.hp"]
    if hp != "nil" and fields["sysmon.pc"] != "retake: CAS" and fields[hp + ".status"] == "_Prunning":
        return hp + " is _Prunning while sysmon still hands it off"

INVARIANTS = {"running_p_not_handed_off": running_p_not_handed_off}
'''

LIVENESS_FILE = '''
LIVENESS = {"spawned_g_runs": (lambda f: f["G2.status"] == "_Grunnable", lambda f: f["G2.status"] == "_Grunning")}
'''


def _file(tmp_path, text, name="props.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_user_invariant_from_a_file_kills_a_seeded_bug_and_holds_without_it(tmp_path):
    path = _file(tmp_path, INVARIANT_FILE)
    args = ("check", "--preset", "syscalls", "--protocol", "classic", "--properties", path, "--property",
            "running_p_not_handed_off", *ONE)
    code, out, err = call(*args)
    assert code == 0 and "Verdict: every property holds." in out, err
    code, out, _ = call(*args, "--mutant", "exitsyscall_no_cas")
    assert code == 1 and "running_p_not_handed_off violated: P0 is _Prunning while sysmon still hands it off" in out


def test_a_user_liveness_property_from_a_file_kills_a_seeded_bug_and_holds_without_it(tmp_path):
    path = _file(tmp_path, LIVENESS_FILE)
    args = ("check", "--preset", "syscallloop", "--properties", path, "--property", "spawned_g_runs", *ONE)
    code, out, _ = call(*args)
    assert code == 0 and "spawned_g_runs " in out and "holds" in out
    code, out, _ = call(*args, "--mutant", "sysmon_never_retakes")
    assert code == 1 and "VIOLATED (spawned_g_runs)" in out and "back to step" in out


@pytest.mark.parametrize("text, words", [
    ("def broken(:\n", "syntax error at line 1"),
    ("raise RuntimeError('no')\n", "failed while loading: RuntimeError: no"),
    ("X = 1\n", "defines neither INVARIANTS nor LIVENESS"),
    ("INVARIANTS = {'p_accounting': lambda f: None}\n", "already a built-in property"),
    ("INVARIANTS = {'mine': 3}\n", "not a function of the fields"),
    ("LIVENESS = {'mine': lambda f: True}\n", "must be a pair (p, q)"),
    ("INVARIANTS = {'mine': lambda f: f['nosuch']}\n", "raised KeyError"),
])
def test_a_bad_properties_file_is_one_sentence(tmp_path, text, words):
    path = _file(tmp_path, text)
    assert_one_line_error(*call("check", "--preset", "tiny", "--properties", path, *ONE), words)


def test_a_missing_properties_file_is_one_sentence(tmp_path):
    assert_one_line_error(*call("check", "--properties", tmp_path / "none.py", *ONE), "does not exist")


def test_the_python_api_checks_builtin_and_own_properties_and_finds_runs():
    m = api.model(preset="syscalls", mutant="exitsyscall_no_cas")
    r = api.check(m)
    assert r.verdict == "violated" and r.exit_code == 1 and r.violations[0].property == "p_accounting"
    assert "exitsyscall(M0, G1, P0)" in r.violations[0].text()

    def no_psyscall_with_idle_p(f):
        if f["P0.status"] == "_Psyscall" and f["P1.status"] == "_Pidle":
            return "P0 is in a syscall while P1 idles"
    classic = api.model(preset="syscalls", protocol="classic")
    mine = api.check(classic, invariants={"no_psyscall_with_idle_p": no_psyscall_with_idle_p}, builtin=False)
    assert mine.verdict == "violated" and mine.violations[0].message == "P0 is in a syscall while P1 idles"
    assert api.check(classic).verdict == "holds"

    run = api.find(m, lambda f: f["P0.status"] == "_Psyscall" and f["P1.status"] == "_Prunning")
    assert run.steps[-1].fields["P0.status"] == "_Psyscall" and run.steps[0].action is None
    assert run.to_json()["steps"][-1]["state"]["P1.status"] == "_Prunning"
    assert api.find(api.model(preset="tiny"), lambda f: f["G1.status"] == "_Gsyscall" and
                    f["G1.status"] == "_Grunning") is None


def test_witness_takes_a_workload_and_its_trace_replays(tmp_path):
    t = tmp_path / "w.json"
    code, out, _ = call("witness", "syscall_handoff", "--workload", "spawn(1), syscall; yield", "--trace-out", t)
    assert code == 0 and "on syscalls+workload" in out
    code, out, _ = call("replay", t, "--quiet")
    assert code == 0 and "it completes syscall_handoff" in out
    code, out, _ = call("witness", "syscall_handoff", "--workload", "spawn(1); exit")
    assert code == 1 and "not reachable in syscalls+workload" in out
