"""The model's schedtrace/scheddetail lines against the format Go 1.25.5's
runtime.schedtrace prints (parsed out of proc.go), field by field, so a model
trace and a real GODEBUG=schedtrace=1,scheddetail=1 log compare line by line."""

import re

import pytest

from model.config import Config
from model.gotrace import toolchain
from model.machine import GoScheduler
from model.workload import parse_workload
from tests.test_fidelity import function_body


@pytest.fixture(scope="module")
def prints():
    """Every print(...) in schedtrace, in source order, as lists of ("lit", text) / ("expr", code)."""
    go = toolchain.find("1.25")
    body = function_body((go.parent.parent / "src" / "runtime" / "proc.go").read_text(), "schedtrace")
    out = []
    for m in re.finditer(r"\bprint\(", body):
        i, depth, args, cur, in_str = m.end(), 1, [], "", False
        while depth:
            c = body[i]
            if in_str:
                cur += c
                in_str = not (c == '"' and body[i - 1] != "\\")
            elif c == '"':
                in_str, cur = True, cur + c
            elif c in "([":
                depth, cur = depth + 1, cur + c
            elif c in ")]":
                depth -= 1
                cur += c if depth else ""
            elif c == "," and depth == 1:
                args, cur = args + [cur.strip()], ""
            else:
                cur += c
            i += 1
        args.append(cur.strip())
        out.append([("lit", a[1:-1].replace("\\n", "\n")) if a.startswith('"') else ("expr", a) for a in args if a])
    return out


def _tokens(prints, first: str, last_newline: bool = True):
    """The tokens of one kind of line: from the print starting with `first` to the "\\n"."""
    flat = [t for p in prints for t in p]
    start = next(i for i, t in enumerate(flat) if t == ("lit", first) or (t[0] == "lit" and t[1].startswith(first)))
    out = []
    for t in flat[start:]:
        if t == ("lit", "\n") or (t[0] == "lit" and t[1].endswith("\n")):
            if t[1] != "\n":
                out.append(("lit", t[1][:-1]))
            break
        if t == ("lit", "nil") and out and out[-1][0] == "expr":
            continue  # `if x != nil { print(x.id) } else { print("nil") }`: one value
        out.append(t)
    return out


def _regex(tokens) -> re.Pattern:
    merged = []
    for kind, text in tokens:
        if kind == "lit" and merged and merged[-1][0] == "lit":
            merged[-1] = ("lit", merged[-1][1] + text)
        elif not (kind == "expr" and merged and merged[-1][0] == "expr"):
            merged.append((kind, text))
    return re.compile("".join(re.escape(t) if k == "lit" else r"(-?\d+|true|false|nil|[^ ]*?|\(.*?\)|.*?)"
                              for k, t in merged))


def _keys(tokens) -> list[str]:
    return re.findall(r"(\w+)=", "".join(t if k == "lit" else " " for k, t in tokens))


def machine():
    return GoScheduler(Config(procs=2, threads=3, workload=parse_workload("spawn(1), syscall, net_read; exit")))


def states(mc, n=400):
    seen, todo = [], [mc.init_states()[0]]
    while todo and len(seen) < n:
        s = todo.pop(0)
        if s in seen:
            continue
        seen.append(s)
        todo += [t for _, t in mc.successors(s) if t is not None]
    return seen


def test_the_summary_line_is_the_runtimes(prints):
    header = prints[0]
    assert header[0] == ("lit", "SCHED ")
    head = _regex(header)
    flat = [t for p in prints for t in p]
    assert ("lit", "[ ") in flat and ("lit", " ]") in flat and ("lit", " schedticks=[ ") in flat
    line = re.compile(head.pattern + r" \[ (\d+(?: \d+)*) \] schedticks=\[ (?:\d+ )*\]")
    mc = machine()
    for s in states(mc):
        text = mc.view(s).splitlines()[0]
        m = line.fullmatch(text)
        assert m, (text, line.pattern)
        assert _keys(header) == re.findall(r"(\w+)=", text.split(" [ ")[0])
        assert len(m.group(m.lastindex - 0).split()) == 2  # one count per P


def test_the_detail_lines_are_the_runtimes(prints):
    detail_header = _regex(prints[0] + _tokens(prints, " gcwaiting="))
    kinds = {k: _tokens(prints, f"  {k}") for k in "PMG"}
    regexes = {k: _regex(t) for k, t in kinds.items()}
    mc = machine()
    seen = set()
    for s in states(mc):
        lines = mc.view(s, detail=True).splitlines()
        assert detail_header.fullmatch(lines[0]), lines[0]
        for line in lines[1:]:
            if line.startswith("  # "):
                continue  # the model's own additions
            kind = line[2]
            assert regexes[kind].fullmatch(line), (line, regexes[kind].pattern)
            assert re.findall(r"(\w+)=", line.split(":", 1)[1]) == _keys(kinds[kind])[0:], line
            seen.add(kind)
    assert seen == {"P", "M", "G"}


def test_runnext_is_not_in_the_run_queue_counts_and_sysmon_is_a_thread():
    mc = machine()
    s0 = mc.init_states()[0]
    assert " threads=2 " in mc.view(s0)  # m0 and sysmon's M, as mcount() counts them
    (label, s1), = [(lab, t) for lab, t in mc.successors(s0) if lab[0] == "newproc"]
    assert mc.fields(s1)["P0.runnext"] != "nil"
    line = mc.view(s1)
    assert line.endswith("runqueue=0 [ 0 0 ] schedticks=[ 0 0 ]"), line
    assert "  P0: status=1 schedtick=0 syscalltick=0 m=0 runqsize=0 " in mc.view(s1, detail=True)
