"""The gosched-mc command as a user meets it: exit statuses, JSON, one-line errors, determinism."""

import json
import os
import subprocess
import sys

import pytest


def run(*args, seed="0", cwd=None):
    env = dict(os.environ, PYTHONHASHSEED=seed)
    p = subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, env=env,
                       cwd=cwd, timeout=600)
    return p.returncode, p.stdout, p.stderr


def assert_one_line_error(code, out, err):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gosched-mc: error: "), err


def test_check_json_reports_a_complete_run_with_coverage():
    code, out, _ = run("check", "--preset", "tiny", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("config", "states", "transitions", "depth", "seconds", "complete", "coverage", "violations"):
        assert key in data
    assert data["complete"] and data["violations"] == [] and data["verdict"] == "holds"
    assert data["config"]["procs"] == 1 and data["states"] > 100
    assert data["coverage"]["reentersyscall"] > 0  # the modern protocol's, the default


@pytest.mark.parametrize("args", [
    ["check", "--procs", "0"],
    ["check", "--preset", "nosuch"],
    ["check", "--bogus"],
    ["check", "--max-states", "0"],
    ["check", "--max-seconds", "soon"],
    ["check", "--workload", "spawn(7)"],
    ["check", "--property", "nosuch"],
    ["check", "--config", "/nonexistent.toml"],
    ["check", "--mutant", "nosuch"],
    ["check", "--no-fairness", "gravity"],
    ["graph", "--preset", "tiny"],
    ["replay", "/nonexistent.json"],
    ["frobnicate"],
])
def test_bad_input_is_one_sentence_and_exit_2(args):
    assert_one_line_error(*run(*args))


def test_state_limit_stops_with_partial_statistics_and_exit_3():
    code, out, _ = run("check", "--preset", "syscalls", "--max-states", "50", "--json")
    assert code == 3
    data = json.loads(out)
    assert not data["complete"] and data["states"] == 50 and "state limit" in data["stop_reason"]
    assert data["transitions"] > 0


def test_time_limit_stops_cleanly():
    code, out, _ = run("check", "--preset", "default", "--max-seconds", "1", "--workers", "1")
    assert code == 3
    assert "time limit reached" in out and "distinct states" in out


def test_state_count_and_counterexample_do_not_depend_on_the_hash_seed():
    runs = [run("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", seed=s) for s in ("1", "2")]
    assert runs[0][0] == runs[1][0] == 1
    assert runs[0][1].split("time ")[0] == runs[1][1].split("time ")[0]
    counts = [json.loads(run("check", "--preset", "syscalls", "--json", "--quiet", seed=s)[1])["states"]
              for s in ("1", "2")]
    assert counts[0] == counts[1]


def test_workers_do_not_change_the_result():
    one = json.loads(run("check", "--preset", "syscalls", "--json", "--workers", "1")[1])
    two = json.loads(run("check", "--preset", "syscalls", "--json", "--workers", "2")[1])
    for key in ("states", "transitions", "depth", "coverage", "distinct"):
        assert one[key] == two[key]


def test_trace_round_trip_and_tampering(tmp_path):
    trace = tmp_path / "t.json"
    code, out, _ = run("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--trace-out", str(trace))
    assert code == 1 and "retake(sysmon, P0)" in out and "exitsyscall(M0, G1, P0)" in out
    code, out, _ = run("replay", str(trace))
    assert code == 0 and "every step replays" in out

    data = json.loads(trace.read_text())
    data["steps"][3]["state"]["P0.runnext"] = "G1"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    code, out, _ = run("replay", str(tampered))
    assert code == 1 and "step 3" in out

    truncated = tmp_path / "truncated.json"
    truncated.write_text(trace.read_text()[:200])
    assert_one_line_error(*run("replay", str(truncated)))
    notjson = tmp_path / "notjson.json"
    notjson.write_text("hello")
    assert_one_line_error(*run("replay", str(notjson)))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else"}))
    assert_one_line_error(*run("replay", str(other)))
    data = json.loads(trace.read_text())
    data["steps"][2]["label"][0] = "teleport"
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(data))
    assert_one_line_error(*run("replay", str(unknown)))
    data = json.loads(trace.read_text())
    data["config"]["procs"] = 0
    badconfig = tmp_path / "badconfig.json"
    badconfig.write_text(json.dumps(data))
    assert_one_line_error(*run("replay", str(badconfig)))


def test_presets_lists_tiny_default_and_large():
    code, out, _ = run("presets")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert {"tiny", "default", "large"} <= set(names)


def test_toml_config_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('preset = "tiny"\nprocs = 2\n')
    code, out, _ = run("check", "--config", str(cfg), "--json")
    assert code == 0 and json.loads(out)["config"]["procs"] == 2


def test_one_liveness_property_can_be_checked_alone_and_reports_its_lasso():
    code, out, _ = run("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes",
                       "--property", "runnable_g_eventually_runs", "--json")
    assert code == 1
    data = json.loads(out)
    (live,) = data["liveness"]
    assert live["name"] == "runnable_g_eventually_runs" and not live["holds"]
    assert live["prefix_length"] >= 1 and live["cycle_length"] >= 1
    assert data["properties"] == [] and data["nontrivial_sccs"] >= 1


def test_liveness_lasso_replays_and_its_cycle_closes(tmp_path):
    trace = tmp_path / "lasso.json"
    code, out, _ = run("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes",
                       "--property", "runnable_g_eventually_runs", "--trace-out", str(trace))
    assert code == 1 and "back to step" in out
    code, out, _ = run("replay", str(trace), "--quiet")
    assert code == 0 and "the cycle closes" in out
    data = json.loads(trace.read_text())
    data["steps"][-1]["state"] = data["steps"][-2]["state"]  # break the loop
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    assert run("replay", str(broken), "--quiet")[0] == 1


def test_peak_memory_is_the_runs_own_and_grows_with_the_state_space():
    """`peak_memory_mb` is the resident set of the search and its workers in
    that run, not the lifetime peak of whatever process started it (after
    exec, a process's ru_maxrss starts at its parent's peak: a benchmark
    holding 256 MB once reported 174 MB for the 377-state tiny preset)."""
    ballast = bytearray(256 << 20)  # this process's peak, which a child must not report as its own
    flags = ("--json", "--quiet", "--no-liveness", "--force-workers")
    tiny = json.loads(run("check", "--preset", "tiny", "--workers", "1", *flags)[1])["peak_memory_mb"]
    big = {w: json.loads(run("check", "--preset", "syscalls", "--max-states", "40000", "--workers", w, *flags)[1])
           ["peak_memory_mb"] for w in ("1", "2")}
    del ballast
    assert 0 < tiny < 200
    assert tiny < big["1"]
    assert big["1"] < big["2"]  # the workers' own memory (their caches) is counted too
