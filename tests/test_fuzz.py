"""Fuzzing every input path of the command (issue 11), in this process.

For any input: the exit status is one of 0, 1, 2, 3, 4 (never 70, an
internal error), there is no traceback on stdout or stderr, and exit status
2 comes with at most one line on stderr. Searches are kept small (the tiny
preset, a state cap), so the suite runs in well under two minutes.

The examples are the same on every run (derandomize), so CI is repeatable;
GOSCHED_FUZZ_RANDOM=1 draws new ones and GOSCHED_FUZZ_SCALE=N runs N times
as many, for a longer hunt.
"""

import functools
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.atomic import TEMP_PREFIX
from explorer.trace import config_digest
from incli import assert_clean, call
from model.workload import OP_CODES

SCALE = float(os.environ.get("GOSCHED_FUZZ_SCALE", "1"))
CAPS = ("--max-states", "300", "--max-seconds", "20", "--workers", "1", "--quiet")  # last: they win


def fuzz(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    derandomize=not os.environ.get("GOSCHED_FUZZ_RANDOM"),
                    suppress_health_check=list(HealthCheck))


# --- pieces ------------------------------------------------------------------------------------------------

ODD = ["²", "٣", "１", "\n", "\t", "\x00", "é", "-", "+", "_", "(", ")", "((", ",", ";", " ", "G", "e", ".", "nan",
       "inf", "9" * 30, "9" * 5000, "0x1"]
NUMBERISH = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.lists(st.sampled_from(list("0123456789.e-+_ ") + ODD), max_size=8).map("".join),
    st.text(max_size=8),
)
WORKLOAD_TOKEN = st.one_of(st.sampled_from(sorted(OP_CODES) + ["loop(1)", "spawn(1)", "spawn(2)", "ready(1)",
                                                                "go 1", "spawn G1"]),
                           st.sampled_from(ODD), st.integers(0, 300).map(str), st.text(max_size=3))
WORKLOAD = st.lists(WORKLOAD_TOKEN, max_size=14).map(lambda parts: "".join(
    p + ("" if p in ODD else ", ") for p in parts))
BODY_OP = st.sampled_from(["syscall", "syscall_block", "net_read", "yield", "compute", "syscall", "yield"])


@st.composite
def valid_workloads(draw) -> str:
    """Workloads that parse and validate: G0 spawns the others, each runs a
    few ops and may end in spin or a loop."""
    n = draw(st.integers(1, 3))
    programs = [[f"spawn({g})" for g in range(1, n)] + draw(st.lists(BODY_OP, max_size=3))
                for _ in range(1)] + [draw(st.lists(BODY_OP, max_size=3)) for _ in range(1, n)]
    for prog in programs:
        end = draw(st.sampled_from(["", "", "exit", "spin", "loop"]))
        if end == "loop":
            body = [i for i, op in enumerate(prog) if not op.startswith("spawn")]
            end = f"loop({body[0]})" if body else ""
        prog.append(end)
    return "; ".join(", ".join(op for op in prog if op) for prog in programs)


@st.composite
def perturbed(draw, base) -> str:
    text = draw(base)
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(ODD + [";", "", "spawn(1)"])) + text[at:]


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.text(max_size=6)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@functools.lru_cache(maxsize=None)
def base_traces() -> tuple:
    """Small real traces to mutate: a counterexample, a lasso, a witness."""
    def check(*argv):
        return json.loads(call("check", *argv, "--json", "--workers", "1", "--quiet")[1])["violations"][0]["trace"]
    return (check("--preset", "tiny", "--mutant", "retake_no_handoffp"),
            check("--preset", "syscallloop", "--mutant", "sysmon_never_retakes",
                  "--property", "runnable_g_eventually_runs"),
            json.loads(call("witness", "spinning_m_parks", "--format", "json")[1]))


