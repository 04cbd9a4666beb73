"""The streaming parser of `go tool trace -d=parsed` output.

Each event is one line (internal/trace's Event.String):

    M=<thread> P=<proc> G=<goroutine> <Kind> Time=<ns> <kind-specific fields>

followed, for some events, by `TransitionStack=` / `Stack=` lines and
tab-indented frames, which are skipped (they are most of the dump's bytes).
The context M, P and G is the emitting thread's *before* the event, -1 for
none. Only StateTransition events matter to the scheduler; the others are
counted by kind. A complete dump ends with a Sync event, so a dump that stops
elsewhere was truncated.

The dump's order is the trace reader's: it emits, among the events whose
dependencies are met, the one with the smallest timestamp, and raises the
timestamp of an event that comes out no later than the one before it to one
past it (internal/trace/reader.go:129-131 in Go 1.25.5, :141-143 in Go
1.27.3). Real timestamps on linux/amd64 are multiples of 64 ns (nanotime()/64,
runtime/tracetime.go), so an event exactly 1 ns after the one before was
written no later than the event before it: the reader held it back (a
syscall exit behind the steal of its P, and the events after it on its M)
or wrote it out in the same tick. `Event.held` marks it: its place in the
dump is no evidence of when it happened relative to other threads' events
before it. (A real timestamp that happens to be 1 ns past the last one only
widens the search's window, never narrows it.)

A held event comes out right after the event it waited for: it was ready as
soon as that one was out, and its timestamp was smaller. But an event of the
same 64 ns tick as the one before also comes out 1 ns past it, so a held
event is taken to have waited for the event before it only where it depends
on it: another M's state transition on the same goroutine or P, or on the P
that the held event's M last held (a syscall exit that found its P stolen).
`Event.releases` marks that event and `Event.behind` gives its index to the
held events that follow it in one run. Its place is no evidence either: the
held events' M saw its effect before it wrote them, and that effect precedes
the event's own timestamp by as long as its thread was descheduled between
the two (sysmon's retake does its CAS before it reads the clock for
ProcSteal, proc.go:6448-6450 in 1.25.5). Among themselves, held events come
out in the order of their real timestamps, as any others do.
"""

import re
from dataclasses import dataclass, replace

# G states as the parser prints them (internal/trace GoState.String).
NOT_EXIST, RUNNABLE, RUNNING, SYSCALL, WAITING, UNDETERMINED = (
    "NotExist", "Runnable", "Running", "Syscall", "Waiting", "Undetermined")
G_STATES = frozenset({NOT_EXIST, RUNNABLE, RUNNING, SYSCALL, WAITING, UNDETERMINED})
# P states (ProcState.String): the API shows _Psyscall as Running.
IDLE = "Idle"
P_STATES = frozenset({IDLE, RUNNING, UNDETERMINED})

_HEAD = re.compile(r"M=(-?\d+) P=(-?\d+) G=(-?\d+) (\w+) Time=(-?\d+)(.*)\Z")
_REASON = r'Reason="((?:[^"\\]|\\.)*)"'
# Go 1.25 prints the resource, then the reason, then the transition; Go 1.27 (trace format 1.26)
# drops the resource and prints the reason last.
_TRANSITION_125 = re.compile(r" Resource=(?:Goroutine|Proc)\(-?\d+\) " + _REASON + r" (GoID|ProcID)=(-?\d+) (\w+)->(\w+)\Z")
_TRANSITION_126 = re.compile(r" (GoID|ProcID)=(-?\d+) (\w+)->(\w+) " + _REASON + r"\Z")


