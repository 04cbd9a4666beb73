"""Memoised predicates: the properties run on every state, but each reads a
few fields, so a verdict is computed once per distinct value of them."""

from model.runtime import field_getter

_MISS = object()


def isin(x, values) -> bool:
    """`x in values`, as one condition: a symbolic value (the symbolic
    engine's, explorer/symbolic/execute.py) answers it with one branch
    instead of one per element; a plain value is simply looked up."""
    one = getattr(x, "isin", None)
    return one(values) if one is not None else x in values


def positions(seq, x) -> list:
    """The indices i with seq[i] == x, for a sentence naming where x is. A
    symbolic sequence (the symbolic engine's) answers without one fork per
    element when only the verdict matters; a tuple is simply searched."""
    one = getattr(seq, "positions", None)
    return one(x) if one is not None else [i for i, e in enumerate(seq) if e == x]


class TextNames(dict):
    """A name table used only in sentences: a symbolic key (the symbolic
    engine's) is formatted rather than looked up, so that compiling a
    check (explorer/symbolic/props.py, where only "is there a sentence"
    matters and a formatted value is "?") does not fork one path per
    value. A plain key is looked up as in a dict."""

    def __getitem__(self, key):
        if getattr(key, "isin", None) is not None:
            return str(key)
        return dict.__getitem__(self, key)


def memoised(offsets, fn):
    """s -> fn(the values of s at offsets), computed once per distinct value."""
    get = field_getter(offsets)
    cache: dict = {}

    def pred(s):
        key = get(s)
        verdict = cache.get(key, _MISS)
        if verdict is _MISS:
            verdict = cache[key] = fn(key)
        return verdict

    pred.offsets, pred.fn = tuple(offsets), fn  # the symbolic engine runs fn on the fields itself
    return pred


def memoised_parts(offsets, parts, part):
    """An invariant that is a conjunction, one conjunct per part (e.g. per
    goroutine): part(values, i) checks conjunct i (None, or a sentence), and
    the verdict is the sentence of the first part that fails, as a loop over
    the parts returning at the first sentence would give.

    The explicit search runs exactly that loop (memoised). The symbolic
    engine compiles each conjunct on its own and takes their disjunction
    (explorer/symbolic/props.py): a loop's paths multiply over the parts
    (every way part 0 holds, times every way part 1 holds, ...), the
    conjuncts' paths add up, so a check over 4 goroutines and 5 threads
    stays small. Both read the same `part`, so they cannot drift."""
    parts = tuple(parts)

    def fn(vals):
        for i in parts:
            sentence = part(vals, i)
            if sentence is not None:
                return sentence
        return None

    pred = memoised(offsets, fn)
    pred.parts, pred.part = parts, part
    return pred