def paths_in(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths_in(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths_in(v, prefix + (i,))


# --- the input paths ---------------------------------------------------------------------------------------

@fuzz(600)
@given(workload=st.one_of(WORKLOAD, valid_workloads(), perturbed(valid_workloads())),
       procs=st.sampled_from([None, "1", "2"]))
def test_fuzz_workloads(workload, procs):
    argv = ["check", "--preset", "tiny", "--workload", workload] + (["--procs", procs] if procs else [])
    assert_clean(*call(*argv, *CAPS))


@fuzz(500)
@given(flag=st.sampled_from(["--max-states", "--max-seconds", "--max-memory", "--workers", "--procs", "--threads",
                             "--runq", "--max-nodes"]),
       value=NUMBERISH, joined=st.booleans())
def test_fuzz_numeric_flags(flag, value, joined):
    given_flag = [f"{flag}={value}"] if joined else [flag, value]
    if flag == "--max-nodes":
        with tempfile.TemporaryDirectory() as d:
            assert_clean(*call("graph", "--preset", "tiny", "--project", "p-status", "-o", f"{d}/g.json",
                               "--workers", "1", "--quiet", *given_flag))
        return
    others = {"--max-states": ["--max-seconds", "20"], "--max-seconds": ["--max-states", "300"],
              "--workers": ["--max-states", "300", "--max-seconds", "20"]}
    caps = others.get(flag, list(CAPS[:4])) + ([] if flag == "--workers" else ["--workers", "1"]) + ["--quiet"]
    assert_clean(*call("check", "--preset", "tiny", *given_flag, *caps))


TOML_KEYS = st.sampled_from(["procs", "threads", "runq", "protocol", "mutant", "workload", "name", "preset",
                             "gomaxprocs", "x"])
TOML_SCALAR = st.one_of(st.integers(-10, 10).map(str), st.just("9" * 5000), st.just("9" * 40),
                        st.sampled_from(['"tiny"', '"classic"', '"retake_no_handoffp"', '"spawn(1); exit"', "true",
                                         "1.5", "nan", "inf", "1979-05-27", '"\\u00b2"']),
                        WORKLOAD.map(json.dumps))


def toml_value(depth):
    return st.one_of(TOML_SCALAR, st.lists(TOML_SCALAR, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
                     st.integers(1, depth).map(lambda n: "[" * n + "1" + "]" * n))


TOML_GOOD = st.one_of(
    st.tuples(st.sampled_from(["procs", "runq"]), st.integers(0, 3).map(str)),
    st.tuples(st.just("threads"), st.integers(0, 9).map(str)),
    st.tuples(st.just("preset"), st.sampled_from(['"tiny"', '"syscallloop"', '"preempt"', '"nosuch"'])),
    st.tuples(st.just("mutant"), st.sampled_from(['"retake_no_handoffp"', '"sysmon_never_retakes"', '"x"'])),
    st.tuples(st.just("workload"), st.one_of(valid_workloads().map(json.dumps),
                                             valid_workloads().map(lambda w: json.dumps(w.split("; "))))),
)


@fuzz(500)
@given(entries=st.lists(st.one_of(TOML_GOOD, TOML_GOOD, st.tuples(TOML_KEYS, toml_value(300))), max_size=4,
                        unique_by=lambda e: e[0]),
       junk=st.one_of(st.just(b""), st.just(b""), st.binary(max_size=40), st.just(b"[" * 100_000)))
def test_fuzz_toml_files(entries, junk):
    text = "\n".join(f"{k} = {v}" for k, v in entries).encode() + junk
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.toml")
        with open(path, "wb") as f:
            f.write(text)
        assert_clean(*call("check", "--config", path, *CAPS))


@fuzz(700)
@given(which=st.integers(0, 2), data=st.data(), value=JSON_VALUE, how=st.sampled_from(["set", "delete", "cut"]),
       redigest=st.booleans(), highlight=st.integers(0, 5))
def test_fuzz_trace_files(which, data, value, how, redigest, highlight):
    trace = json.loads(json.dumps(base_traces()[which]))
    where = data.draw(st.sampled_from(list(paths_in(trace))[1:]))
    parent = trace
    for key in where[:-1]:
        parent = parent[key]
    if how == "set":
        parent[where[-1]] = value
    elif isinstance(parent, dict):
        parent.pop(where[-1])
    else:
        del parent[where[-1]]
    if redigest and isinstance(trace.get("config"), dict):
        trace["config_sha256"] = config_digest(trace["config"])
    text = json.dumps(trace)
    if how == "cut":
        text = text[:data.draw(st.integers(0, len(text)))]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.json")
        with open(path, "w") as f:
            f.write(text)
        assert_clean(*call("replay", path, "--quiet"))
        if highlight == 0 and which < 2:  # graph --highlight replays the same way; a few are enough
            assert_clean(*call("graph", "--highlight", path, "--project", "p-status", "-o", f"{d}/g.json", *CAPS))


PATH_PART = st.sampled_from(["", "x.json", "missing", "regular", "readonly.json", "dir", ".", "..", "a" * 300,
                             "\n", "é.json", "/dev/full", "/dev/null", " ", "-"])


@fuzz(300)
@given(parts=st.lists(PATH_PART, min_size=1, max_size=3), absolute=st.booleans(),
       command=st.sampled_from(["check", "witness", "graph"]))
def test_fuzz_output_paths(parts, absolute, command):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "regular"), "w") as f:
            f.write("x")
        with open(os.path.join(d, "readonly.json"), "w") as f:
            f.write("x")
        os.chmod(os.path.join(d, "readonly.json"), 0o444)
        os.mkdir(os.path.join(d, "dir"))
        path = parts[0] if absolute and parts[0].startswith("/") else os.path.join(d, *parts)
        if command == "check":
            argv = ["check", "--preset", "tiny", "--mutant", "retake_no_handoffp", "--trace-out", path, *CAPS]
        elif command == "witness":
            argv = ["witness", "spinning_m_parks", "--trace-out", path]
        else:
            argv = ["graph", "--preset", "tiny", "--format", "json", "-o", path, *CAPS]
        assert_clean(*call(*argv))
        assert not [n for _, _, names in os.walk(d) for n in names if n.startswith(TEMP_PREFIX)]


@fuzz(300)
@given(project=st.one_of(st.sampled_from(["p-status", "syscall", "g:0", "g:1", "g:2", "m:0", "m:3", "m:9", "g:²",
                                          "g:-1", "g:" + "9" * 5000, "p-status\n"]), st.text(max_size=6)),
       fmt=st.one_of(st.sampled_from(["json", "graphml", "dot", "svg"]), st.text(max_size=4)))
def test_fuzz_graph_projections_and_formats(project, fmt):
    with tempfile.TemporaryDirectory() as d:
        assert_clean(*call("graph", "--preset", "tiny", "--project", project, "--format", fmt, "-o", f"{d}/g.out",
                           *CAPS))


TOKENS = st.sampled_from([
    "check", "graph", "replay", "witness", "presets", "mutants", "--list", "--json", "--format", "text", "markdown",
    "json", "dot", "--detail", "--coverage", "--no-symmetry", "--no-liveness", "--all-violations", "--property",
    "p_accounting", "deadlock", "runnable_g_eventually_runs", "--no-fairness", "threads", "sysmon", "--preset",
    "tiny", "syscallloop", "--mutant", "retake_no_handoffp", "sysmon_never_retakes", "--procs", "--threads",
    "--runq", "1", "2", "0", "--workload", "spawn(1); exit", "--project", "p-status", "--highlight", "-o",
    "--trace-out", "--config", "--", "-h", "=", "--max-states", "--workers", "syscall_handoff", "spinning_m_parks",
    "--force-workers", "--quiet", "--max-nodes", "5",
])


@fuzz(800)
@given(tokens=st.lists(st.one_of(TOKENS, st.text(max_size=4)), max_size=8))
def test_fuzz_command_lines(tokens):
    if tokens[:1] == ["mutants"] and "--list" not in tokens:
        tokens = tokens + ["--list"]  # checking all mutants is a minute of work, not an input path
    if "--force-workers" in tokens:
        tokens = [t for t in tokens if t != "--force-workers"]
    bounded = not tokens or tokens[0] in ("check", "graph") or tokens[0].startswith("-")
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd()
        os.chdir(d)  # relative output names land in the temporary directory
        try:
            assert_clean(*call(*tokens, *(CAPS if bounded else ())))
        finally:
            os.chdir(cwd)
