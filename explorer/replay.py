"""Replaying a saved trace against the model, step by step.

Each recorded action must be enabled in the state before it and must lead
to exactly the recorded state. A trace with a cycle (a liveness lasso) must
also close: its last state equals the state at `loop_start`.
"""

import json

from .trace import FORMAT, Step, Trace, portable_label


class BadTraceFile(Exception):
    """The file is not a trace this tool wrote (exit status 2)."""


class ReplayMismatch(Exception):
    """The trace is well formed but the model no longer produces it (exit status 1)."""

    def __init__(self, step: int, message: str):
        super().__init__(message)
        self.step = step


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise BadTraceFile(f"{path} does not exist") from None
    except IsADirectoryError:
        raise BadTraceFile(f"{path} is a directory, not a trace file") from None
    except UnicodeDecodeError:
        raise BadTraceFile(f"{path} is not a text file, so not a trace") from None
    except json.JSONDecodeError as err:
        raise BadTraceFile(f"{path} is not valid JSON ({err.msg} at line {err.lineno}), so not a trace") from None
    except OSError as err:
        raise BadTraceFile(f"cannot read {path}: {err.strerror}") from None
    check_shape(data, path)
    return data


def check_shape(data, path: str = "the file") -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadTraceFile(f"{path} is JSON but not a gosched-mc trace (no \"format\": \"{FORMAT}\")")
    for key, kind in (("config", dict), ("steps", list), ("property", str), ("kind", str)):
        if not isinstance(data.get(key), kind):
            raise BadTraceFile(f"{path} is missing the trace field \"{key}\" (a {kind.__name__})")
    if not data["steps"]:
        raise BadTraceFile(f"{path} has no steps")
    for i, step in enumerate(data["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("state"), dict):
            raise BadTraceFile(f"{path}: step {i} has no recorded state")
        label = step.get("label")
        if i == 0:
            continue
        if not isinstance(label, list) or not label or not isinstance(label[0], str):
            raise BadTraceFile(f"{path}: step {i} has no action label")
    loop = data.get("loop_start")
    if loop is not None and (not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(data["steps"])):
        raise BadTraceFile(f"{path}: loop_start {loop!r} is not one of its steps")


def _first_difference(recorded: dict, actual: dict) -> str:
    for key in sorted(set(recorded) | set(actual)):
        if recorded.get(key) != actual.get(key):
            return f"{key} is {actual.get(key, '(absent)')} but the trace says {recorded.get(key, '(absent)')}"
    return "the states differ"


def replay(machine, data: dict, known_actions: set) -> Trace:
    """Re-execute the trace; return it as a Trace of real states, or raise
    BadTraceFile / ReplayMismatch naming the first step that does not replay."""
    steps = data["steps"]
    for i, step in enumerate(steps[1:], start=1):
        if step["label"][0] not in known_actions:
            raise BadTraceFile(f"step {i} names an unknown action {step['label'][0]!r}")
    init = [s for s in machine.init_states() if machine.fields(s) == steps[0]["state"]]
    if not init:
        actual = machine.fields(machine.init_states()[0])
        raise ReplayMismatch(0, "step 0: the initial state differs: " + _first_difference(steps[0]["state"], actual))
    cur = init[0]
    out = [Step(None, cur)]
    for i, step in enumerate(steps[1:], start=1):
        saved = list(step["label"])
        found = [(lab, t) for lab, t in machine.successors(cur) if portable_label(machine, lab) == saved]
        matches = [t for _, t in found]
        label = found[0][0] if found else tuple(saved)
        text = machine.label_text(label) if found else " ".join(map(str, saved))
        if not matches:
            raise ReplayMismatch(i, f"step {i}: {text} is not enabled in the state of step {i - 1}")
        real = [t for t in matches if t is not None]
        if not real:
            raise ReplayMismatch(i, f"step {i}: {text} needs a thread beyond the configured limit")
        same = [t for t in real if machine.fields(t) == step["state"]]
        if not same:
            raise ReplayMismatch(i, f"step {i}: {text} leads to a different state: "
                                    + _first_difference(step["state"], machine.fields(real[0])))
        cur = same[0]
        out.append(Step(label, cur))
    loop = data.get("loop_start")
    unfair = data.get("unfair") or []
    if loop is not None and loop < len(steps) - 1 and out[loop].state != cur:
        raise ReplayMismatch(len(steps) - 1, f"the cycle does not close: the last state is not the state of step {loop}")
    if loop is not None and loop == len(steps) - 1:
        fair_steps = [lab for lab, _ in machine.successors(cur) if machine.fairness_class(lab) not in unfair]
        if fair_steps:
            raise ReplayMismatch(loop, f"the trace ends in a stutter but {machine.label_text(fair_steps[0])} is "
                                       f"enabled there and fair")
    return Trace(steps=out, property=data["property"], message=data.get("message", ""), kind=data["kind"],
                 loop_start=loop, config=data["config"], model=data.get("model", ""), unfair=list(unfair))
