"""Terms (terms.py) and the relation (relation.py) in z3.

Fields are 16-bit bit-vectors, compared signed: the model's values are
bytes and the code's intermediate values (a counter minus one, a flag mask)
stay far inside 16 bits, so two's complement arithmetic is Python's. A
condition is a z3 Bool; where the code uses a bool as a number it is 0/1.

One step from frame x to frame y picks one of the relation's transitions
by a selector (an Int): its guard holds in x, and every field it writes is
its term over x in y, every other field is x's.
"""

import operator

import z3

from . import terms as T
from .execute import SymbolicError

WIDTH = 16


def _bv(e):
    return z3.If(e, z3.BitVecVal(1, WIDTH), z3.BitVecVal(0, WIDTH)) if z3.is_bool(e) else e


def _bool(e):
    return e if z3.is_bool(e) else e != 0


def to_z3(t, frame, memo=None):
    """The z3 expression of term t over a frame (a list of z3 bit-vectors).

    The memo has two layers. By the term's identity (an int key): a tuple's
    hash is not cached, so hashing a term walks all of it, and a relation's
    guards share deep subterms (hashing each one at every use made the
    deadlock condition of a GOMAXPROCS 4 configuration take more than 10
    minutes); each entry keeps its term alive, so an id is not reused while
    the memo lives. By structure (a tuple key: the op and its operands' z3
    expressions, which the memo keeps alive): the executor builds the same
    condition afresh on every path (on that configuration, 8 million term
    nodes in the guards, 139 thousand distinct), and each distinct one is
    built in z3 once."""
    memo = {} if memo is None else memo
    hit = memo.get(id(t))
    if hit is not None:
        return hit[1]
    stack = [t]
    while stack:  # children first, without recursion (terms can be deep)
        x = stack[-1]
        if id(x) in memo:
            stack.pop()
            continue
        op = x[0]
        if op == "c" or op == "v":
            stack.pop()
            memo[id(x)] = (x, _leaf(x, frame, memo))
            continue
        todo = [c for c in x[1:] if id(c) not in memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        a = [memo[id(c)][1] for c in x[1:]]
        key = (op, *map(id, a))
        r = memo.get(key)
        if r is None:
            r = memo[key] = _node(op, a)
        memo[id(x)] = (x, r)
    return memo[id(t)][1]


def _leaf(t, frame, memo):
    if t[0] == "v":
        return frame[t[1]]
    v = t[1]
    key = ("c", type(v), v)  # True == 1, but a bool constant is a z3 Bool and 1 a bit-vector
    r = memo.get(key)
    if r is None:
        r = memo[key] = z3.BoolVal(v) if isinstance(v, bool) else z3.BitVecVal(v, WIDTH)
    return r


# bit-vector operators (z3's >> is the arithmetic shift, as Python's on ints)
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "&": operator.and_, "|": operator.or_,
           "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift, "<": operator.lt, "<=": operator.le}


def _node(op, a):
    """The z3 expression of op over its operands' z3 expressions."""
    if op == "and":
        return z3.And([_bool(x) for x in a])
    if op == "or":
        return z3.Or([_bool(x) for x in a])
    if op == "not":
        return z3.Not(_bool(a[0]))
    if op == "bool":
        return _bool(a[0])
    if op == "ite":
        x, y = a[1], a[2]
        if z3.is_bool(x) != z3.is_bool(y):
            x, y = _bv(x), _bv(y)
        return z3.If(_bool(a[0]), x, y)
    if op == "~":
        return ~_bv(a[0])
    if op == "neg":
        return -_bv(a[0])
    if op in ("&", "|", "^") and z3.is_bool(a[0]) and z3.is_bool(a[1]):
        return {"&": z3.And, "|": z3.Or, "^": z3.Xor}[op](a[0], a[1])
    if op in ("==", "!="):
        x, y = a
        if z3.is_bool(x) != z3.is_bool(y):
            x, y = _bv(x), _bv(y)
        return (x == y) if op == "==" else (x != y)
    if op not in _BINARY:
        raise SymbolicError(f"the z3 encoding has no {op!r} (Python's floor division differs from z3's)")
    return _BINARY[op](_bv(a[0]), _bv(a[1]))


def solver():
    """A solver for the encoding: every term is a bit-vector or a Bool (the
    step's selector too), so z3's QF_BV solver applies, which bit-blasts to
    its incremental SAT solver (assumptions, push and pop as the generic
    solver). On GOMAXPROCS 3, 3 threads, 5 goroutines (15,657 relation
    paths) one induction step took 66 s with it and had not returned after
    10 minutes with z3.Solver() and an Int selector."""
    return z3.SolverFor("QF_BV")


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
        self.memos: list = []  # per frame, to_z3's memo: every term over a frame is built in z3 once

    def frame(self, k: int) -> list:
        while len(self.frames) <= k:
            n = len(self.frames)
            self.frames.append([z3.BitVec(f"{n}:{name}", WIDTH) for name in self.rel.names])
            self.memos.append({})
        return self.frames[k]

    def term(self, t, k: int):
        x = self.frame(k)
        return _bool(to_z3(t, x, self.memos[k]))

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
        x = self.frame(k)
        memo = self.memos[k]
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
        memo = self.memos[k]
        n = len(self.transitions)
        # A bit-vector, so the problem stays QF_BV; wide enough to hold n itself
        # (ULT(sel, n) with n = 2**bits would wrap to ULT(sel, 0): no step at all).
        sel = z3.BitVec(f"{k}:step", max(1, n.bit_length()))
        guards = []
        chains: dict = {}
        for j, (guard, entry) in enumerate(self.transitions):
            picked = sel == j
            guards.append(z3.Implies(picked, _bool(to_z3(guard, x, memo))))
            for o, t in entry.writes.items():
                chains.setdefault(o, []).append((picked, _bv(to_z3(t, x, memo))))
        parts = [z3.ULT(sel, n), *guards]
        for o in range(len(x)):
            value = x[o]
            for picked, v in reversed(chains.get(o, ())):
                value = z3.If(picked, v, value)
            parts.append(y[o] == value)
        return z3.And(parts)

    def state(self, model, k: int) -> bytes:
        return bytes(model.eval(v, model_completion=True).as_long() & 0xFF for v in self.frame(k))
