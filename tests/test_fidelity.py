"""Every model action names the runtime functions it models, and checks a
key fact of each (model/actions/sources.py: a CAS, a lock, a call) against
the pinned Go release: the classic protocol and the shared actions against
Go 1.25.5, whose runtime is the last with _Psyscall."""

import re

import pytest

from model.actions import ACTIONS
from model.actions.sources import CLASSIC_RELEASE, FACTS
from model.gotrace import toolchain


@pytest.fixture(scope="module")
def go125():
    """Go 1.25.5's runtime source (installed with pip, cached, as conformance does)."""
    go = toolchain.find("1.25")
    root = go.parent.parent / "src" / "runtime"
    version = (go.parent.parent / "VERSION").read_text().split()[0]
    assert version == f"go{CLASSIC_RELEASE}", f"expected go{CLASSIC_RELEASE}, found {version}"
    return "\n".join(p.read_text() for p in sorted(root.glob("*.go")) if not p.name.endswith("_test.go"))


def function_body(source: str, name: str) -> str | None:
    """The body of the top-level function `name` (or, failing that, a method)."""
    for pattern in (r"^func " + re.escape(name) + r"\(", r"^func \([^)]*\) " + re.escape(name) + r"\("):
        m = re.search(pattern, source, re.M)
        if m:
            start = source.index("{", m.end())
            depth = 0
            for j in range(start, len(source)):
                depth += {"{": 1, "}": -1}.get(source[j], 0)
                if depth == 0:
                    return source[start:j + 1]
    return None


def test_every_action_has_a_pinned_source_fact():
    missing = sorted(set(ACTIONS) - set(FACTS))
    assert not missing, f"actions with no source fact in model/actions/sources.py: {missing}"
    stale = sorted(set(FACTS) - set(ACTIONS))
    assert not stale, f"facts for actions that do not exist: {stale}"


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_names_its_functions_and_each_fact_holds_in_go_1_25_5(name, go125):
    info = ACTIONS[name]
    assert info.runtime, f"{name} declares no runtime function"
    assert any(fn in info.doc for fn in info.runtime), f"{name}'s docstring names none of {info.runtime}"
    for fn in info.runtime:
        assert function_body(go125, fn) is not None, f"{name} models {fn}, which Go {CLASSIC_RELEASE} does not have"
    for fn, snippet in FACTS.get(name, ()):
        assert fn in info.runtime, f"{name}'s fact is about {fn}, which it does not say it models"
        body = function_body(go125, fn)
        assert body is not None and snippet in body, f"{fn} in Go {CLASSIC_RELEASE} has no `{snippet}` ({name})"


def test_a_changed_line_is_caught(go125):
    """The check can fail: a fact the runtime does not say is refused."""
    body = function_body(go125, "retake")
    assert "atomic.Cas(&pp.status, s, _Pidle)" in body
    assert "atomic.Store(&pp.status, _Pidle)" not in body


def test_every_action_says_what_it_abstracts():
    silent = [n for n, i in ACTIONS.items() if "Abstracts" not in i.doc]
    assert not silent, f"these actions do not say what they abstract away: {silent}"
