"""model/timeline.py on hand-made traces: what each lane shows, from field dicts alone.

The traces here use names the model does not have yet (main as G1, scan-bit
statuses, _Pgcstop, new fields), because the viewer must keep drawing while
the model's vocabulary grows.
"""

from model.timeline import g_state, timeline


def trace(*states, texts=None, kind="safety", prop="p", loop_start=None, **extra):
    texts = texts or [f"step{i}(M0)" for i in range(1, len(states))]
    steps = [{"index": 0, "action": None, "label": None, "text": "initial state", "state": states[0]}]
    for i, (text, state) in enumerate(zip(texts, states[1:]), start=1):
        steps.append({"index": i, "action": text.split("(")[0], "label": [text.split("(")[0], 0], "text": text,
                      "models": "f, g", "state": state})
    data = {"format": "gosched-mc-trace", "version": 1, "config": {"name": "hand"}, "property": prop, "kind": kind,
            "message": "why", "steps": steps, **extra}
    if loop_start is not None:
        data["loop_start"] = loop_start
    return data


def span_at(tl, lane, step):
    found = [s for s in tl["spans"] if s["lane"] == lane and s["from"] <= step <= s["to"]]
    assert len(found) <= 1, found
    return found[0] if found else None


RUNNING = {"G1.status": "_Grunning", "P0.status": "_Prunning", "P0.m": "M0", "M0.pc": "running G", "M0.p": "P0",
           "M0.curg": "G1", "M0.spinning": "false", "sysmon.pc": "sysmon loop", "sched.pidle": "[]"}


def test_main_goroutine_as_g1_runs_on_m0_and_p0():
    tl = timeline(trace(RUNNING))
    assert [lane["id"] for lane in tl["lanes"]] == ["P0", "M0", "sysmon", "env"]
    assert span_at(tl, "M0", 0)["kind"] == "running" and span_at(tl, "M0", 0)["entity"] == "G1"
    assert span_at(tl, "P0", 0)["entity"] == "G1" and "M0" in span_at(tl, "P0", 0)["label"]
    assert tl["entities"] == ["G1"]


def test_unknown_fields_are_ignored_and_missing_ones_do_not_crash():
    odd = dict(RUNNING, **{"M0.lockedg": "G1", "sched.gcwaiting": "1", "X.weird": "?", "gc.phase": "mark"})
    tl = timeline(trace(odd, {}, {"P0.status": "_Prunning"}))
    assert span_at(tl, "M0", 0)["kind"] == "running"
    assert span_at(tl, "M0", 1) is None  # an empty state draws nothing, rather than guessing
    assert span_at(tl, "P0", 2)["kind"] == "other"  # _Prunning with no M: shown as odd, not hidden
    counters = [r["name"] for sec in tl["details"][0]["side"] if sec["title"] == "Counters" for r in sec["rows"]]
    assert "sched.gcwaiting" in counters


def test_scan_bit_statuses_are_syscalls_with_the_scan_bit():
    assert g_state("_Gscan|_Gsyscall") == ("syscall", True)
    assert g_state("_Gscansyscall") == ("syscall", True)
    assert g_state("_Gsyscall") == ("syscall", False)
    assert g_state("_Gsomethingnew") == ("other", False)
    state = dict(RUNNING, **{"G1.status": "_Gscan|_Gsyscall", "M0.pc": "in syscall"})
    tl = timeline(trace(state))
    assert span_at(tl, "M0", 0)["kind"] == "syscall_scan" and span_at(tl, "M0", 0)["entity"] == "G1"
    # Modern protocol: the P stays _Prunning with its M; it is still the P of a G in a syscall.
    assert span_at(tl, "P0", 0)["kind"] == "psyscall" and span_at(tl, "P0", 0)["entity"] == "G1"


def test_new_and_unknown_p_statuses():
    tl = timeline(trace({"P0.status": "_Pgcstop", "P1.status": "_Pfuture"}))
    assert span_at(tl, "P0", 0)["kind"] == "gcstop"
    assert span_at(tl, "P1", 0)["kind"] == "other" and span_at(tl, "P1", 0)["label"] == "_Pfuture"


def test_threads_get_a_lane_only_once_they_exist():
    before = dict(RUNNING, **{"M1.pc": "not created", "M2.pc": "not created"})
    after = dict(before, **{"M1.pc": "acquirep(nextp)", "M1.nextp": "P1", "M1.spinning": "true"})
    tl = timeline(trace(before, after, texts=["wakep_startm(M0, P1)"]))
    assert [lane["id"] for lane in tl["lanes"] if lane["group"] == "M"] == ["M0", "M1"]
    assert span_at(tl, "M1", 0) is None and span_at(tl, "M1", 1)["kind"] == "spinning"
    assert tl["arrows"] == [{"step": 1, "from": "M0", "to": "M1", "kind": "wakeup", "label": "startm P1"}]


