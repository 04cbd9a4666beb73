"""The coverage report's reasons for branches no preset takes
(scripts/coverage_report.py): derived from the catalogue, so they must not
explain a branch that the dispatch rule does not cover."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import coverage_report as cr  # noqa: E402


def _at(rel: str, pattern: str):
    path = os.path.join(ROOT, rel)
    text = cr.source(path)
    line = next(i + 1 for i, ln in enumerate(text) if pattern in ln)
    return path, line, [text[line - 1].strip(), text[line]]


def _reason(rel, pattern, to_next=True):
    path, line, near = _at(rel, pattern)
    return cr.reason_for(f"{rel}:{line}", near, path, line, [line + 1] if to_next else [])


def test_a_guard_tried_after_its_siblings_at_an_exclusive_pc_is_explained_by_them():
    why = _reason("model/actions/schedule.py", "if work and s[rt.pidle_slots[0]]:")
    assert "findRunnable_recheck_globrunq" in why and "findRunnable_recheck_runqs" in why


def test_the_first_action_at_its_pc_and_actions_at_choice_pcs_are_not_explained_by_siblings():
    # findRunnable_recheck_globrunq is the first action at M_RECHECK: nothing fires before it.
    assert _reason("model/actions/schedule.py", "if not s[rt.globq[0]] or not s[rt.pidle_slots[0]]:") == "NOT EXPLAINED"
    # At M_STEAL (a choice pc) every action is tried: its guards are not covered by the rule.
    assert _reason("model/actions/schedule.py", "if not stealing(rt, s, m) or _unvisited(rt, s, m, pp):") == "NOT EXPLAINED"


def test_function_and_condition_reasons():
    assert "numbered threads" in _reason("model/runtime.py", "    def mget(self, b):")
    assert "curg" in _reason("model/actions/common.py", "if not cur:")
