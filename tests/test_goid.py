"""Goroutines are shown as Go numbers them (main is G1, the goroutine spawn(k) creates is G{k+1}),
the same way in steps, fields, messages, liveness instances, schedtrace lines, projections and JSON."""

import json

from model.config import Config
from model.machine import GoScheduler
from model.names import g_index, g_name, goid
from model.projections import projection
from model.workload import parse_workload
from tests.incli import call

ONE = ("--workers", "1", "--quiet")


def test_the_one_naming_function():
    assert g_name(0) == "G1" and goid(1) == 2 and g_index(goid(5)) == 5


def test_main_is_g1_everywhere_in_a_trace():
    data = json.loads(call("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--json", *ONE)[1])
    trace = data["violations"][0]["trace"]
    state0 = trace["steps"][0]["state"]
    assert state0["G1.status"] == "_Grunning" and "G0.status" not in state0  # main, running at the start
    assert trace["steps"][1]["text"] == "newproc(M0, G1, G2)"  # main (G1) runs spawn(1), creating G2
    assert trace["steps"][1]["state"]["P0.runnext"] == "G2"
    assert not any("G0" in step["text"] for step in trace["steps"][1:])


def test_liveness_instances_and_messages_use_goids():
    data = json.loads(call("check", "--preset", "syscallloop", "--mutant", "sysmon_never_retakes",
                           "--property", "runnable_g_eventually_runs", "--json", *ONE)[1])
    (live,) = data["liveness"]
    assert live["instance"] == "G2"  # the spawned goroutine starves behind main's syscall loop
    assert "G2" in data["violations"][0]["message"]


def test_schedtrace_and_projection_use_goids():
    mc = GoScheduler(Config(procs=1, threads=2, workload=parse_workload("spawn(1); exit")))
    s = mc.init_states()[0]
    detail = mc.view(s, detail=True).splitlines()
    assert "  M0: p=0 curg=1 " in "\n".join(detail) and any(line.startswith("  G1: status=2()") for line in detail)
    proj = projection(mc, "g:1")
    assert proj.label(proj.key(s)).startswith("G1: _Grunning")
