"""User-defined properties, from a Python file (`check --properties FILE.py`) or from the API
(explorer/api.py). A property reads a state as the trace shows it: the dict of fields
(`machine.fields`, e.g. {"G1.status": "_Grunning", "P0.runnext": "G2", "sched.npidle": "1", ...}),
so it needs no knowledge of the state layout.

The file defines either or both of:

    INVARIANTS = {"name": check}      # check(fields) -> None when it holds, else a sentence saying what breaks
    LIVENESS = {"name": (p, q)}       # always (p(fields) implies eventually q(fields)), both -> bool

A liveness property assumes every fairness class (README, "Fairness").
"""

import importlib.util
import os

from .liveness import Liveness
from .spec import Invariant


class BadPropertiesFile(Exception):
    """The file cannot be used; the message is one sentence (exit status 2)."""


def load(path: str, known: set) -> tuple[dict, dict]:
    """(invariants, liveness) as the file defines them, checked; BadPropertiesFile otherwise.
    known: the built-in property names, which a user's may not reuse."""
    if not os.path.isfile(path):
        raise BadPropertiesFile(f"the properties file {path} does not exist")
    if not path.endswith(".py"):
        raise BadPropertiesFile(f"the properties file {path} must be a Python file ending in .py")
    spec = importlib.util.spec_from_file_location("gosched_mc_user_properties", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise BadPropertiesFile(f"the properties file {path} has a syntax error at line {err.lineno}: {err.msg}") from None
    except Exception as err:  # noqa: BLE001 -- the user's code: any error is bad input, in one sentence
        raise BadPropertiesFile(f"the properties file {path} failed while loading: "
                                f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    invariants = getattr(module, "INVARIANTS", {})
    liveness = getattr(module, "LIVENESS", {})
    if not invariants and not liveness:
        raise BadPropertiesFile(f"the properties file {path} defines neither INVARIANTS nor LIVENESS "
                                "(dicts of name: check(fields) and name: (p, q))")
    check(invariants, liveness, known, f"the properties file {path}")
    return invariants, liveness


def check(invariants, liveness, known: set, where: str = "the user-defined properties") -> None:
    if not isinstance(invariants, dict) or not isinstance(liveness, dict):
        raise BadPropertiesFile(f"{where}: INVARIANTS and LIVENESS must be dicts")
    for name, fn in invariants.items():
        _name(name, known, where)
        if not callable(fn):
            raise BadPropertiesFile(f"{where}: the invariant {name!r} is not a function of the fields")
    for name, pq in liveness.items():
        _name(name, known, where)
        if not (isinstance(pq, tuple) and len(pq) == 2 and all(callable(f) for f in pq)):
            raise BadPropertiesFile(f"{where}: the liveness property {name!r} must be a pair (p, q) of functions "
                                    "of the fields: always (p implies eventually q)")
    clash = set(invariants) & set(liveness)
    if clash:
        raise BadPropertiesFile(f"{where}: {sorted(clash)[0]!r} is both an invariant and a liveness property")


def _name(name, known: set, where: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise BadPropertiesFile(f"{where}: property names must be identifiers, not {name!r}")
    if name in known:
        raise BadPropertiesFile(f"{where}: {name!r} is already a built-in property; choose another name")


class UserError(Exception):
    """A user-defined property raised an exception on a state."""


def _guarded(name: str, fn):
    def call(fields):
        try:
            return fn(fields)
        except Exception as err:  # noqa: BLE001 -- a bug in the user's property, not in gosched-mc
            raise UserError(f"the user-defined property {name} raised {type(err).__name__}: {err}") from None
    return call


def invariants_for(machine, invariants: dict) -> list:
    """Invariant objects reading the machine's fields."""
    out = []
    for name, fn in invariants.items():
        f = _guarded(name, fn)
        out.append(Invariant(name, (lambda f: lambda s: f(machine.fields(s)))(f), doc=fn.__doc__ or "user-defined"))
    return out


def liveness_for(machine, liveness: dict) -> list:
    out = []
    for name, (p, q) in liveness.items():
        gp, gq = _guarded(name, p), _guarded(name, q)
        out.append(Liveness(name, "user-defined: always (p implies eventually q)",
                            ((name, (lambda g: lambda s: bool(g(machine.fields(s))))(gp),
                              (lambda g: lambda s: bool(g(machine.fields(s))))(gq)),)))
    return out
