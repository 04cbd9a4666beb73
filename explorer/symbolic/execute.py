"""The forking executor: run ordinary Python code on symbolic values.

A symbolic value (`Sym`) wraps a term (terms.py) and overloads Python's
operators, so `s[o] + 1`, `2 * n < k` or `x & ~FLAG` build terms. Where
Python needs a concrete answer the value asks the current path:

  __bool__                 (if, while, and, or, not, any, `in` on a list):
                           a branch: which way does this path go?
  __index__, __int__,      (list[x], range(x), a dict key, an f-string):
  __hash__, __format__,    which value does it have on this path?
  __str__

Each question is answered by the path's oracle. `enumerate_paths` re-runs the
code once per path: a run follows the answers of its prefix, takes the first
feasible answer at every new question and remembers the others, which later
runs follow. Feasibility is decided exactly by enumerating the (small) value
domains of the fields a condition reads, so no path is followed whose
condition is known to be empty; a condition over too many combinations is
taken as feasible both ways (sound: its path condition then stays
unsatisfiable, and z3 drops it).

Symbolic states (`SymState`) stand for bytearray and bytes: reading a field
gives its symbolic value (or the int it must have on this path), writing
checks the byte range exactly as bytearray does, raising the same
ValueError on the path where the value is out of range.

Only the current path is consulted, through a module-level pointer set
while a run is in progress; the executor is not re-entrant across threads.
"""

import itertools
from dataclasses import dataclass, field

from . import terms as T

PATH_LIMIT = 200_000  # paths one function may take before the executor gives up (PathLimit)
ENUMERATION_LIMIT = 4096  # combinations of field values tried to decide a condition exactly
MAX_OPTIONS = 512  # values a symbolic index may be forked into when its domain is not known exactly


class SymbolicError(BaseException):
    """The executor cannot go on (not a model error: BaseException, so model
    code cannot catch it)."""


class PathLimit(SymbolicError):
    """More paths than the limit through one function: `where` says which
    (an invariant's check, a process's step), for the one sentence the
    commands print."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.limit_message, self.where = message, where

    def at(self, where: str) -> "PathLimit":
        return PathLimit(self.limit_message, self.where or where)

    def __str__(self):
        return f"{self.limit_message} {self.where}".strip()


class Nondeterministic(SymbolicError):
    """A re-run asked different questions than the run it repeats: the code
    depends on something other than its inputs."""


_current = None


def current():
    if _current is None:
        raise SymbolicError("a symbolic value was used outside a symbolic run")
    return _current


def term_of(x):
    if isinstance(x, Sym):
        return x.t
    if isinstance(x, int):  # bool is an int
        return ("c", x)
    return None


def wrap(t):
    """The Python value for a term: a plain int/bool for a constant, else a Sym."""
    return t[1] if t[0] == "c" else Sym(t)


def _binary(op, a, b):
    ta, tb = term_of(a), term_of(b)
    if ta is None or tb is None:
        return NotImplemented
    if ta[0] == "c" and tb[0] == "c":
        return T.apply(op, ta[1], tb[1])
    if op in ("//", "%") and tb[0] != "c":
        if bool(Sym(("==", tb, ("c", 0)))):
            raise ZeroDivisionError("integer division or modulo by zero")
    return Sym((op, ta, tb))


class Sym:
    """A symbolic int (or bool): a term, asking the current path when Python
    needs a concrete answer."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t

    # arithmetic and bitwise operators build terms
    def __add__(self, o): return _binary("+", self, o)
    def __radd__(self, o): return _binary("+", o, self)
    def __sub__(self, o): return _binary("-", self, o)
    def __rsub__(self, o): return _binary("-", o, self)
    def __mul__(self, o): return _binary("*", self, o)
    def __rmul__(self, o): return _binary("*", o, self)
    def __floordiv__(self, o): return _binary("//", self, o)
    def __rfloordiv__(self, o): return _binary("//", o, self)
    def __mod__(self, o): return _binary("%", self, o)
    def __rmod__(self, o): return _binary("%", o, self)
    def __and__(self, o): return _binary("&", self, o)
    def __rand__(self, o): return _binary("&", o, self)
    def __or__(self, o): return _binary("|", self, o)
    def __ror__(self, o): return _binary("|", o, self)
    def __xor__(self, o): return _binary("^", self, o)
    def __rxor__(self, o): return _binary("^", o, self)
    def __lshift__(self, o): return _binary("<<", self, o)
    def __rlshift__(self, o): return _binary("<<", o, self)
    def __rshift__(self, o): return _binary(">>", self, o)
    def __rrshift__(self, o): return _binary(">>", o, self)
    def __invert__(self): return Sym(("~", self.t))
    def __neg__(self): return Sym(("neg", self.t))
    def __pos__(self): return self

    def __abs__(self):
        return -self if self < 0 else self

    # comparisons build conditions
    def __eq__(self, o): return _binary("==", self, o)
    def __ne__(self, o): return _binary("!=", self, o)
    def __lt__(self, o): return _binary("<", self, o)
    def __le__(self, o): return _binary("<=", self, o)
    def __gt__(self, o): return _binary("<", o, self)
    def __ge__(self, o): return _binary("<=", o, self)

    def isin(self, values):
        """`self in values` as one condition (properties/memo.py:isin): one
        branch where it is used, not one per element."""
        return current().decide(T.disj([("==", self.t, ("c", v)) for v in values]))

    # where Python needs a concrete answer, the path decides
    def __bool__(self):
        return current().decide(self.t)

    def __index__(self):
        return int(current().choose(self.t))

    __int__ = __index__

    def __hash__(self):
        return hash(current().choose(self.t))

    def __format__(self, spec):
        if current().text_free:
            return "?"
        return format(current().choose(self.t), spec)

    def __str__(self):
        if current().text_free:
            return "?"
        return str(current().choose(self.t))

    def __repr__(self):
        return f"Sym({T.show(self.t)})"


