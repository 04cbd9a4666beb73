"""`replay --model fixed`: a seeded bug's trace replayed on the same configuration without the bug stops
at the step the bug made possible."""

import json

from tests.incli import assert_one_line_error, call

ONE = ("--workers", "1", "--quiet")


def test_the_fixed_model_stops_at_the_seeded_step(tmp_path):
    t = tmp_path / "t.json"
    assert call("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--trace-out", t, *ONE)[0] == 1
    n = json.loads(t.read_text())["length"]  # the seeded step is the last
    code, out, err = call("replay", t, "--model", "fixed")
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    assert f"without the seeded bug exitsyscall_no_cas, the run stops at step {n} of {n}" in last
    assert "exitsyscall(M0, G1, P0) is not enabled there" in last and "exitsyscall_lostp(M0, G1)" in last
    assert f"{n - 1:>3}  retake(sysmon, P0)" in out and f"{n:>3}  " not in out  # the steps taken, then the stop
    assert call("replay", t)[0] == 0  # with the bug, the same file replays


def test_a_lasso_of_a_liveness_bug_is_not_a_fair_run_of_the_fixed_model(tmp_path):
    t = tmp_path / "lasso.json"
    call("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes", "--property",
         "runnable_g_eventually_runs", "--trace-out", t, *ONE)
    code, out, _ = call("replay", t, "--model", "fixed", "--quiet")
    assert code == 0 and "every step replays, but the cycle is not fair: " in out and "(sysmon, P0" in out


def test_a_trace_without_a_mutant_has_no_fixed_model(tmp_path):
    t = tmp_path / "w.json"
    call("witness", "syscall_handoff", "--trace-out", t)
    assert_one_line_error(*call("replay", t, "--model", "fixed"), "without a seeded bug")