def test_syscall_then_retake_then_return():
    s0 = RUNNING
    s1 = dict(s0, **{"G1.status": "_Gsyscall", "P0.status": "_Psyscall", "P0.m": "nil", "M0.pc": "in syscall",
                     "M0.p": "nil", "M0.oldp": "P0"})
    s2 = dict(s1, **{"P0.status": "_Pidle", "sysmon.pc": "handoffp", "sysmon.hp": "P0"})
    s3 = dict(s2, **{"M0.pc": "exitsyscallfast_pidle"})
    tl = timeline(trace(s0, s1, s2, s3, texts=["entersyscall(M0, G1, P0)", "retake(sysmon, P0)",
                                               "exitsyscall_lostp(M0, G1)"]))
    assert (span_at(tl, "P0", 1)["kind"], span_at(tl, "P0", 1)["entity"]) == ("psyscall", "G1")
    assert span_at(tl, "P0", 2)["kind"] == "handoff" and "sysmon" in span_at(tl, "P0", 2)["label"]
    assert span_at(tl, "sysmon", 2)["kind"] == "handoff"
    assert span_at(tl, "M0", 2)["kind"] == "syscall" and span_at(tl, "M0", 2)["from"] == 1  # merged
    assert span_at(tl, "M0", 3)["label"] == "G1 exitsyscallfast_pidle"  # back from the kernel, still without a P
    kinds = [(a["step"], a["from"], a["to"], a["kind"]) for a in tl["arrows"]]
    assert kinds == [(2, "sysmon", "P0", "retake"), (3, "env", "M0", "return")]


def test_steal_goes_from_the_victim_to_the_thief():
    s0 = {"P0.status": "_Prunning", "P1.status": "_Prunning", "P1.runq": "[G2 G3]", "G2.status": "_Grunnable"}
    s1 = dict(s0, **{"P1.runq": "[G3]"})
    tl = timeline(trace(s0, s1, texts=["runqsteal(M1, P0, P1, G2)"]))
    assert [(a["from"], a["to"], a["kind"]) for a in tl["arrows"]] == [("P1", "P0", "steal")]
    assert {"lane": "P1", "step": 0, "entities": ["G2", "G3"]} in tl["queued"]


def test_a_g_made_runnable_points_at_the_p_that_queues_it():
    s0 = dict(RUNNING, **{"G2.status": "_Gidle", "P0.runnext": "nil"})
    s1 = dict(s0, **{"G2.status": "_Grunnable", "P0.runnext": "G2"})
    tl = timeline(trace(s0, s1, texts=["newproc(M0, G1, G2)"]))
    assert [(a["from"], a["to"], a["kind"], a["label"]) for a in tl["arrows"]] == [("M0", "P0", "ready", "G2 runnable")]


def test_details_hold_the_action_runtime_functions_changes_and_lines():
    s1 = dict(RUNNING, **{"M0.pc": "wakep"})
    data = trace(RUNNING, s1, texts=["newproc(M0, G1, G2)"])
    data["steps"][1]["view"] = "SCHED: gomaxprocs=1\n  P0: status=_Prunning"
    d = timeline(data)["details"][1]
    assert (d["text"], d["action"], d["actor"], d["models"]) == ("newproc(M0, G1, G2)", "newproc", "M0", ["f", "g"])
    assert d["changed"] == [["M0.pc", "running G", "wakep"]]
    assert d["lines"] == ["SCHED: gomaxprocs=1", "  P0: status=_Prunning"]
    threads = next(sec for sec in d["side"] if sec["title"] == "Threads")["rows"]
    assert threads[0] == {"name": "M0", "items": ["wakep"], "changed": True}


def test_markers_for_each_kind_of_trace():
    two = (RUNNING, dict(RUNNING))
    assert timeline(trace(*two, kind="witness", prop="w"))["marker"]["title"] == "w reached"
    assert timeline(trace(*two, prop="p_accounting"))["marker"]["kind"] == "violation"
    cycle = timeline(trace(*two, RUNNING, kind="liveness", prop="live", loop_start=1))["marker"]
    assert (cycle["kind"], cycle["loop_start"], cycle["step"]) == ("cycle", 1, 2) and "forever" in cycle["note"]
    stutter = timeline(trace(*two, kind="liveness", prop="live", loop_start=1))["marker"]
    assert stutter["kind"] == "stutter" and "forever" in stutter["note"]
    assert timeline(trace(*two, prop="", loop_start=99))["marker"]["kind"] == "end"  # a bad loop_start is ignored


def test_the_netpoller_hands_a_waiting_g_back_from_the_environment():
    s0 = dict(RUNNING, **{"G2.status": "_Gwaiting", "G2.wait": "IO wait (fd ready)"})
    s1 = dict(s0, **{"G2.status": "_Grunnable", "G2.wait": "-", "P0.runnext": "G2"})
    tl = timeline(trace(s0, s1, texts=["findRunnable_netpoll(M0, P0, G2)"]))
    assert [(a["from"], a["to"], a["kind"]) for a in tl["arrows"]] == [("env", "M0", "netpoll"), ("M0", "P0", "ready")]