# --- symbolic states -------------------------------------------------------------------------------------------

class SymState:
    """A state being built (mutable, like bytearray) or a finished one
    (frozen, like bytes): the fields written since the start state, over the
    start state's fields."""

    __slots__ = ("writes", "frozen", "size")

    def __init__(self, size: int, writes=None, frozen: bool = True):
        self.size = size
        self.writes = {} if writes is None else writes
        self.frozen = frozen

    def _offset(self, o) -> int:
        if isinstance(o, slice):
            raise SymbolicError("slicing a symbolic state is not supported; read fields one at a time")
        o = o.__index__() if isinstance(o, Sym) else o
        if not isinstance(o, int):
            raise TypeError(f"byte indices must be integers or slices, not {type(o).__name__}")
        if o < 0:
            o += self.size
        if not 0 <= o < self.size:
            raise IndexError("index out of range")
        return o

    def __getitem__(self, o):
        o = self._offset(o)
        w = self.writes.get(o)
        if w is not None:
            return w
        return current().read(o)

    def __setitem__(self, o, value):
        if self.frozen:
            raise TypeError("'bytes' object does not support item assignment")
        o = self._offset(o)
        if isinstance(value, Sym):
            t = value.t
            if T.is_bool(t):
                t = ("ite", t, ("c", 1), ("c", 0))
            in_range = ("and", ("<=", ("c", 0), t), ("<=", t, ("c", 255)))
            if not current().decide(in_range):
                raise ValueError("byte must be in range(0, 256)")
            self.writes[o] = Sym(t)
        elif isinstance(value, int):
            if not 0 <= value <= 255:
                raise ValueError("byte must be in range(0, 256)")
            self.writes[o] = int(value)
        else:
            raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")

    def __len__(self):
        return self.size

    def __iter__(self):
        return (self[o] for o in range(self.size))


def sym_copy(s) -> SymState:
    """Runtime.copy for symbolic runs: a mutable copy (bytearray(s))."""
    return SymState(s.size, dict(s.writes), frozen=False)


def sym_freeze(b) -> SymState:
    """Runtime.freeze for symbolic runs: an immutable snapshot (bytes(b))."""
    return SymState(b.size, dict(b.writes), frozen=True)


