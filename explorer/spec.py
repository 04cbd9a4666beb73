"""What the engine needs from a model, and what a property is.

A model (in the spirit of Stateright's StateMachine or a TLA+ spec's
Init/Next) offers:

    init_states()         -> list of states
    successors(state)     -> list of (label, next_state); next_state None
                             marks a step the model cut at one of its bounds
    canonical(state)      -> a representative under the model's symmetry
    terminal(state)       -> ("ok" | "deadlock", why) for a state with no steps
    label_text(label)     -> a human-readable step
    fields(state)         -> {field: value} for diffs and JSON
    view(state, detail)   -> a multi-line rendering

and, optionally:

    actions()             -> the action names, for coverage
    label_note(label)     -> a note on a step (e.g. the runtime functions it models)
    fairness_class(label) -> the fairness class of a step (liveness, `--no-fairness`)
    fairness_key(state, label) -> which weakly fair "process" a step belongs to
    fairness_strong(key)  -> True if that key is strongly fair

States are hashable and compared by equality. A label is a tuple whose first
element names the action. Properties are named predicates: an Invariant's
check returns None when it holds and a sentence naming what breaks it
otherwise.
"""

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

State = Any
Label = tuple


class Machine(Protocol):
    def init_states(self) -> Sequence[State]: ...
    def successors(self, state: State) -> list: ...
    def canonical(self, state: State) -> State: ...
    def terminal(self, state: State) -> tuple[str, str]: ...
    def label_text(self, label: Label) -> str: ...
    def fields(self, state: State) -> dict: ...
    def view(self, state: State, detail: bool = False) -> str: ...


@dataclass(frozen=True)
class Invariant:
    """A safety property: check(state) is None in every reachable state."""

    name: str
    check: Callable[[State], str | None]
    doc: str = ""


DEADLOCK = "deadlock"  # the name the engine gives terminal states the model calls deadlocks
# The name of the violation a state has when the machine's successors() raises one of its
# `model_errors`: a step the model cannot take (a bug in the model, or a seeded bug's symptom).
MODEL_ERROR = "model_error"
