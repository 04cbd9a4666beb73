"""Outputs are written atomically: a write that fails or is interrupted at
any point leaves the old file exactly as it was, and no temporary file."""

import errno
import json
import os
import subprocess

import pytest

import explorer.atomic as atomic
import explorer.graph as graph
from explorer.trace import save
from incli import assert_one_line_error, call

OLD = '{"old": "complete"}\n'
TINY = ("--preset", "tiny", "--workers", "1", "--quiet")


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "out.json"
    path.write_text(OLD)
    path.chmod(0o640)
    return path


def leftovers(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.startswith(atomic.TEMP_PREFIX)]


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_successful_write_replaces_the_file_and_keeps_its_permissions(old_file):
    save(str(old_file), {"new": 1})
    assert json.loads(old_file.read_text()) == {"new": 1}
    assert old_file.stat().st_mode & 0o777 == 0o640
    assert leftovers(old_file.parent) == []


def test_a_new_file_gets_the_usual_permissions_not_mkstemps_private_ones(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic.write_text(str(tmp_path / "new.txt"), "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


def test_a_failing_rename_leaves_the_old_file(old_file, monkeypatch):
    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(atomic.OutputError, match="no space left on device; the file is unchanged"):
        save(str(old_file), {"new": 1})
    assert old_file.read_text() == OLD
    assert leftovers(old_file.parent) == []


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     OSError(errno.EACCES, "Permission denied"), KeyboardInterrupt()])
def test_a_write_that_fails_midway_leaves_the_old_file(old_file, failure):
    with pytest.raises((atomic.OutputError, KeyboardInterrupt)):
        with atomic.replacing(str(old_file)) as temp:
            with open(temp, "w") as f:
                f.write('{"new": ')  # half of the new file
            raise failure
    assert old_file.read_text() == OLD
    assert leftovers(old_file.parent) == []


def test_a_trace_save_that_runs_out_of_space_is_one_sentence_and_the_old_file_stays(old_file, monkeypatch):
    monkeypatch.setattr(atomic.os, "fsync", full_disk)  # the data never reaches the disk
    code, out, err = call("check", "--preset", "syscalls", "--mutant", "exitsyscall_no_cas", "--workers", "1",
                          "--trace-out", old_file)
    assert_one_line_error(code, out, err, "no space left on device", "unchanged")
    assert "Verdict: VIOLATED (p_accounting)" in out  # the results came first
    assert old_file.read_text() == OLD
    assert leftovers(old_file.parent) == []


@pytest.mark.parametrize("fmt", ["json", "graphml", "dot", "svg"])
def test_a_graph_write_that_fails_leaves_the_old_file(tmp_path, monkeypatch, fmt):
    if fmt == "svg" and not graph.shutil.which("dot"):
        pytest.skip("graphviz is not installed")
    path = tmp_path / f"g.{fmt}"
    path.write_text(OLD)
    monkeypatch.setattr(atomic.os, "replace", full_disk)
    code, out, err = call("graph", *TINY, "--project", "p-status", "-o", path)
    assert_one_line_error(code, out, err, "no space left on device")
    assert path.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_graphviz_failing_halfway_leaves_the_old_svg(tmp_path, monkeypatch):
    path = tmp_path / "g.svg"
    path.write_text(OLD)

    def broken_dot(argv, **kwargs):
        with open(argv[argv.index("-o") + 1], "w") as f:
            f.write("<svg")  # what a killed Graphviz leaves behind
        return subprocess.CompletedProcess(argv, 1, "", "Error: out of memory\n")
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph.subprocess, "run", broken_dot)
    code, out, err = call("graph", *TINY, "--project", "p-status", "-o", path)
    assert_one_line_error(code, out, err, "Graphviz could not render the graph: Error: out of memory")
    assert path.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_an_interrupted_graph_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "g.json"
    path.write_text(OLD)
    real_dump = graph.json.dump

    def interrupted(obj, f, **kwargs):
        f.write(json.dumps(obj)[:100])
        raise KeyboardInterrupt
    monkeypatch.setattr(graph.json, "dump", interrupted)
    code, _, _ = call("graph", *TINY, "--project", "p-status", "-o", path)
    assert code == 3  # Ctrl-C
    assert path.read_text() == OLD
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(graph.json, "dump", real_dump)
    assert call("graph", *TINY, "--project", "p-status", "-o", path)[0] == 0
    assert json.loads(path.read_text())["directed"] is True


def test_every_graph_format_is_written_whole(tmp_path):
    for fmt in ("json", "graphml", "dot") + (("svg",) if graph.shutil.which("dot") else ()):
        path = tmp_path / f"g.{fmt}"
        code, _, err = call("graph", *TINY, "--project", "p-status", "-o", path)
        assert code == 0, err
        assert path.stat().st_size > 0
    assert leftovers(tmp_path) == []
    assert (tmp_path / "g.svg").read_text().rstrip().endswith("</svg>") if graph.shutil.which("dot") else True


def test_a_symbolic_link_is_followed_not_replaced(tmp_path):
    target = tmp_path / "real.json"
    target.write_text(OLD)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    save(str(link), {"new": 1})
    assert link.is_symlink() and json.loads(target.read_text()) == {"new": 1}
