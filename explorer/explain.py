"""`explain [FIELD]`: what a counterexample's fields mean, from the model's
glossary (plugin.glossary(): (key, runtime name, meaning) triples), and the
same table as Markdown for the README.

A field is found by its key (`M.hp`), as a trace names it (`M3.hp`,
`sysmon.hp`, `G2.flags`, `P0.runq`: the number is dropped, sysmon's fields
are an M's), by its last part (`hp`, `status`: every entry of that name), or
by a program counter's name (`findRunnable: recheck`); `pcs` lists the
program counters.
"""

import re

from .suggest import did_you_mean

PC = "pc="


class UnknownField(Exception):
    """A field the glossary does not have (one sentence, with a suggestion)."""


def _name(key: str) -> str:
    return key[len(PC):] if key.startswith(PC) else key.rsplit(".", 1)[-1]


def _normal(word: str) -> str:
    word = " ".join(word.split())
    word = re.sub(r"^([GPM])\d+\.", r"\1.", word)
    return re.sub(r"^sysmon\.", "M.", word)


def lookup(entries, word: str) -> list:
    """The entries a word names (see the module's doc); UnknownField if none."""
    want = _normal(word)
    if want.lower() == "pcs":
        return [e for e in entries if e[0].startswith(PC)]
    for match in (lambda e: e[0] == want, lambda e: e[0].lower() == want.lower(), lambda e: _name(e[0]) == want,
                  lambda e: _name(e[0]).lower() == want.lower()):
        found = [e for e in entries if match(e)]
        if found:
            return found
    known = sorted({_name(e[0]) for e in entries} | {e[0] for e in entries if not e[0].startswith(PC)})
    shown = repr(word if len(word) <= 40 else word[:40] + "...")
    raise UnknownField(f"no field named {shown} in the glossary{did_you_mean(want, known)}; "
                       f"`gosched-mc explain` lists them")


def text(entries) -> str:
    """Each entry: its key and runtime name on one line, what it means below."""
    return "\n".join(f"{key}  (runtime: {runtime})\n    {meaning}" for key, runtime, meaning in entries)


def listing(entries) -> str:
    """Every field with the runtime name it abstracts, one a line (program counters at the end)."""
    fields = [e for e in entries if not e[0].startswith(PC)]
    width = max(len(k) for k, _, _ in fields)
    pcs = [_name(k) for k, _, _ in entries if k.startswith(PC)]
    return "\n".join([f"{key:<{width}}  {runtime}" for key, runtime, _ in fields]
                     + ["", "program counters (M.pc; `explain pcs` or `explain NAME`): " + "; ".join(pcs),
                        "", "`gosched-mc explain FIELD` says what one means (M3.hp, hp, threads, ...)."])


def _cell(s: str) -> str:
    return s.replace("|", "\\|")


def markdown(entries) -> str:
    """The glossary as two Markdown tables (fields; program counters, folded), as the README shows it."""
    def table(rows, head):
        return [f"| {head} | runtime | meaning |", "|---|---|---|"] + [
            f"| `{_cell(_name(k) if k.startswith(PC) else k)}` | {_cell(r)} | {_cell(m)} |" for k, r, m in rows]
    fields = [e for e in entries if not e[0].startswith(PC)]
    pcs = [e for e in entries if e[0].startswith(PC)]
    return "\n".join(table(fields, "field") + ["", "<details><summary>Program counters (M.pc)</summary>", ""]
                     + table(pcs, "pc") + ["", "</details>"])
