"""The safety invariants as conditions: each invariant's own Python check,
run on a symbolic state with the forking executor (execute.py).

An invariant made with `memoised(offsets, fn)` (properties/memo.py) carries
its projection and its function; fn is run on a SymSeq of the projected
fields, and the invariant is violated exactly on the paths where fn returns
a sentence (not None). One made with `memoised_parts` is a conjunction, and
each conjunct is compiled on its own. The result is a term over the state's fields, so
the same check the explicit search memoises is the one z3 is given.
"""

from dataclasses import dataclass

from . import terms as T
from .execute import Context, PathLimit, SymbolicError, SymSeq, SymState, enumerate_paths


@dataclass
class SymInvariant:
    name: str
    doc: str
    violated: tuple  # a bool term over the fields: the invariant fails
    paths: int


def compile_invariant(inv, domains, limit: int | None = None) -> SymInvariant:
    offsets = getattr(inv.check, "offsets", None)
    fn = getattr(inv.check, "fn", None)
    if offsets is None or fn is None:
        raise SymbolicError(f"invariant {inv.name} is not a projection (properties/memo.py:memoised); "
                            "the symbolic engine cannot run it")
    # Only whether a path returns a sentence matters, not the sentence: a
    # value formatted into it is "?" rather than one path per value.
    # A conjunction (properties/memo.py:memoised_parts) is compiled one
    # conjunct at a time: it is violated where some conjunct is, and the
    # paths add up over the conjuncts instead of multiplying.
    parts = getattr(inv.check, "parts", None)
    part = getattr(inv.check, "part", None)
    checks = [fn] if parts is None else [lambda vals, i=i: part(vals, i) for i in parts]
    bad, count = [], 0
    for check in checks:
        start = Context(list(domains), text_free=True)
        s0 = SymState(len(domains))

        def run(check=check, s0=s0):
            return check(SymSeq([s0[o] for o in offsets]))

        try:
            paths = enumerate_paths(run, start, limit)
        except PathLimit as err:
            raise err.at(f"on the check of {inv.name}") from None
        count += len(paths)
        for p in paths:
            if p.error is not None or p.value is not None:  # a sentence, or the check itself raises: not "holds"
                bad.append(p.condition)
    return SymInvariant(inv.name, inv.doc, T.disj(bad), count)


def compile_invariants(invariants, domains, limit: int | None = None) -> list:
    return [compile_invariant(inv, domains, limit) for inv in invariants]