def free_choice(options):
    """A nondeterministic choice among options, each its own path (no
    condition on the state): see Runtime.choose."""
    options = list(options)
    if len(options) <= 1:
        return options
    k = current().pick_free(len(options))
    return [options[k]]


# --- paths -------------------------------------------------------------------------------------------------------

class Context:
    """One path: the answers given so far, the conditions they impose, and
    what they imply about each field's possible values."""

    def __init__(self, domains: list, known: dict | None = None, narrowed: dict | None = None,
                 conditions=(), prefix=(), text_free: bool = False):
        self.domains = domains  # field -> tuple of possible values (the type, before this path)
        self.narrowed = dict(narrowed or {})  # field -> tuple, narrower than its domain on this path
        self.known = dict(known or {})  # field -> its value on this path, where only one is possible
        self.conditions = list(conditions)  # bool terms whose conjunction is the path condition
        self.prefix = tuple(prefix)
        self.choices: list = []  # the answer at each question with several possible answers
        self.alternatives: list = []  # (index of the question, the answers not taken)
        self.free_choices: list = []  # the answers to free choices (Runtime.choose)
        self.text_free = text_free  # a value formatted as text is "?" (no fork): only the verdict matters

    def child(self, prefix=()) -> "Context":
        """A path that continues this one (same conditions), following `prefix`."""
        return Context(self.domains, self.known, self.narrowed, self.conditions, prefix, self.text_free)

    def condition(self) -> tuple:
        return T.conj(self.conditions)

    # -- reading fields
    def domain(self, i: int) -> tuple:
        d = self.narrowed.get(i)
        return self.domains[i] if d is None else d

    def read(self, i: int):
        v = self.known.get(i)
        if v is not None:
            return v
        d = self.domain(i)
        if len(d) == 1:
            self.known[i] = d[0]
            return d[0]
        return Sym(("v", i))

    # -- the oracle
    def _pick(self, options: list):
        d = len(self.choices)
        if d < len(self.prefix):
            choice = self.prefix[d]
            if choice not in options:
                raise Nondeterministic(f"question {d} has answers {options} on a re-run, not {choice!r}")
        else:
            choice = options[0]
            if len(options) > 1:
                self.alternatives.append((d, options[1:]))
        self.choices.append(choice)
        return choice

    def pick_free(self, n: int) -> int:
        k = self._pick(list(range(n)))
        self.free_choices.append(k)
        return k

    def _narrow(self, fields, projection) -> None:
        for i, vals in zip(fields, projection):
            vals = tuple(sorted(vals))
            if len(vals) < len(self.domain(i)):
                self.narrowed[i] = vals
                if len(vals) == 1:
                    self.known[i] = vals[0]

    def _outcomes(self, t):
        """{value of t: per field of t, the set of values it can then have},
        and the fields; None if there are too many combinations."""
        fields = sorted(T.variables(t))
        doms = [self.domain(i) for i in fields]
        n = 1
        for d in doms:
            n *= len(d)
            if n > ENUMERATION_LIMIT:
                return None, fields
        fn = _compiled_args(t, tuple(fields))
        out: dict = {}
        for combo in itertools.product(*doms):
            try:
                v = fn(*combo)
            except (ArithmeticError, ValueError):  # e.g. a division by zero: not this way
                continue
            proj = out.get(v)
            if proj is None:
                out[v] = [{x} for x in combo]
            else:
                for s, x in zip(proj, combo):
                    s.add(x)
        return out, fields

    def possible_values(self, t):
        """The values t can have on this path, or None if there are too many
        combinations to tell."""
        c = T.substitute(t, self.known)
        if c[0] == "c":
            return [c[1]]
        outcomes, _ = self._outcomes(c)
        return None if outcomes is None else sorted(outcomes)

    def value_set(self, t) -> set:
        """A set containing every value t can have on this path (exact when
        the fields it reads have few combinations, else an interval)."""
        values = self.possible_values(t)
        if values is not None:
            return {int(v) for v in values}
        lo, hi = T.interval(T.substitute(t, self.known), _Bounds(self))
        return set(range(lo, hi + 1))

    def decide(self, t) -> bool:
        """Which way a branch on t goes on this path."""
        c = T.substitute(T.truth(t), self.known)
        if c[0] == "c":
            return bool(c[1])
        outcomes, fields = self._outcomes(c)
        if outcomes is None:
            options = [True, False]
        else:
            by_truth: dict = {}
            for v, proj in outcomes.items():
                b = bool(v)
                if b in by_truth:
                    for s, p in zip(by_truth[b], proj):
                        s |= p
                else:
                    by_truth[b] = [set(p) for p in proj]
            options = [b for b in (True, False) if b in by_truth]
        if not options:  # no combination is possible: the path itself is empty
            options = [True, False]
            outcomes = None
        choice = self._pick(options) if len(options) > 1 else options[0]
        if outcomes is not None:
            self._narrow(fields, by_truth[choice])
        if len(options) > 1 or outcomes is None:
            self.conditions.append(c if choice else T.negate(c))
        return choice

    def choose(self, t):
        """The value t has on this path (an int or bool)."""
        c = T.substitute(t, self.known)
        if c[0] == "c":
            return c[1]
        outcomes, fields = self._outcomes(c)
        if outcomes is None:
            if c[0] == "v":
                options = list(self.domain(c[1]))
            else:
                lo, hi = T.interval(c, _Bounds(self))
                if hi - lo + 1 > MAX_OPTIONS:
                    raise SymbolicError(f"a symbolic value ({T.show(c)}) is used where Python needs a "
                                        f"concrete one and may have {hi - lo + 1} values")
                options = list(range(lo, hi + 1))
        else:
            options = sorted(outcomes, key=lambda v: (int(v), isinstance(v, bool)))
        if not options:
            raise SymbolicError(f"{T.show(c)} has no possible value on this path")
        choice = self._pick(options) if len(options) > 1 else options[0]
        if outcomes is not None:
            self._narrow(fields, outcomes[choice])
        elif c[0] == "v":
            self._narrow([c[1]], [{choice}])
        if len(options) > 1 or outcomes is None:
            self.conditions.append(("==", c, ("c", choice)))
        return choice