class ParseError(ValueError):
    """A dump that is not `go tool trace -d=parsed` output; one sentence."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event of the dump. For a StateTransition, `resource` is "G" or
    "P", `id` the goroutine or P, `old`/`new` its states; otherwise
    `resource` is ""."""

    index: int  # position among the dump's events (0-based)
    line: int  # line number in the dump (1-based)
    m: int
    p: int
    g: int
    kind: str
    time: int
    resource: str = ""
    id: int = -1
    old: str = ""
    new: str = ""
    reason: str = ""
    text: str = ""  # the line as `go tool trace` printed it
    held: bool = False  # its timestamp is 1 ns past the previous event's: raised by the reader (module docstring)
    releases: bool = False  # the next event is held and waited for this one (module docstring)
    behind: int = -1  # held: the index of the event its run of held events waited for, -1 if none is seen

    @property
    def is_transition(self) -> bool:
        return bool(self.resource)

    @property
    def is_status(self) -> bool:
        """A status assertion (X->X, or Undetermined->X), not a change."""
        return self.is_transition and (self.old == self.new or self.old == UNDETERMINED)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_line(text: str, index: int, line: int) -> Event:
    head = _HEAD.match(text)
    if not head:
        raise ParseError(f"line {line} is not an event as `go tool trace -d=parsed` prints it: {text[:80]!r}")
    m, p, g, kind, time, rest = head.groups()
    if kind != "StateTransition":
        return Event(index, line, int(m), int(p), int(g), kind, int(time), text=text)
    tr = _TRANSITION_125.match(rest)
    if tr:
        reason, idname, rid, old, new = tr.groups()
    else:
        tr = _TRANSITION_126.match(rest)
        if not tr:
            raise ParseError(f"line {line} is a StateTransition with unreadable fields: {text[:100]!r}")
        idname, rid, old, new, reason = tr.groups()
    states = G_STATES if idname == "GoID" else P_STATES
    if old not in states or new not in states:
        raise ParseError(f"line {line} has an impossible state transition: {text[:100]!r}")
    return Event(index, line, int(m), int(p), int(g), kind, int(time), "G" if idname == "GoID" else "P",
                 int(rid), old, new, _unquote(reason), text)


def _waits_for(event: Event, before: Event, last_p: dict) -> bool:
    """May the held event have waited for the event just before it? It is
    another M's state transition on the same goroutine or P, or on the P the
    held event's M last held."""
    if not (event.is_transition and before.is_transition) or event.m == before.m:
        return False
    return ((event.resource, event.id) == (before.resource, before.id)
            or before.resource == "P" and last_p.get(event.m) == before.id)


def parse(lines, source: str = "the dump"):
    """Yield the events of a -d=parsed dump, given its lines (any iterable of
    str, e.g. an open file or a process's stdout); skip stacks. Raise
    ParseError on a malformed line, an empty dump, or a truncated one."""
    index = 0
    last = None
    last_p: dict[int, int] = {}  # M -> the P it last held, as its events show
    run_ms: set = set()  # the Ms of the current run of held events
    run_res: set = set()  # the goroutines and Ps its events and the event it waited for change
    for number, raw in enumerate(lines, 1):
        if not raw.startswith("M="):
            if raw.startswith(("\t", "Stack=", "TransitionStack=", "#")) or not raw.strip():
                continue
            raise ParseError(f"{source}, line {number}, is neither an event nor a stack line: {raw.strip()[:80]!r}; "
                             "expected `go tool trace -d=parsed` output")
        event = parse_line(raw.rstrip("\n"), index, number)
        if last is not None and event.time == last.time + 1:
            if last.held and last.behind >= 0 and (event.m in run_ms or (event.resource, event.id) in run_res):
                behind = last.behind  # the run goes on: its Ms, or what they changed
            elif _waits_for(event, last, last_p):
                behind = last.index
                last = replace(last, releases=True)
                run_ms, run_res = set(), {(last.resource, last.id)}
            else:
                behind = -1  # the same tick, or a wait the trace does not show
            event = replace(event, held=True, behind=behind)
            if behind >= 0:
                run_ms.add(event.m)
                if event.is_transition:
                    run_res.add((event.resource, event.id))
        if event.m >= 0 and event.p >= 0:
            last_p[event.m] = event.p
        if event.m >= 0 and event.resource == "P" and event.new == RUNNING:
            last_p[event.m] = event.id
        elif event.m >= 0 and event.resource == "P" and event.new == IDLE and event.p == event.id:
            last_p.pop(event.m, None)  # it stopped its own P
        if last is not None:
            yield last  # one event behind: the next one may mark it `releases`
        last = event
        index += 1
    if last is not None:
        yield last
    if last is None:
        raise ParseError(f"{source} has no events; expected `go tool trace -d=parsed` output")
    if last.kind != "Sync":
        raise ParseError(f"{source} stops at line {last.line} without the final Sync event: it looks truncated")


def header_version(lines) -> str | None:
    """The Go version a saved dump records in its `# go 1.25 trace` comment."""
    for raw in lines:
        if raw.startswith("# go ") and " trace" in raw:
            return raw.split()[2]
        if raw.startswith("M="):
            return None
    return None
