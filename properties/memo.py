"""Memoised predicates: the properties run on every state, but each reads a
few fields, so a verdict is computed once per distinct value of them."""

from model.runtime import field_getter

_MISS = object()


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

    return pred
