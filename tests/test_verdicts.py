"""A verdict says exactly what was checked (issue 10): a bounded search is
never called complete, a liveness violation fails the JSON verdict, and a
run stopped early (limit, Ctrl-C, SIGTERM, with worker processes) always
exits, with its statistics."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from incli import call


def test_a_search_with_cut_steps_is_bounded_never_complete():
    code, out, err = call("check", "--preset", "syscalls", "--threads", "3", "--quiet")
    assert code == 4, err
    assert "complete" not in out.replace("incomplete", ""), out
    assert "holds for up to 3 threads" in out and "steps cut" in out
    assert "holds within the bound" in out  # liveness on a cut graph says so
    code, out, _ = call("check", "--preset", "syscalls", "--threads", "3", "--json", "--quiet")
    data = json.loads(out)
    assert code == 4 and data["verdict"] == "holds_within_bound" and data["exit_code"] == 4
    assert data["complete"] is False and data["bounded"]["cut_steps"] == data["cut_steps"] > 0
    assert data["liveness_within_bound"]


def test_the_unbounded_default_is_complete_and_says_so():
    code, out, _ = call("check", "--preset", "tiny", "--json", "--quiet")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "holds" and data["complete"] and data["bounded"] is None
    assert data["cut_steps"] == 0 and data["config"]["threads"] == "unbounded"


def test_a_liveness_violation_fails_the_json_verdict():
    code, out, _ = call("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes", "--json", "--quiet")
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "violated" and data["exit_code"] == 1
    assert "runnable_g_eventually_runs" in data["violated"] and not data["violations"][0]["trace"]["kind"] == "safety"


def test_limits_stop_the_liveness_phase_too():
    code, out, _ = call("check", "--preset", "netpoll", "--max-states", "2000", "--json", "--quiet")
    data = json.loads(out)
    assert code == 3 and data["verdict"] == "incomplete" and data["states"] == 2000


def _run_and_stop(how: str, after: float) -> tuple:
    proc = subprocess.Popen([sys.executable, "-m", "explorer", "check", "--preset", "large", "--workers", "2",
                             "--quiet", *(["--max-states", str(int(after))] if how == "limit" else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    if how != "limit":
        time.sleep(after)
        proc.send_signal(signal.SIGINT if how == "int" else signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"a 2-worker run stopped by {how} after {after} did not exit")
    return proc.returncode, out, err


def test_a_two_worker_run_stopped_early_always_exits_with_its_statistics():
    rng = random.Random(7)
    plans = [("limit", rng.randrange(500, 60_000)) for _ in range(8)]
    plans += [("int", rng.uniform(0.8, 3.0)) for _ in range(8)] + [("term", rng.uniform(0.8, 3.0)) for _ in range(4)]
    for how, after in plans:
        code, out, err = _run_and_stop(how, after)
        assert "Traceback" not in out + err, err
        assert code == 3, (how, after, code, err[-500:])
        if "interrupted before a search started" in err:  # a slow start: the signal came before the search
            continue
        assert "distinct states" in out and ("INCOMPLETE" in out or "stopped early" in out), out[-800:]


def test_a_step_the_model_cannot_take_is_a_model_error_not_a_traceback(tmp_path):
    """wakep_no_cas lets sched.nmspinning undercount the spinning Ms; with
    counters_consistent not checked, the counter abstraction meets a state it
    cannot fold, and says so as the violation model_error."""
    code, out, err = call("check", "--mutant", "wakep_no_cas", "--property", "parked_g_has_a_waker", "--quiet",
                          "--trace-out", str(tmp_path / "t.json"))
    assert code == 1, err
    assert not (tmp_path / "t.json").exists()
    assert "model_error violated" in out and "counts fewer Ms than are spinning" in out
    assert "Traceback" not in out + err and "not a property `replay` can" in out
    code, out, _ = call("check", "--mutant", "wakep_no_cas", "--property", "counters_consistent", "--quiet")
    assert code == 1 and "counters_consistent violated" in out  # the property that should catch it still does