class _Bounds:
    """Field bounds (lo, hi) on a path, for terms.interval."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def __getitem__(self, i):
        d = self.ctx.domain(i)
        return (min(d), max(d))


_ARG_CACHE: dict = {}


def _compiled_args(t, fields: tuple):
    key = (t, fields)
    fn = _ARG_CACHE.get(key)
    if fn is None:
        names = {f: f"a{k}" for k, f in enumerate(fields)}
        src = T.source(t)
        for f in sorted(fields, reverse=True):  # s[12] before s[1]
            src = src.replace(f"s[{f}]", names[f])
        fn = eval(f"lambda {', '.join(names.values())}: {src}", {})  # noqa: S307 -- our own term syntax
        if len(_ARG_CACHE) > 200_000:
            _ARG_CACHE.clear()
        _ARG_CACHE[key] = fn
    return fn


@dataclass
class Path:
    """One path of a run: its condition, what it returned or raised, and the
    context it ended in (its knowledge of the fields)."""

    context: Context
    value: object = None
    error: tuple | None = None  # (exception type name, message) if the code raised
    extra: object = None  # what the runner collected (e.g. the steps appended to `out`)
    choices: tuple = field(default_factory=tuple)

    @property
    def condition(self) -> tuple:
        return self.context.condition()


def enumerate_paths(run, start: Context, limit: int | None = None, collect=None) -> list[Path]:
    """Every path of run() from the context `start`. run is called once per
    path with no arguments; collect(value, error, context) (if given) turns what it returned
    into the path's `extra` (collect must not fork: it may only
    `resolve` symbolic values)."""
    global _current
    limit = PATH_LIMIT if limit is None else limit
    paths: list[Path] = []
    stack = [()]
    while stack:
        prefix = stack.pop()
        ctx = start.child(prefix)
        previous, _current = _current, ctx
        value, error = None, None
        try:
            value = run()
        except SymbolicError:
            raise
        except Exception as err:  # noqa: BLE001 -- a model error on this path: recorded, as the explicit engine would raise it
            error = (type(err).__name__, str(err))
        finally:
            _current = previous
        for depth, answers in ctx.alternatives:
            for a in reversed(answers):
                stack.append(ctx.choices[:depth] + [a])
        extra = collect(value, error, ctx) if collect is not None else None
        paths.append(Path(ctx, value, error, extra, tuple(ctx.choices)))
        if len(paths) > limit:
            raise PathLimit(f"more than {limit:,} paths")
    paths.reverse()  # the order the code would try them: first answers first
    return paths


def resolve(x, ctx: Context):
    """A value from a finished path as a term (constants folded with what
    the path knows): ints and bools become ("c", v)."""
    t = term_of(x)
    if t is None:
        raise SymbolicError(f"cannot turn {type(x).__name__} into a term")
    return T.substitute(t, ctx.known)


class SymSeq:
    """A tuple of possibly symbolic values whose queries answer symbolically,
    with at most one fork each instead of one per element: `x in seq` (one
    branch on "some element equals x"), `seq.count(x)` (a symbolic sum, no
    branch), `seq.index(x)` and `seq[i]` for a symbolic i (an if-then-else
    over the positions). Concretely these are a tuple's answers; a
    projection passed to an invariant is one of these."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = tuple(items)

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __repr__(self):
        return f"SymSeq({self.items!r})"

    def _equal(self, x) -> tuple:
        tx = term_of(x)
        if tx is None:
            return ("c", False)
        return T.disj([T.substitute(("==", term_of(e), tx), {}) for e in self.items])

    def __contains__(self, x):
        return current().decide(self._equal(x))

    def count(self, x):
        tx = term_of(x)
        if tx is None:
            return sum(1 for e in self.items if e == x)
        total = None
        for e in self.items:
            c = T.substitute(("==", term_of(e), tx), {})
            total = c if total is None else ("+", total, c)
        return wrap(T.substitute(total, {})) if total is not None else 0

    def index(self, x):
        if not current().decide(self._equal(x)):
            raise ValueError("tuple.index(x): x not in tuple")
        tx = term_of(x)
        out = None
        for k in range(len(self.items) - 1, -1, -1):
            c = T.substitute(("==", term_of(self.items[k]), tx), {})
            out = ("c", k) if out is None else ("ite", c, ("c", k), out)
        return wrap(T.substitute(out, {}))

    def positions(self, x) -> list:
        """The indices i with self[i] == x, for a sentence (memo.positions).
        Where only the verdict matters (a text-free context, props.py), no
        index is named and nothing forks; elsewhere one branch per element."""
        if current().text_free:
            return []
        return [i for i, e in enumerate(self.items) if e == x]

    def __add__(self, other):
        if isinstance(other, (SymSeq, tuple)):
            return SymSeq(self.items + tuple(other))
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, tuple):
            return SymSeq(other + self.items)
        return NotImplemented

    def __getitem__(self, i):
        if isinstance(i, slice):
            return SymSeq(self.items[i])
        if not isinstance(i, Sym):
            return self.items[i]
        n = len(self.items)
        t = i.t
        if not current().decide(("and", ("<=", ("c", -n), t), ("<", t, ("c", n)))):
            raise IndexError("tuple index out of range")
        values = current().possible_values(t)
        if values is None:
            values = range(-n, n)
        values = [v for v in values if -n <= v < n]
        out = None
        for v in reversed(values):
            e = term_of(self.items[v])
            out = e if out is None else ("ite", ("==", t, ("c", v)), e, out)
        return wrap(T.substitute(out, {}))

    def __eq__(self, other):
        if not isinstance(other, (tuple, list, SymSeq)) or len(other) != len(self.items):
            return False
        parts = []
        for a, b in zip(self.items, other):
            ta, tb = term_of(a), term_of(b)
            if ta is None or tb is None:
                if a != b:
                    return False
                continue
            parts.append(("==", ta, tb))
        return current().decide(T.substitute(T.conj(parts), {}))

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None
