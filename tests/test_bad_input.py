"""Every input path refuses bad input at the boundary: one sentence on
stderr, exit status 2, and no search started (issue 11's reproductions)."""

import json
import os

import pytest

import explorer.cli as cli
from incli import assert_clean, assert_one_line_error, call
from model.workload import MAX_PROGRAM_OPS

TINY = ("--preset", "tiny", "--workers", "1", "--quiet")


def ops(n: int, op: str = "yield") -> str:
    return ", ".join([op] * n)


# --- workloads ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("workload, words", [
    ("spawn(²)", "ASCII digits"),
    ("spawn(1); loop(²)", "ASCII digits"),
    ("spawn(٣); exit; exit; exit", "ASCII digits"),
    ("syscall, loop " + "9" * 300, "ASCII digits"),
    ("spawn(" + "1" * 5000 + ")", "ASCII digits"),
    (ops(300), f"at most {MAX_PROGRAM_OPS}"),
    ("yield, " * 300, f"at most {MAX_PROGRAM_OPS}"),  # the 1,800-character program
    (ops(MAX_PROGRAM_OPS), "counting its implied exit"),
    ("yield;" * 100_000, "characters long"),
])
def test_bad_workloads_are_refused_in_one_sentence(workload, words):
    assert_one_line_error(*call("check", *TINY, "--workload", workload), words)


def test_the_program_length_limit_is_stated_in_the_readme():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    assert f"at most {MAX_PROGRAM_OPS} ops" in readme


def test_the_longest_program_allowed_runs_to_its_end():
    """A program of MAX_PROGRAM_OPS ops (254 yields and the implied exit)
    is explored completely: its pc reaches 254 and still fits in a byte."""
    code, out, err = call("check", "--procs", "1", "--workload", ops(MAX_PROGRAM_OPS - 1), "--workers", "1",
                          "--quiet", "--json")
    assert code == 0, err
    assert json.loads(out)["complete"]


# --- numeric flags -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--max-states=--"], ["--max-seconds=--"], ["--max-memory=--"], ["--workers=--"], ["--procs=--"],
    ["--max-seconds", "nan\n"], ["--max-seconds", "nan"], ["--max-seconds", "inf"], ["--max-memory", "-inf"],
    ["--max-seconds", "1e999"], ["--max-seconds", "0"], ["--max-states", "1_000"], ["--max-states", "٣"],
    ["--max-states", "1" * 30], ["--workers", "0"], ["--workers", "100000"], ["--procs", "٣"], ["--runq", "1.5"],
])
def test_bad_numbers_are_one_line_errors(argv):
    line = assert_one_line_error(*call("check", *TINY, *argv))
    assert "\\n" in line or "\n" not in line


def test_a_newline_in_a_flag_value_stays_on_one_line():
    code, out, err = call("check", "--max-seconds", "nan\n")
    assert_one_line_error(code, out, err, "'nan\\n'")


# --- TOML files --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    (b"\x00\x01\xff\xfe" * 64, "not UTF-8"),
    (b"procs = " + b"9" * 5000, "cannot be read"),
    (b"procs = " + b"9" * 100, "GOMAXPROCS must be an integer"),
    (b"a = " + b"[" * 200_000 + b"]" * 200_000, "too deeply"),
    (b"workload = 5", "workload must be a string or a list"),
    (b"workload = [1, 2]", "list of one program string"),
    (b'mutant = ["x"]', "mutant must be a string"),
    (b'preset = ["x"]', "preset must be a string"),
    (b"threads = true", "threads must be an integer"),
    (b"procs = = 1", "not valid TOML"),
])
def test_bad_toml_files_are_refused(tmp_path, content, words):
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    assert_one_line_error(*call("check", *TINY, "--config", path), words)


def test_a_toml_file_too_large_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.toml"
    with open(path, "wb") as f:
        f.truncate(64 << 20)  # sparse: no disk used
    assert_one_line_error(*call("check", *TINY, "--config", path), "larger than 1 MB")


