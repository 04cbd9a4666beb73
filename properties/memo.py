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
