"""`check --json` against its published JSON Schema (explorer/schema/check-result.schema.json),
on real runs: a violation, a lasso, a complete run that holds, and a bounded one."""

import copy
import json
import pathlib

import jsonschema
import pytest

from explorer.output import SCHEMA_VERSION
from tests.incli import call

SCHEMA = json.loads((pathlib.Path(__file__).parent.parent / "explorer" / "schema" /
                     "check-result.schema.json").read_text())
ONE = ("--workers", "1", "--quiet")


def validate(data):
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)


def test_the_schema_is_a_valid_schema_of_this_version():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize("argv, code, verdict", [
    (("--preset", "syscalls", "--mutant", "exitsyscall_no_cas"), 1, "violated"),
    (("--preset", "syscallloop", "--mutant", "sysmon_never_retakes", "--property", "runnable_g_eventually_runs"),
     1, "violated"),
    (("--preset", "tiny"), 0, "holds"),
    (("--preset", "syscalls", "--threads", "2"), 4, "holds_within_bound"),
    (("--preset", "syscalls", "--max-states", "20"), 3, "incomplete"),
])
def test_real_output_follows_the_schema(argv, code, verdict):
    got, out, err = call("check", *argv, "--json", *ONE)
    assert got == code, err
    data = json.loads(out)
    assert data["schema_version"] == SCHEMA_VERSION and data["verdict"] == verdict
    validate(data)
    if verdict == "violated":
        assert data["violations"] and data["violations"][0]["trace"]["steps"]
    if verdict == "holds_within_bound":
        assert data["bounded"]["cut_steps"] > 0


def test_the_schema_rejects_what_the_output_must_not_be():
    data = json.loads(call("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--json", *ONE)[1])
    for broken in ({"verdict": "fine"}, {"schema_version": 0}, {"surprise": 1}):
        bad = copy.deepcopy(data) | broken
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)
    bad = copy.deepcopy(data)
    del bad["violations"][0]["trace"]["steps"][1]["text"]
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)
