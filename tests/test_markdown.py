"""Counterexamples that point at the bug and paste cleanly: Markdown with a summary table and the steps in
a <details> fold and no plain-text lines; the seeded bug's step marked; unchanged state lines folded."""

import re

from tests.incli import call

ONE = ("--workers", "1", "--quiet")
MUTANT = ("--preset", "syscalls", "--mutant", "exitsyscall_no_cas")


def _plain_lines(md: str) -> list[str]:
    """Lines outside code fences that are not Markdown structure (table, heading, HTML, bold, empty)."""
    plain, fenced = [], False
    for line in md.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not line.strip() or line.startswith(("|", "#", "<", "**", "(", "...")):
            continue
        plain.append(line)
    return plain


def test_check_markdown_is_a_summary_table_and_a_fold(tmp_path):
    code, out, _ = call("check", *MUTANT, "--format", "markdown", *ONE)
    assert code == 1
    assert out.startswith("### gosched-mc check: VIOLATED (p_accounting)")
    assert "| # | step | runtime functions | changed |" in out
    assert out.count("<details>") == 2 and out.count("</details>") == 2  # the steps, the statistics
    assert re.search(r"^\| \d+ \| `exitsyscall\(M0, G1, P0\)` \*\*seeded bug\*\* \|", out, re.M)
    assert _plain_lines(out) == [], _plain_lines(out)
    assert "Verdict:" not in out.split("```text")[0]  # the plain-text summary is only inside the fold


def test_replay_markdown_has_no_plain_text_verdict(tmp_path):
    t = tmp_path / "t.json"
    call("check", *MUTANT, "--trace-out", t, *ONE)
    code, out, _ = call("replay", t, "--format", "markdown")
    assert code == 0 and _plain_lines(out) == [], _plain_lines(out)
    assert out.strip().splitlines()[-1].startswith("**gosched-mc replay**: ")


def test_text_marks_the_seeded_step_and_folds_unchanged_state_lines():
    out = call("check", *MUTANT, *ONE)[1]
    step6 = next(line for line in out.splitlines() if "exitsyscall(M0, G1, P0)" in line)
    assert step6.endswith("<- the seeded bug's step")
    assert "(state lines unchanged)" in out  # e.g. step 1 leaves the schedtrace line as it was
    assert not any(line.endswith("<- the seeded bug's step") for line in out.splitlines() if line != step6)
    # the message names exactly the two places P0 is in, not every place a P can be
    assert "p_accounting violated: P0 (_Prunning) is in 2 places at once: M0.p, sysmon.hp (a handoff)" in out
