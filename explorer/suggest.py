""""Did you mean" for a mistyped name (a subcommand, preset, mutant,
property or scenario): the closest known names by difflib's ratio."""

import difflib


def did_you_mean(word: str, known) -> str:
    """" (did you mean 'check'?)" for the closest known name, or "" if none is close."""
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=2, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
