"""Terms (terms.py) and the relation (relation.py) in z3.

Fields are 16-bit bit-vectors, compared signed: the model's values are
bytes and the code's intermediate values (a counter minus one, a flag mask)
stay far inside 16 bits, so two's complement arithmetic is Python's. A
condition is a z3 Bool; where the code uses a bool as a number it is 0/1.

One step from frame x to frame y picks one of the relation's transitions
by a selector (an Int): its guard holds in x, and every field it writes is
its term over x in y, every other field is x's.
"""

import z3

from . import terms as T
from .execute import SymbolicError

WIDTH = 16


def _bv(e):
    return z3.If(e, z3.BitVecVal(1, WIDTH), z3.BitVecVal(0, WIDTH)) if z3.is_bool(e) else e


def _bool(e):
    return e if z3.is_bool(e) else e != 0


def to_z3(t, frame, memo=None):
    """The z3 expression of term t over a frame (a list of z3 bit-vectors)."""
    memo = {} if memo is None else memo
    hit = memo.get(t)
    if hit is not None:
        return hit
    op = t[0]
    if op == "c":
        v = t[1]
        r = z3.BoolVal(v) if isinstance(v, bool) else z3.BitVecVal(v, WIDTH)
    elif op == "v":
        r = frame[t[1]]
    else:
        a = [to_z3(x, frame, memo) for x in t[1:]]
        if op == "and":
            r = z3.And([_bool(x) for x in a])
        elif op == "or":
            r = z3.Or([_bool(x) for x in a])
        elif op == "not":
            r = z3.Not(_bool(a[0]))
        elif op == "bool":
            r = _bool(a[0])
        elif op == "ite":
            x, y = a[1], a[2]
            if z3.is_bool(x) != z3.is_bool(y):
                x, y = _bv(x), _bv(y)
            r = z3.If(_bool(a[0]), x, y)
        elif op == "~":
            r = ~_bv(a[0])
        elif op == "neg":
            r = -_bv(a[0])
        elif op in ("&", "|", "^") and z3.is_bool(a[0]) and z3.is_bool(a[1]):
            r = {"&": z3.And, "|": z3.Or, "^": z3.Xor}[op](a[0], a[1])
        elif op in ("==", "!="):
            x, y = a
            if z3.is_bool(x) != z3.is_bool(y):
                x, y = _bv(x), _bv(y)
            r = (x == y) if op == "==" else (x != y)
        else:
            x, y = _bv(a[0]), _bv(a[1])
            if op == "+":
                r = x + y
            elif op == "-":
                r = x - y
            elif op == "*":
                r = x * y
            elif op == "&":
                r = x & y
            elif op == "|":
                r = x | y
            elif op == "^":
                r = x ^ y
            elif op == "<<":
                r = x << y
            elif op == ">>":
                r = x >> y
            elif op == "<":
                r = x < y
            elif op == "<=":
                r = x <= y
            else:
                raise SymbolicError(f"the z3 encoding has no {op!r} (Python's floor division differs from z3's)")
    memo[t] = r
    return r


class Encoding:
    """The relation and the invariants over numbered frames of z3 variables."""

    def __init__(self, rel, sym_invariants, deadlock=None, model_errors=()):
        self.rel = rel
        self.invariants = sym_invariants  # SymInvariant list (props.py)
        self.deadlock = deadlock  # a term: no step and the model calls it a deadlock, or None
        self.transitions = [(g, e) for g, e, *_ in rel.transitions() if e.writes is not None]
        errors = list(rel.errors())
        # the code raises one of the model's own errors: the violation model_error (explorer/spec.py)
        self.model_error = T.disj([c for c, _, e in errors if e[0] in model_errors])
        # the code raises anything else: the explicit engine would crash
        self.errors = T.disj([c for c, _, e in errors if e[0] not in model_errors])
        self.frames: list = []

    def frame(self, k: int) -> list:
        while len(self.frames) <= k:
            n = len(self.frames)
            self.frames.append([z3.BitVec(f"{n}:{name}", WIDTH) for name in self.rel.names])
        return self.frames[k]

    def term(self, t, k: int):
        return _bool(to_z3(t, self.frame(k), {}))

    def equals(self, state, k: int):
        x = self.frame(k)
        return z3.And([x[o] == v for o, v in enumerate(state)])

    def in_domains(self, k: int, domains=None):
        """TypeOK: every field of frame k lies in its domain."""
        x = self.frame(k)
        doms = domains if domains is not None else self.rel.domains
        return z3.And([z3.Or([x[o] == v for v in d]) for o, d in enumerate(doms)])

    def violated(self, k: int, names=None):
        """{property: its violation in frame k} (invariants, deadlock)."""
        out = {}
        memo: dict = {}
        x = self.frame(k)
        for inv in self.invariants:
            if names is None or inv.name in names:
                out[inv.name] = _bool(to_z3(inv.violated, x, memo))
        if self.deadlock is not None and (names is None or "deadlock" in names):
            out["deadlock"] = _bool(to_z3(self.deadlock, x, memo))
        if names is None or "model_error" in names:
            out["model_error"] = _bool(to_z3(self.model_error, x, memo))
        return out

    def raises(self, k: int):
        """The model's own code raises in frame k (the explicit engine would crash)."""
        return self.term(self.errors, k)

    def step(self, k: int):
        """Frame k steps to frame k+1."""
        x, y = self.frame(k), self.frame(k + 1)
        memo: dict = {}
        sel = z3.Int(f"{k}:step")
        guards = []
        chains: dict = {}
        for j, (guard, entry) in enumerate(self.transitions):
            picked = sel == j
            guards.append(z3.Implies(picked, _bool(to_z3(guard, x, memo))))
            for o, t in entry.writes.items():
                chains.setdefault(o, []).append((picked, _bv(to_z3(t, x, memo))))
        parts = [sel >= 0, sel < len(self.transitions), *guards]
        for o in range(len(x)):
            value = x[o]
            for picked, v in reversed(chains.get(o, ())):
                value = z3.If(picked, v, value)
            parts.append(y[o] == value)
        return z3.And(parts)

    def state(self, model, k: int) -> bytes:
        return bytes(model.eval(v, model_completion=True).as_long() & 0xFF for v in self.frame(k))
