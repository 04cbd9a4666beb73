"""Terms: the expressions a symbolic run builds, as plain tuples.

    ("c", value)          a constant (an int, or a bool for a decided comparison)
    ("v", i)              field i of the state the step starts from
    (op, a, b)            + - * // % & | ^ << >> == != < <=
    (op, a)               ~ neg not bool        (bool: Python truthiness, as a bool)
    ("ite", c, a, b)      a if c else b
    ("and", a, b, ...)    ("or", ...): conditions the engine builds, over bool terms

Terms mean exactly what the same Python expression means on ints: `//` and
`%` round towards minus infinity, `&` works on two's complement, and a
comparison is a bool that arithmetic treats as 0 or 1. `evaluate` runs a
term on a concrete state (compiled to a Python lambda, so agreement tests
are fast); `interval` bounds its value given bounds on the fields.
"""

from functools import lru_cache

BINARY = ("+", "-", "*", "//", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=")
COMPARISONS = ("==", "!=", "<", "<=")
BOOLEAN_OPS = COMPARISONS + ("not", "bool", "and", "or")
TRUE, FALSE = ("c", True), ("c", False)

_PY = {"+": "+", "-": "-", "*": "*", "//": "//", "%": "%", "&": "&", "|": "|", "^": "^", "<<": "<<", ">>": ">>",
       "==": "==", "!=": "!=", "<": "<", "<=": "<="}


def const(value) -> tuple:
    return ("c", value)


def is_const(t) -> bool:
    return t[0] == "c"


def is_bool(t) -> bool:
    """Whether the term's value is a bool (a condition), not an int."""
    return t[0] in BOOLEAN_OPS or (t[0] == "c" and isinstance(t[1], bool)) or (
        t[0] == "ite" and is_bool(t[2]) and is_bool(t[3]))


def truth(t) -> tuple:
    """The condition "t is truthy"."""
    if is_bool(t):
        return t
    if t[0] == "c":
        return ("c", bool(t[1]))
    return ("!=", t, ("c", 0))


def negate(c) -> tuple:
    if c[0] == "c":
        return ("c", not c[1])
    if c[0] == "not":
        return truth(c[1])
    if c[0] == "==":
        return ("!=",) + c[1:]
    if c[0] == "!=":
        return ("==",) + c[1:]
    return ("not", c)


def conj(parts) -> tuple:
    out = []
    for p in parts:
        if p == TRUE or p == ("c", 1):
            continue
        if p[0] == "c" and not p[1]:
            return FALSE
        out.extend(p[1:] if p[0] == "and" else (p,))
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else ("and",) + tuple(out)


def disj(parts) -> tuple:
    out = []
    for p in parts:
        if p[0] == "c" and not p[1]:
            continue
        if p[0] == "c":
            return TRUE
        out.extend(p[1:] if p[0] == "or" else (p,))
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else ("or",) + tuple(out)


def apply(op: str, *values):
    """The Python value of op on concrete values."""
    if op == "~":
        return ~values[0]
    if op == "neg":
        return -values[0]
    if op == "not":
        return not values[0]
    if op == "bool":
        return bool(values[0])
    if op == "ite":
        return values[1] if values[0] else values[2]
    if op == "and":
        return all(values)
    if op == "or":
        return any(values)
    a, b = values
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "//":
        return a // b
    if op == "%":
        return a % b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    raise ValueError(f"unknown operator {op!r}")


def variables(t, acc=None) -> set:
    """The fields a term reads."""
    acc = set() if acc is None else acc
    stack = [t]
    while stack:
        x = stack.pop()
        if x[0] == "v":
            acc.add(x[1])
        elif x[0] != "c":
            stack.extend(x[1:])
    return acc


def substitute(t, known: dict):
    """t with the fields in `known` replaced by their values, constants folded."""
    op = t[0]
    if op == "c":
        return t
    if op == "v":
        v = known.get(t[1])
        return t if v is None else ("c", v)
    args = [substitute(a, known) for a in t[1:]]
    if op == "ite":
        c = args[0]
        if c[0] == "c":
            return args[1] if c[1] else args[2]
        return ("ite", *args)
    if op == "and":
        return conj(args)
    if op == "or":
        return disj(args)
    if all(a[0] == "c" for a in args):
        return ("c", apply(op, *(a[1] for a in args)))
    return (op, *args)


# --- compiled evaluation ------------------------------------------------------------------------------------

def source(t) -> str:
    """Python source computing t from a state `s` (indexable by field)."""
    op = t[0]
    if op == "c":
        return repr(t[1])
    if op == "v":
        return f"s[{t[1]}]"
    a = [source(x) for x in t[1:]]
    if op == "~":
        return f"(~{a[0]})"
    if op == "neg":
        return f"(-{a[0]})"
    if op == "not":
        return f"(not {a[0]})"
    if op == "bool":
        return f"bool({a[0]})"
    if op == "ite":
        return f"({a[1]} if {a[0]} else {a[2]})"
    if op == "and":
        return "(" + " and ".join(a) + ")"
    if op == "or":
        return "(" + " or ".join(a) + ")"
    return f"({a[0]} {_PY[op]} {a[1]})"


@lru_cache(maxsize=1 << 16)
def compiled(t):
    """A function s -> the value of t on state s."""
    return eval(f"lambda s: {source(t)}", {})  # noqa: S307 -- our own term syntax, no user text


def evaluate(t, state):
    return compiled(t)(state)


# --- intervals ------------------------------------------------------------------------------------------------

def _pow2_above(n: int) -> int:
    return 1 << max(n, 0).bit_length()


def interval(t, bounds, memo=None) -> tuple[int, int]:
    """(lo, hi) containing every value t takes when field i lies in bounds[i]."""
    memo = {} if memo is None else memo
    hit = memo.get(t)
    if hit is not None:
        return hit
    op = t[0]
    if op == "c":
        r = (int(t[1]), int(t[1]))
    elif op == "v":
        r = bounds[t[1]]
    elif op in BOOLEAN_OPS:
        for x in t[1:]:
            interval(x, bounds, memo)
        r = (0, 1)
    elif op == "ite":
        interval(t[1], bounds, memo)
        a, b = interval(t[2], bounds, memo), interval(t[3], bounds, memo)
        r = (min(a[0], b[0]), max(a[1], b[1]))
    elif op == "~":
        lo, hi = interval(t[1], bounds, memo)
        r = (-hi - 1, -lo - 1)
    elif op == "neg":
        lo, hi = interval(t[1], bounds, memo)
        r = (-hi, -lo)
    else:
        (alo, ahi), (blo, bhi) = interval(t[1], bounds, memo), interval(t[2], bounds, memo)
        if op == "+":
            r = (alo + blo, ahi + bhi)
        elif op == "-":
            r = (alo - bhi, ahi - blo)
        elif op == "*":
            ps = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
            r = (min(ps), max(ps))
        elif op in ("//", "%"):
            if blo > 0:
                r = (min(alo // blo, alo // bhi), max(ahi // blo, ahi // bhi)) if op == "//" else (0, bhi - 1)
            elif bhi < 0:
                r = (min(alo // blo, ahi // bhi, alo // bhi, ahi // blo),
                     max(alo // blo, ahi // bhi, alo // bhi, ahi // blo)) if op == "//" else (blo + 1, 0)
            else:
                m = max(abs(alo), abs(ahi))
                r = (-m, m) if op == "//" else (min(blo + 1, 0), max(bhi - 1, 0))
        elif op == "&":
            if alo >= 0 and blo >= 0:
                r = (0, min(ahi, bhi))
            elif alo >= 0:
                r = (0, ahi)
            elif blo >= 0:
                r = (0, bhi)
            else:
                m = _pow2_above(max(-alo, -blo, ahi, bhi))
                r = (-m, m - 1)
        elif op in ("|", "^"):
            m = _pow2_above(max(abs(alo), abs(ahi), abs(blo), abs(bhi)))
            r = (0, m - 1) if alo >= 0 and blo >= 0 else (-m, m - 1)
        elif op in ("<<", ">>"):
            if blo < 0 or bhi > 62:
                raise OverflowError(f"a shift by {blo}..{bhi} bits")
            if op == "<<":
                ps = (alo << blo, alo << bhi, ahi << blo, ahi << bhi)
            else:
                ps = (alo >> blo, alo >> bhi, ahi >> blo, ahi >> bhi)
            r = (min(ps), max(ps))
        else:
            raise ValueError(f"unknown operator {op!r}")
    memo[t] = r
    return r


def show(t) -> str:
    """A term as text, for messages and debugging (fields as x17)."""
    op = t[0]
    if op == "c":
        return repr(t[1])
    if op == "v":
        return f"x{t[1]}"
    a = [show(x) for x in t[1:]]
    if op in ("~", "neg", "not", "bool"):
        return f"{ {'~': '~', 'neg': '-', 'not': 'not ', 'bool': 'bool'}[op]}({a[0]})"
    if op == "ite":
        return f"({a[1]} if {a[0]} else {a[2]})"
    if op in ("and", "or"):
        return "(" + f" {op} ".join(a) + ")"
    return f"({a[0]} {op} {a[1]})"
