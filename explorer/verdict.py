"""What a run claims, in one place: the verdict, its sentence and the exit status.

A verdict says exactly what was checked. "holds" is said only when the
search exhausted the state space with no step cut at a model bound and
every requested property was checked; a search with cut steps holds only
within the bound ("holds_within_bound"), and says which bound and how many
steps were cut; a search stopped by a limit, Ctrl-C, or a liveness check
that did not run to the end, is "incomplete".
"""

from dataclasses import dataclass

EXIT_OK = 0  # every property holds; the search is complete
EXIT_VIOLATED = 1  # a property is violated (or a trace no longer replays)
EXIT_BAD_INPUT = 2  # bad input: one sentence on stderr
EXIT_LIMIT = 3  # a limit, Ctrl-C or SIGTERM stopped the run first (statistics so far are printed)
EXIT_BOUNDED = 4  # every property checked holds, but only within a bound (e.g. --threads N with steps cut)
EXIT_INTERNAL = 70  # an internal error (a bug in gosched-mc): one sentence on stderr

EXIT_CODES = {
    EXIT_OK: "every property holds and the search is complete",
    EXIT_VIOLATED: "a property is violated (or a trace does not replay)",
    EXIT_BAD_INPUT: "bad input",
    EXIT_LIMIT: "a limit or an interruption stopped the run before it was complete",
    EXIT_BOUNDED: "every property holds, but only within a bound (steps were cut, or a check was skipped)",
    EXIT_INTERNAL: "internal error",
}


@dataclass
class Verdict:
    status: str  # "holds", "holds_within_bound", "violated", "incomplete"
    text: str  # one phrase, e.g. "holds for up to 4 threads (923 steps cut)"
    exit_code: int
    failed: list  # names of the violated properties

    def to_json(self) -> dict:
        return {"verdict": self.status, "verdict_text": self.text, "exit_code": self.exit_code,
                "violated": self.failed}


def bound_phrase(machine, result) -> str:
    """"for up to 4 threads (923 steps cut)" when steps were cut, else ""."""
    if not result.bounded:
        return ""
    what = getattr(machine, "bound_text", "the model's bound")
    return f"for up to {what} ({result.cut_steps:,} steps cut)"


def judge(machine, v, spurious: str = "") -> Verdict:
    """The verdict of a Verification (explorer/verify.py): safety and
    liveness together."""
    result = v.result
    failed = sorted({x.property for x in result.violations} | {x.name for x in v.liveness if not x.holds})
    if spurious:
        return Verdict("incomplete", f"INCONCLUSIVE ({spurious})", EXIT_LIMIT, [])
    if failed:
        return Verdict("violated", f"VIOLATED ({', '.join(failed)})", EXIT_VIOLATED, failed)
    if not result.complete:
        return Verdict("incomplete", f"INCOMPLETE ({result.stop_reason})", EXIT_LIMIT, [])
    skipped = v.liveness_skipped
    if v.liveness_requested and not v.liveness_complete:
        if "stopped early" in skipped:
            return Verdict("incomplete", f"INCOMPLETE: safety holds; {skipped}", EXIT_LIMIT, [])
        return Verdict("holds_within_bound", f"safety holds; liveness not checked ({skipped})", EXIT_BOUNDED, [])
    bound = bound_phrase(machine, result)
    if bound:
        return Verdict("holds_within_bound", f"every property holds {bound}", EXIT_BOUNDED, [])
    return Verdict("holds", "every property holds", EXIT_OK, [])
