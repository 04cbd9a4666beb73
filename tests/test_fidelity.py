"""Every model action names the runtime functions it models, and checks a
key fact of each (model/actions/sources.py: a CAS, a lock, a call) against
the pinned Go release: the classic protocol and the shared actions against
Go 1.25.5, whose runtime is the last with _Psyscall; the modern protocol's
actions (and the modern branch of shared ones) against Go 1.27.3."""

import re

import pytest

from model.actions import ACTIONS
from model.actions.sources import CLASSIC_RELEASE, FACTS, MODERN_FACTS, MODERN_RELEASE
from model.gotrace import toolchain


def _runtime_source(release: str) -> str:
    """A pinned release's runtime source (installed with pip, cached, as conformance does)."""
    go = toolchain.find(release.rsplit(".", 1)[0])
    root = go.parent.parent / "src" / "runtime"
    version = (go.parent.parent / "VERSION").read_text().split()[0]
    assert version == f"go{release}", f"expected go{release}, found {version}"
    return "\n".join(p.read_text() for p in sorted(root.glob("*.go")) if not p.name.endswith("_test.go"))


@pytest.fixture(scope="module")
def go125():
    return _runtime_source(CLASSIC_RELEASE)


@pytest.fixture(scope="module")
def go127():
    return _runtime_source(MODERN_RELEASE)


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


def _modern_only(name: str) -> bool:
    return ACTIONS[name].protocols == ("modern",)


def test_every_action_has_a_pinned_source_fact():
    missing = sorted(n for n in ACTIONS if n not in (MODERN_FACTS if _modern_only(n) else FACTS))
    assert not missing, f"actions with no source fact in model/actions/sources.py: {missing}"
    stale = sorted((set(FACTS) | set(MODERN_FACTS)) - set(ACTIONS))
    assert not stale, f"facts for actions that do not exist: {stale}"
    misplaced = sorted(n for n in FACTS if _modern_only(n))
    assert not misplaced, f"modern-only actions with Go {CLASSIC_RELEASE} facts: {misplaced}"


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_names_its_functions_and_each_fact_holds_in_its_release(name, go125, go127):
    """Classic-only actions against 1.25.5, modern-only ones against 1.27.3,
    shared ones against both (each function in one of them at least)."""
    info = ACTIONS[name]
    assert info.runtime, f"{name} declares no runtime function"
    assert any(fn in info.doc for fn in info.runtime), f"{name}'s docstring names none of {info.runtime}"
    sources = {"classic": [go125], "modern": [go127]}.get("".join(info.protocols), [go125, go127])
    for fn in info.runtime:
        assert any(function_body(src, fn) is not None for src in sources), \
            f"{name} models {fn}, which its pinned Go release does not have"
    for facts, release, src in ((FACTS, CLASSIC_RELEASE, go125), (MODERN_FACTS, MODERN_RELEASE, go127)):
        for fn, snippet in facts.get(name, ()):
            assert fn in info.runtime, f"{name}'s fact is about {fn}, which it does not say it models"
            body = function_body(src, fn)
            assert body is not None and snippet in body, f"{fn} in Go {release} has no `{snippet}` ({name})"


def test_a_changed_line_is_caught(go125):
    """The check can fail: a fact the runtime does not say is refused."""
    body = function_body(go125, "retake")
    assert "atomic.Cas(&pp.status, s, _Pidle)" in body
    assert "atomic.Store(&pp.status, _Pidle)" not in body


def test_the_two_releases_differ_where_the_protocols_do(go125, go127):
    """The pinned sources are what the protocols say: _Psyscall's CAS in
    1.25.5's retake, the scan bit's takeP in 1.27.3's."""
    assert "atomic.Cas(&pp.status, s, _Pidle)" in function_body(go125, "retake")
    assert "thread.takeP()" in function_body(go127, "retake")
    assert function_body(go125, "setBlockOnExitSyscall") is None


def test_every_action_says_what_it_abstracts():
    silent = [n for n, i in ACTIONS.items() if "Abstracts" not in i.doc]
    assert not silent, f"these actions do not say what they abstract away: {silent}"