# --- trace files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("[" * 200_000 + "]" * 200_000, "too deeply"),
    ('{"format": "gosched-mc-trace", "version": 2, "steps": ' + "[" * 200_000 + "]" * 200_000 + "}", "too deeply"),
    ("1" * 5000, "cannot be read"),
    ("\x00", "not valid JSON"),
    ('{"format": "gosched-mc-trace", "version": true}', "version true"),
])
@pytest.mark.parametrize("command", ["replay", "graph"])
def test_hostile_trace_files_are_refused(tmp_path, content, words, command):
    path = tmp_path / "t.json"
    path.write_text(content)
    argv = ["replay", path] if command == "replay" else ["graph", "--highlight", path, "-o", tmp_path / "g.json"]
    assert_one_line_error(*call(*argv), words)


def test_a_huge_trace_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.truncate(200 << 20)
    assert_one_line_error(*call("replay", path), "too big for a trace")


# --- output paths, checked before any search ---------------------------------------------------------------

@pytest.fixture
def no_search(monkeypatch):
    """Any search started makes the command fail with exit status 70."""
    def refuse(*args, **kwargs):
        raise AssertionError("a search started before the output path was checked")
    for name in ("verify", "explore", "find_witness"):
        monkeypatch.setattr(cli, name, refuse)


def bad_paths(tmp_path) -> dict:
    regular = tmp_path / "regular"
    regular.write_text("x")
    readonly = tmp_path / "readonly.json"
    readonly.write_text("keep me")
    readonly.chmod(0o444)
    return {
        "a directory": (str(tmp_path), "is a directory"),
        "a directory name": (str(tmp_path / "new.json") + "/", "is a directory"),
        "under a missing directory": (str(tmp_path / "missing" / "t.json"), "does not exist"),
        "under a regular file": (str(regular / "t.json"), "is not a directory"),
        "empty": ("", "name is empty"),
        "/dev/full": ("/dev/full", "not a regular file"),
        "a 300-character name": (str(tmp_path / ("a" * 296 + ".json")), "more than the"),
        "a read-only file": (str(readonly), "read-only"),
    }


@pytest.mark.parametrize("which", ["a directory", "a directory name", "under a missing directory", "under a regular file", "empty",
                                   "/dev/full", "a 300-character name", "a read-only file"])
@pytest.mark.parametrize("command", [
    ["check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--workers", "1", "--trace-out"],
    ["check", "--preset", "tiny", "--workers", "1", "--trace-out"],
    ["witness", "syscall_handoff", "--trace-out"],
    ["graph", "--preset", "tiny", "--format", "json", "--workers", "1", "-o"],
])
def test_bad_output_paths_are_refused_before_the_search(tmp_path, no_search, which, command):
    path, words = bad_paths(tmp_path)[which]
    assert_one_line_error(*call(*command, path), words)
    if which == "a read-only file":
        assert open(path).read() == "keep me"


def test_stdout_on_a_full_device_is_one_sentence_and_exit_2():
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "explorer", "check", *TINY], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == "gosched-mc: error: cannot write to standard output: no space left on device"


# --- projections -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, words", [
    ("g:²", "unknown projection"), ("m:٣", "unknown projection"), ("g:" + "9" * 5000, "unknown projection"),
    ("g:7", "there is no G7"), ("g:0", "there is no G0"), ("m:99", "there is no M99"), ("", "unknown projection"), ("p-status\n", "\\n"),
])
def test_projections_out_of_range_are_refused(tmp_path, spec, words):
    assert_one_line_error(*call("graph", *TINY, "--threads", "3", "--project", spec, "-o", tmp_path / "g.json"), words)


def test_a_thread_projection_needs_numbered_threads(tmp_path):
    assert_one_line_error(*call("graph", *TINY, "--project", "m:0", "-o", tmp_path / "g.json"), "--threads N")


# --- workers -----------------------------------------------------------------------------------------------

def test_workers_are_capped_at_the_cpus_unless_forced(monkeypatch):
    seen = []

    def fake_verify(*args, workers, **kwargs):
        seen.append(workers)
        raise KeyboardInterrupt  # stop here: only the worker count matters
    monkeypatch.setattr(cli, "verify", fake_verify)
    cpus = cli.inputs.available_cpus()
    call("check", "--preset", "tiny", "--workers", "64")
    call("check", "--preset", "tiny", "--workers", "64", "--force-workers")
    assert seen == [min(64, cpus), 64]


def test_every_remaining_input_error_still_has_a_clean_exit():
    for argv in (["frobnicate"], ["check", "--bogus"], ["witness", "nosuch"], ["mutants", "nosuch"]):
        assert_clean(*call(*argv))
