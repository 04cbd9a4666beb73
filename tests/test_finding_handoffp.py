"""The trace analysis of scripts/finding_handoffp.py, on synthetic `go tool trace -d=parsed` lines
in both the Go 1.25 and the Go 1.27 layouts (no Go toolchain needed)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("finding_handoffp", ROOT / "scripts" / "finding_handoffp.py")
fh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fh)

MS = 1_000_000


def line(fmt, m, p, g, t, kind, rid, a, b, reason=""):
    if fmt == "1.25":
        res = f"Resource={'Proc' if kind == 'P' else 'Goroutine'}({rid}) "
        return (f'M={m} P={p} G={g} StateTransition Time={t} {res}Reason="{reason}" '
                f'{"ProcID" if kind == "P" else "GoID"}={rid} {a}->{b}')
    return (f'M={m} P={p} G={g} StateTransition Time={t} '
            f'{"ProcID" if kind == "P" else "GoID"}={rid} {a}->{b} Reason="{reason}"')


def run(fmt, events):
    an = fh.Analyzer(threshold_ns=MS, near_ns=2000)
    for ev in events:
        an.feed(line(fmt, *ev) + "\n")
        an.feed("\truntime.foo @ 0x1\n")  # stack lines are skipped
    return an


def prefix(t0):
    # G1 (main) enters a syscall on P0 from M1; the spinner G10 runs on P1 (M2) and spawns G99;
    # 64 ns later sysmon (M3, no P) steals P0.
    return [
        (1, 0, 1, t0, "G", 1, "Running", "Syscall"),
        (2, 1, 10, t0 + 50_000, "G", 99, "NotExist", "Runnable"),
        (3, -1, -1, t0 + 50_064, "P", 0, "Running", "Idle"),
    ]


@pytest.mark.parametrize("fmt", ["1.25", "1.27"])
def test_reclaimed_race_stall(fmt):
    t0 = 10**12
    an = run(fmt, prefix(t0) + [
        (1, -1, 1, t0 + 50 * MS, "P", 0, "Idle", "Running"),      # the syscall returns and takes P0 back
        (1, 0, 1, t0 + 50 * MS + 100, "G", 1, "Syscall", "Runnable"),
        (1, 0, -1, t0 + 50 * MS + 200, "G", 1, "Runnable", "Running"),
        (1, 0, 1, t0 + 50 * MS + 300, "G", 1, "Running", "Waiting", "chan receive"),
        (1, 0, -1, t0 + 50 * MS + 400, "G", 99, "Runnable", "Running"),
    ])
    s = an.summary()
    assert s["steals"] == 1
    assert s["stalls"] == [dict(t_steal=t0 + 50_064, pid=0, g=99, stall_us=pytest.approx(49950, abs=1),
                                near_ns=-64, end="reclaimed")]
    assert s["confirmed"]["count"] == 1 and s["race"]["count"] == 1
    assert s["steal_offset_us"]["p50"] == pytest.approx(50.1, abs=0.1)
    e, text = an.excerpt()
    assert "Running->Idle" in text and e["g"] == 99


@pytest.mark.parametrize("fmt", ["1.25", "1.27"])
def test_preempted_race_stall(fmt):
    t0 = 10**12
    an = run(fmt, prefix(t0) + [
        (2, 1, 10, t0 + 12 * MS, "G", 10, "Running", "Runnable", "preempted"),
        (2, 1, -1, t0 + 12 * MS + 5000, "G", 99, "Runnable", "Running"),
        (4, -1, -1, t0 + 12 * MS + 30_000, "P", 0, "Idle", "Running"),  # the M goschedImpl's wakep started
    ])
    s = an.summary()
    assert [x["end"] for x in s["stalls"]] == ["preempted"]
    assert s["stalls"][0]["stall_us"] == pytest.approx(12 * 1000 - 50 + 5, abs=1)
    assert s["race"]["count"] == 1 and s["confirmed"]["count"] == 0


def test_late_started_m_is_not_a_race():
    t0 = 10**12
    an = run("1.25", prefix(t0) + [
        (4, -1, -1, t0 + 4 * MS, "P", 0, "Idle", "Running"),        # a started M, run late by the OS
        (4, 0, -1, t0 + 4 * MS + 1000, "G", 99, "Runnable", "Running"),
    ])
    s = an.summary()
    assert [x["end"] for x in s["stalls"]] == ["started-M"]
    assert s["race"]["count"] == 0
    assert an.excerpt() is None


def test_timer_m_and_short_waits():
    t0 = 10**12
    an = run("1.27", prefix(t0) + [
        (5, -1, -1, t0 + 3 * MS, "P", 0, "Idle", "Running"),
        (5, 0, -1, t0 + 3 * MS + 500, "G", 7, "Waiting", "Runnable"),   # it came for a timer
        (5, 0, -1, t0 + 3 * MS + 900, "G", 7, "Runnable", "Running"),
        # a normal handoff: the next steal is picked up at once
        (1, 0, 1, t0 + 10 * MS, "G", 1, "Running", "Syscall"),
        (3, -1, -1, t0 + 10 * MS + 60_000, "P", 0, "Running", "Idle"),
        (6, -1, -1, t0 + 10 * MS + 70_000, "P", 0, "Idle", "Running"),
    ])
    s = an.summary()
    assert [x["end"] for x in s["stalls"]] == ["timer"]
    assert s["steals"] == 2


def test_densest_window():
    assert fh.densest_window([57, 58, 58.5, 59, 60, 61, 100, 200, 3000]) == (51.0, 61.0, 6 / 9)
    assert fh.densest_window([]) is None
