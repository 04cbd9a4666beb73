"""From a Go execution trace to a model instance and the events it must explain.

The model runs exactly the program the trace shows; the search chooses only
the scheduler's decisions. Each goroutine's program is read off its own
events, in order:

    trace event (on the goroutine's M)            op in its program
    GoCreate of k (this G is the creator)          spawn(k)
    GoUnblock of k (this G is running)             ready(k)
    GoBlock, later unblocked by a running G        park
    GoBlock "sleep", later unblocked with no G     sleep (time.Sleep: a timer the scheduler runs)
    GoBlock, later unblocked with no G running     net_read (the netpoller; see the rules)
    GoSyscallBegin, then at once ProcStop (own P)  syscall_block (entersyscallblock)
    GoSyscallBegin                                 syscall
    GoStop "runtime.Gosched"                       yield
    GoStop "preempted"                             compute (sysmon's preemptone)
    GoDestroy                                      exit
    ProcSteal of a P in a syscall by this G,       foreachp (forEachP; see the rules)
      outside a stop of the world
    (no event: LockOSThread, inferred; see rules)  lock_thread first, unlock_thread before exit
    (alive when the trace ends)                    spin, a terminal op that does nothing

Scheduler events (GoStart, GoSyscallEnd, GoSyscallEndBlocked, ProcStart,
ProcStop, ProcSteal) give no ops: they are what the model's scheduler must
reproduce. Every event is counted in one class:

- checked: a state transition the model must explain, either natively or by
  a stand-in (the `mapped` rules below, which are counted per rule);
- status: a status assertion (Undetermined->X at first touch, X->X at a
  generation start), verified against the replay, with no model step;
- not covered: events the model cannot have, dropped from the checked stream
  by a named rule, never silently;
- other: events that are not scheduler state (Sync, Metric, ranges, labels...).

Rules (RULES gives the text the report prints):
- untouched goroutine: a goroutine with status events only (the runtime's
  forcegc, bgsweep, scavenger, finalizer...) is not modelled, unless it is
  runnable (next rule);
- queued goroutine (inferred, counted per goroutine): a goroutine with
  status events only that is runnable all through the trace is in a run
  queue, where it takes a slot a steal counts
  (runqsteal grabs half the queue and runs the last it grabbed). It is
  spawned first in the prelude, ahead of the other goroutines there (the
  search then starts from every order of the run queue: see prelude), and
  its program does nothing (spin): the trace never runs it;
- allocm borrow: an M that has just given up or taken a P and then starts
  and stops the same P with nothing in between is allocm borrowing it to
  create the M that handoffp starts (sysmon after a retake,
  entersyscallblock after releasep). The model's sysmon and an M in
  entersyscallblock never hold a P, so the pair is not covered. Not when
  the P is next started by another M seen before in the trace (allocm
  borrows the P for the new M it creates, which starts it next) that then
  starts a goroutine: that is startlockedm's hand-off (the M took the P,
  found the locked goroutine and handed the P to its M), and the pair is
  checked. (Other futile starts and stops by one M, a spinning M that
  found nothing, still look like a borrow and are dropped: checking them
  all sent 2 of the 12 traces it changed (GOMAXPROCS=4) past 90 s.);
- woken by the scheduler: a goroutine made runnable by an M that runs no
  goroutine is in one of the model's two such paths: a "sleep" wait is
  time.Sleep's timer, which findRunnable's checkTimers readies (op sleep,
  native); any other wait goes through the netpoller (net_read). For
  "network" waits this is native; for the trace reader ("system goroutine
  wait", woken by findRunnable's traceReader check) and for other timers (a
  timer channel, a select with a timeout) it is a stand-in, counted as
  mapped;
- locked thread (inferred, counted per goroutine): LockOSThread and
  UnlockOSThread record no event, but a locked M's exclusivity shows: a
  goroutine that runs on one M only, an M that runs nothing else while it
  lives, and a P hand-off only locked Ms make (an M stops its own P while a
  goroutine X is runnable, and the P's next start is by another M that runs
  X: stoplockedm's handoffp right after the goroutine stopped on its M, or
  startlockedm when X is the goroutine and the starting M its own) has
  lock_thread as its first op (in the prelude if it is waiting, in a syscall
  or running when the trace starts). A hand-off that either reading
  explains (both goroutines run alone on their Ms) goes to whichever makes
  the fewest goroutines locked over all hand-offs; where several sets of
  goroutines tie, each is a reading of the trace (Instance.readings, at
  most MAX_READINGS), tried in goroutine order until one explains it. If it exits and its M does anything
  after but stop its P, unlock_thread comes before its exit; otherwise it
  exits locked (mexit). A goroutine locked and runnable when the trace
  starts was locked, parked and readied before: its prelude is lock_thread,
  park, and main's prelude spawns it, yields (so that it runs, locks and
  parks), readies it and then spawns the others. A queued goroutine (it
  never runs in the trace) is locked too when a hand-off is startlockedm's
  cut short by the trace's end: an M stops its own P while it is runnable
  and the P's next start is by an M not seen before that does nothing
  after (its GoStart came after tracing stopped);
- trace timer sleep (mapped): the runtime's CPU-sample reader and trace
  advancer, the first two goroutines created after the stop-the-world that
  starts the trace (StartTrace), wait in wakeableSleep, a channel receive
  their timer ends. Their "chan receive" blocks are the sleep op when no
  running goroutine wakes them: the timer keeps idle Ms polling the network
  (sched.lastpoll == 0), which decides what handoffp does with a P;
- forEachP (inferred, counted per forEachP): a running goroutine outside
  a stop-the-world range that takes a P from an M in a syscall (a ProcSteal
  with the goroutine as context) runs forEachP, whose loop takes syscalling
  Ps (setBlockOnExitSyscall + takeP + handoffp; 1.27 proc.go:2199-2206,
  1.25 2190-2200). The goroutine that stops the trace does, at its end:
  StopTrace's traceAdvance asks every P to write its status with forEachP
  (trace.go:564 in 1.27.3). forEachP records no event of its own (its
  goroutine's casGToWaitingForSuspendG neither: observe.py shows it
  Running), so its program gets the op foreachp before the steal, one per
  run of such steals with none of its own events between;
- runtime goroutines (the trace reader and writer, the trace advancer) are
  modelled like any other goroutine, from their own events;
- prelude: goroutines that exist when the trace starts are spawned by the
  first one before the trace's first event (a prelude the search runs
  unobserved), and brought to their first status: park or net_read if
  Waiting, syscall if in a syscall. The search starts from every state the
  prelude reaches whose observation is the trace's first, each also with
  the first goroutine's M inside wakep (startTheWorld calls wakep as it ends
  the stop-the-world that starts the trace), with the idle P list in any
  order and with each P's queued goroutines (runnext and the run queue) in
  any order (the trace shows neither); with that wakep, also with any
  ordered choice of the queued goroutines in the global run queue instead
  (startTheWorld's wakep is there for such work: check.Spec.start_variants).
  A prelude past its state limit is searched again through its runs with
  at most k Ms active at once, k = 2, 3, ... (properties/conformance.py:
  accepted if one explains the trace, else still a limit).

Trace Ps are renamed so that the P of the goroutine running at the start is
P0 (the rest in trace order); goroutines are numbered G0 (running at the
start), then in order of first appearance; Ms are not numbered at all (see
observe.py).

The two syscall protocols. The mapping is the same for both trace formats:
`go tool trace -d=parsed` prints a P in a syscall as Running in both (the
wire's ProcSyscall, which Go 1.27 still writes "for historical reasons"), a
P taken from a syscall as a ProcSteal (Running->Idle by another M), and an
exit that lost its P as Syscall->Runnable. What differs is which model
states look like that, and observe.py has a rule for each protocol (the
classic M holds its P through m.oldp while the P is _Psyscall; the modern M
keeps m.p, and its G shows Syscall in the _Grunning windows around the
syscall). The shapes of a Go 1.26-format trace (Go 1.27.3) and the modern
model's steps that explain them, one step unless said:

    GoSyscallBegin                              reentersyscall (the G's CAS to
                                                _Gsyscall is an unobserved step after it)
    GoSyscallBegin, ProcStop of its own P       entersyscallblock_handoffp
    GoSyscallEnd                                exitsyscall_fast
    ProcSteal by sysmon (context P=-1 G=-1)     retake_takeP (setBlockOnExitSyscall,
                                                castogscanstatus and resume unobserved)
    ProcSteal by an M whose G is in a syscall   exitsyscallTryGetP_takeP, with the
      (P=-1 G=g), ProcStart, Syscall->Runnable,   three events after it: it steals its
      Runnable->Running                         old P back from another M's syscall
    ProcStart, Syscall->Runnable, GoStart       exitsyscallTryGetP_pidleget (or
                                                exitsyscallNoP_acquirep, whose
                                                GoSyscallEndBlocked comes first)
    Syscall->Runnable with no P                 exitsyscallNoP_globrunqput

Not in these programs' traces, so not mapped: a self-steal on the fast path
of exitsyscall (ProcSteal of its own P, ProcStart, Syscall->Runnable,
GoStart: 1.27 proc.go:4985-4991), which happens only when dropm has trashed
the P's syscalltick (cgo callbacks); it would be read as a ProcStop and
rejected.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations, islice

from ..workload import (OP_COMPUTE, OP_EXIT, OP_FOREACHP, OP_LOCK_THREAD, OP_NET_READ, OP_PARK, OP_READY, OP_SLEEP,
                        OP_SPAWN, OP_SPIN, OP_SYSCALL, OP_SYSCALL_BLOCK, OP_UNLOCK_THREAD, OP_YIELD, Op)
from .events import (IDLE, NOT_EXIST, RUNNABLE, RUNNING, SYSCALL, UNDETERMINED, WAITING, Event)

G_LETTER = {NOT_EXIST: "N", RUNNABLE: "R", RUNNING: "X", SYSCALL: "S", WAITING: "W"}
P_LETTER = {IDLE: "I", RUNNING: "R"}
MAX_OPS = 250  # a G's program counter is one byte in the model's state

RULES = {
    "untouched goroutine": ("not modelled", "goroutines with status events only, never runnable (the runtime's "
                            "own, asleep)"),
    "queued goroutine": ("inferred", "a goroutine runnable all through the trace (status events only) waits in a "
                         "run queue, where it counts for steals: created first in the prelude (the search then tries "
                         "every order of the queue), and never run"),
    "allocm borrow": ("not covered", "an M that just gave up or took a P starts and stops it empty-handed: allocm "
                      "borrowing the P to create the M handoffp starts; the model's sysmon and an M in "
                      "entersyscallblock hold no P (not when the P next goes to an M seen before that starts a "
                      "goroutine: startlockedm's hand-off, checked)"),
    "trace reader wake": ("mapped", "findRunnable's traceReader check readies the trace reader; stood for by "
                          "the netpoller (net_read)"),
    "timer wake": ("mapped", "a timer other than time.Sleep's (a timer channel, a select with a timeout) readies "
                   "a goroutine from the scheduler; stood for by the netpoller (net_read): the model's only timer "
                   "is the sleep op's"),
    "scheduler wake": ("mapped", "a goroutine readied by an M running no goroutine, for a reason the model "
                       "does not have; stood for by the netpoller (net_read)"),
    "trace timer sleep": ("mapped", "the runtime's CPU-sample reader and trace advancer (the first two goroutines "
                          "created after the stop-the-world that starts the trace) wait in wakeableSleep, a channel "
                          "receive that their timer ends: the model's sleep op (a pending timer makes idle Ms poll "
                          "the network); counts their GoBlocks asleep at the end and their timer wakes"),
    "prelude": ("mapped", "goroutines that exist when the trace starts are created and brought to their "
                "first status by an unobserved prelude"),
    "forEachP": ("inferred", "a running goroutine outside a stop of the world takes a P from a syscall: "
                 "forEachP's takeP (StopTrace's traceAdvance runs forEachP at the trace's end); its program gets "
                 "the op foreachp there"),
    "locked thread": ("inferred", "goroutines whose M hands its P off while goroutines are runnable (stoplockedm "
                      "or startlockedm) and runs only them: LockOSThread, which no event records, is their first "
                      "op (lock_thread)"),
}
MAX_READINGS = 8  # sets of locked goroutines tried where several explain the hand-offs equally
START_TRACE_STW = 'Name="stop-the-world (start trace)"'
STW_RANGE = 'Name="stop-the-world'
STEAL_BY_RUNNING_G = "ProcSteal(running G)"  # a stop of the world or forEachP; the caller tells which
WAKEABLE_SLEEP = "wakeableSleep"  # a pending block's reason for trace timer sleepers
TIMER_REASONS = {"select", "chan receive", "chan send", "sync", "sync.(*Cond).Wait"}


class Unsupported(Exception):
    """A trace the model cannot be instantiated for; one sentence."""


class InconsistentTrace(Exception):
    """The trace contradicts itself (or our replay of it); one sentence."""


@dataclass(frozen=True)
class Checked:
    """An event the model must explain, with its observable effect."""

    event: Event
    g_set: tuple  # ((model G, letter), ...)
    p_set: tuple  # ((model P, letter), ...)
    removed: frozenset  # binding pairs (P, G) that end
    added: frozenset  # binding pairs that begin
    keys: frozenset
    primary: tuple  # ("G", model G) or ("P", model P): the resource whose state it changes
    context: tuple = (-1, -1)  # the emitting M's (model P, model G) before the event; -1 for none
    kind: str = ""  # the wire event, as in Instance.kinds: "GoStart", "ProcSteal(sysmon)", ...
    rule: str = ""  # a `mapped` rule it goes through, if any

    @property
    def resource_key(self) -> tuple:
        return self.primary

    @property
    def actor(self) -> int:
        return self.event.m

    @property
    def floating(self) -> bool:
        """The trace reader held it back behind an event it waited for
        (events.Event.behind), or it is that event (events.Event.releases):
        its place in the dump says nothing of its order against other Ms'
        events before that one, so the validation may explain it ahead of
        any of them it shares no resource or M with (explorer/conform.py)."""
        return self.run is not None

    @property
    def run(self) -> int | None:
        """Its run of held events (the index of the event they waited for),
        if floating."""
        e = self.event
        return e.behind if e.behind >= 0 else (e.index if e.releases else None)

    @property
    def text(self) -> str:
        return self.event.text


@dataclass
class Instance:
    """A model instance for one trace."""

    g_ids: list  # trace GoID per model G
    p_ids: list  # trace ProcID per model P
    programs: tuple  # one Program (tuple of Op) per model G
    prelude: tuple  # per model G: how many of its ops run before the trace starts
    initial: tuple  # the trace's first observation
    checked: list  # [Checked]
    classes: Counter = field(default_factory=Counter)  # checked / status / not covered / other
    kinds: Counter = field(default_factory=Counter)  # per event kind ("GoStart", "ProcSteal(sysmon)", ...)
    rules: Counter = field(default_factory=Counter)  # per rule: events it applies to
    total: int = 0  # every event in the dump
    gomaxprocs: int = 0
    # Rule "locked thread": the sets of goroutines, fewest locked, that
    # explain every hand-off equally (one per reading of the trace; at most
    # MAX_READINGS), and which of them this instance takes.
    readings: tuple = ((),)
    reading: int = 0
    readings_cut: bool = False  # more than MAX_READINGS sets explain them equally

    def g_name(self, i: int) -> str:
        """A model G by the trace's goroutine id: g17."""
        return f"g{self.g_ids[i]}"

    def p_name(self, i: int) -> str:
        """A model P by the trace's P id: p0."""
        return f"p{self.p_ids[i]}"


def apply(obs, c: Checked):
    gst, pst, binds = obs
    if c.g_set:
        g = list(gst)
        for i, letter in c.g_set:
            g[i] = letter
        gst = "".join(g)
    if c.p_set:
        p = list(pst)
        for i, letter in c.p_set:
            p[i] = letter
        pst = "".join(p)
    if c.removed or c.added:
        binds = (binds - c.removed) | c.added
    return gst, pst, binds


def _kind(e: Event) -> str:
    """The wire event a goroutine transition is (the reference's table)."""
    return {
        (NOT_EXIST, RUNNABLE): "GoCreate", (NOT_EXIST, WAITING): "GoCreateBlocked",
        (RUNNABLE, RUNNING): "GoStart", (RUNNING, RUNNABLE): f"GoStop({e.reason})",
        (RUNNING, WAITING): f"GoBlock({e.reason})", (RUNNING, NOT_EXIST): "GoDestroy",
        (WAITING, RUNNABLE): "GoUnblock", (RUNNING, SYSCALL): "GoSyscallBegin",
        (SYSCALL, RUNNING): "GoSyscallEnd", (SYSCALL, RUNNABLE): "GoSyscallEndBlocked",
        (NOT_EXIST, SYSCALL): "GoCreateSyscall", (SYSCALL, NOT_EXIST): "GoDestroySyscall",
    }.get((e.old, e.new), f"{e.old}->{e.new}")


def instantiate(events, reading: int = 0) -> Instance:
    """Read a whole trace (an iterable of events.Event) into an Instance,
    with the reading-th set of locked goroutines where several explain the
    trace's hand-offs equally (Instance.readings). Raises Unsupported or
    InconsistentTrace with one sentence."""
    kinds: Counter = Counter()
    classes: Counter = Counter()
    rules: Counter = Counter()
    tr: list[Event] = []
    total = 0
    trace_started = None  # (index in tr, goroutine) where StartTrace's stop-the-world ends
    stopping: set[int] = set()  # goroutines in a stop-the-world range
    in_stw: list[bool] = []  # per transition: is some goroutine stopping the world
    for e in events:
        total += 1
        if e.is_transition:
            tr.append(e)
            in_stw.append(bool(stopping))
        else:
            if trace_started is None and e.kind == "RangeEnd" and START_TRACE_STW in e.text:
                trace_started = (len(tr), e.g)
            if e.kind == "RangeBegin" and STW_RANGE in e.text:
                stopping.add(e.g)
            elif e.kind == "RangeEnd" and STW_RANGE in e.text:
                stopping.discard(e.g)
            kinds[e.kind] += 1
            classes["other"] += 1
    if not tr:
        raise Unsupported("the trace has no state transitions")

    # --- first pass: initial states, what is touched, each M's neighbouring events
    g_init: dict[int, str] = {}
    p_init: dict[int, str] = {}
    touched: set[int] = set()
    first_bind_g: dict[int, int] = {}  # pre-existing Running/Syscall G -> its M
    first_bind_p: dict[int, int] = {}
    for e in tr:
        init, first_bind = (g_init, first_bind_g) if e.resource == "G" else (p_init, first_bind_p)
        if e.id not in init:
            init[e.id] = e.new if e.old == UNDETERMINED else e.old
            if e.old == UNDETERMINED and e.new in (RUNNING, SYSCALL) and e.m >= 0:
                first_bind[e.id] = e.m
        if not e.is_status:
            if e.resource == "G":
                touched.add(e.id)
            if e.g >= 0:
                touched.add(e.g)  # the goroutine running on the emitting M (a creator, a waker)
    prev_on_m, next_on_m = [-1] * len(tr), [-1] * len(tr)
    last: dict[int, int] = {}
    for i, e in enumerate(tr):
        if e.m < 0 or e.is_status:
            continue
        if e.m in last:
            prev_on_m[i] = last[e.m]
            next_on_m[last[e.m]] = i
        last[e.m] = i

    sleepers = _trace_sleepers(tr, trace_started)

    # --- model numbering
    queued = [g for g in g_init if g not in touched and g_init[g] == RUNNABLE]  # rule "queued goroutine"
    touched.update(queued)
    rules["queued goroutine"] = len(queued)
    running_at_start = [g for g in g_init if g_init[g] == RUNNING and g in first_bind_g and g in touched]
    if not running_at_start:
        raise Unsupported("no goroutine is running when the trace starts, so the model has no first goroutine")
    g0 = running_at_start[0]
    g_ids = [g0] + [g for g in dict.fromkeys(e.id for e in tr if e.resource == "G") if g in touched and g != g0]
    gidx = {g: i for i, g in enumerate(g_ids)}
    m0 = first_bind_g[g0]
    main_p = [p for p, m in first_bind_p.items() if m == m0]
    if not main_p:
        raise Unsupported("the goroutine running at the start holds no P")
    p_ids = [main_p[0]] + sorted(p for p in p_init if p != main_p[0])
    if p_ids != list(range(len(p_ids))) and sorted(p_ids) != list(range(len(p_ids))):
        raise Unsupported(f"the trace's Ps are not numbered 0..{len(p_ids) - 1} (GOMAXPROCS changed?)")
    pidx = {p: i for i, p in enumerate(p_ids)}
    # --- second pass: replay, classify, derive programs
    gstate = {g: s for g, s in g_init.items()}
    pstate = {p: s for p, s in p_init.items()}
    mbind: dict[int, list] = {}
    pholder: dict[int, int] = {}
    for g, m in first_bind_g.items():
        mbind.setdefault(m, [-1, -1])[1] = g
    for p, m in first_bind_p.items():
        if p_init[p] == RUNNING:
            mbind.setdefault(m, [-1, -1])[0] = p
            pholder[p] = m
    initial = _observation(gstate, pstate, mbind, gidx, pidx, g_ids, p_ids)

    ops: dict[int, list] = {g: [] for g in g_ids}
    pending_block: dict[int, tuple] = {}  # G -> (its program, index of the block op) awaiting its unblocker
    preexisting = sorted((g for g in g_ids if g_init[g] != NOT_EXIST), key=lambda g: g not in queued)
    prelude_ops: dict[int, list] = {g: [] for g in g_ids}
    for g in preexisting:
        if g == g0:
            continue
        prelude_ops[g0].append(Op(OP_SPAWN, gidx[g]))
        if g_init[g] == WAITING:
            prelude_ops[g].append(Op(OP_PARK))
            pending_block[g] = (prelude_ops[g], 0, "")
        elif g_init[g] == SYSCALL:
            prelude_ops[g].append(Op(OP_SYSCALL))
        elif g_init[g] not in (RUNNABLE, RUNNING):
            raise Unsupported(f"goroutine {g} is {g_init[g]} when the trace starts, which the model cannot set up")
    rules["prelude"] = len(preexisting)

    checked: list[Checked] = []
    drop: set[int] = set()
    last_steal_by: dict[int, tuple] = {}
    handoffs: dict[int, set] = {}  # ProcStops of an M's own P, with no G, while goroutines are runnable: them
    borrows: set[int] = set()  # the allocm borrows' ProcStarts (their ProcStops are in drop)
    in_foreachp: set[int] = set()  # goroutines whose forEachP has taken a P, with none of their events since

    for i, e in enumerate(tr):
        if i in drop:
            continue
        if e.resource == "P" and not e.is_status and e.new == IDLE and e.p == e.id and e.g < 0:
            runnable = {g for g in g_ids if gstate.get(g) == RUNNABLE}
            if runnable:
                handoffs[i] = runnable
        if e.is_status:
            classes["status"] += 1
            kinds["status"] += 1
            if e.resource == "G" and e.id not in touched:
                rules["untouched goroutine"] += 1
            _verify_status(e, gstate, pstate)
            continue
        ctx = mbind.get(e.m, [-1, -1])
        if e.m >= 0 and (ctx[0] != e.p or ctx[1] != e.g):
            raise InconsistentTrace(f"line {e.line}: the replay has M {e.m} holding P {ctx[0]} and G {ctx[1]}, "
                                    f"but the trace says P {e.p} and G {e.g}")
        before = _snapshot(gstate, pstate, mbind)
        rule = ""
        if e.resource == "P":
            kind = _proc_transition(e, i, tr, gstate, pstate, mbind, pholder, next_on_m, prev_on_m, drop, rules,
                                    last_steal_by)
            if kind == "allocm borrow":
                borrows.add(i)
                classes["not covered"] += 2
                kinds["ProcStart/ProcStop (allocm borrow)"] += 2
                continue
            if kind == STEAL_BY_RUNNING_G:
                kind = "ProcSteal(stop the world)" if in_stw[i] else "ProcSteal(forEachP)"
                if not in_stw[i] and e.g not in in_foreachp and e.g in ops:
                    ops[e.g].append(Op(OP_FOREACHP))  # rule "forEachP"
                    rules["forEachP"] += 1
                    in_foreachp.add(e.g)
        else:
            kind, rule = _goroutine_transition(e, i, tr, gstate, mbind, ops, pending_block, gidx, next_on_m)
            if e.id in sleepers and e.new == WAITING and e.reason == "chan receive":
                pending_block[e.id] = pending_block[e.id][:2] + (WAKEABLE_SLEEP,)
        if e.resource == "G" or not kind.startswith("ProcSteal(forEachP"):
            in_foreachp.discard(e.g)
            in_foreachp.discard(e.id if e.resource == "G" else -1)
        kinds[kind] += 1
        classes["checked"] += 1
        if rule:
            rules[rule] += 1
        after = _snapshot(gstate, pstate, mbind)
        checked.append(_checked(e, before, after, gidx, pidx, kind, rule))

    for g, (program, k, reason) in pending_block.items():
        if reason == WAKEABLE_SLEEP:  # asleep when the trace ends: its timer is pending
            program[k] = Op(OP_SLEEP)
            rules["trace timer sleep"] += 1

    readied: set[int] = set()
    readings = _locked_readings(tr, g_ids, first_bind_g, handoffs, drop | borrows, next_on_m, prev_on_m, set(queued))
    readings_cut = len(readings) > MAX_READINGS
    readings = readings[:MAX_READINGS]
    if not 0 <= reading < len(readings):
        raise ValueError(f"reading {reading} of {len(readings)}")
    for g, unlocks in _unlocks(tr, g_ids, readings[reading], next_on_m).items():
        rules["locked thread"] += 1
        lock = Op(OP_LOCK_THREAD)
        if g == g0 or g_init[g] in (RUNNING, WAITING, SYSCALL):
            prelude_ops[g].insert(0, lock)  # locked before the trace starts
        elif g_init[g] == RUNNABLE:  # locked, parked and readied before the trace starts
            prelude_ops[g][:0] = [lock, Op(OP_PARK)]
            prelude_ops[g0].append(Op(OP_READY, gidx[g]))
            readied.add(gidx[g])
        else:
            ops[g].insert(0, lock)  # a new goroutine, or a runnable one that locks when it first runs
        if unlocks:
            ops[g].insert(len(ops[g]) - 1, Op(OP_UNLOCK_THREAD))

    if readied:  # spawned first; main yields so that they lock and park, and readies them
        first = prelude_ops[g0]
        prelude_ops[g0] = ([op for op in first if op.code == OP_LOCK_THREAD]
                           + [op for op in first if op.code == OP_SPAWN and op.arg in readied]
                           + [Op(OP_YIELD)]
                           + [op for op in first if op.code == OP_READY]
                           + [op for op in first if op.code == OP_SPAWN and op.arg not in readied])

    programs, prelude = [], []
    for g in g_ids:
        program = prelude_ops[g] + ops[g]
        if not program or program[-1].code != OP_EXIT:
            program.append(Op(OP_SPIN))
        if len(program) > MAX_OPS:
            raise Unsupported(f"goroutine {g} has {len(program)} ops; the model's programs hold at most {MAX_OPS}")
        programs.append(tuple(program))
        prelude.append(len(prelude_ops[g]))
    for g in g_ids:
        if g_init[g] == NOT_EXIST and not any(op.code == OP_SPAWN and op.arg == gidx[g]
                                              for prog in programs for op in prog):
            raise Unsupported(f"goroutine {g} is created by no goroutine the trace shows running")
    inst = Instance(g_ids=g_ids, p_ids=p_ids, programs=tuple(programs), prelude=tuple(prelude), initial=initial,
                    checked=checked, classes=classes, kinds=kinds, rules=rules, total=total,
                    gomaxprocs=len(p_ids), readings=tuple(tuple(sorted(r)) for r in readings), reading=reading,
                    readings_cut=readings_cut)
    return inst


def _trace_sleepers(tr, trace_started) -> set:
    """The runtime's CPU-sample reader and trace advancer: the first two
    goroutines created by the goroutine that stopped the world to start the
    trace, after the stop (StartTrace, trace.go:315-316 in Go 1.25.5)."""
    if trace_started is None:
        return set()
    at, starter = trace_started
    created = [e.id for e in tr[at:] if e.old == NOT_EXIST and e.new == RUNNABLE and e.g == starter]
    return set(created[:2])


def _locked_readings(tr, g_ids, first_bind_g, handoffs, skip, next_on_m, prev_on_m, queued=frozenset()) -> list:
    """The readings of which goroutines are locked to their thread (rule
    "locked thread"): every set of the fewest goroutines that explains all
    hand-offs, in goroutine order (one more than MAX_READINGS at most, to
    tell that there are more). A goroutine G may
    be, when

    - it runs on one M only (every GoStart and GoSyscallEnd, and its M at the
      start), and that M runs no other goroutine from G's first run to its
      GoDestroy or the trace's end; and
    - a P hand-off shows that M's exclusivity: an M stops its own P while a
      goroutine X is runnable (an unlocked M would run it) and the P's next
      start is by another M that runs X next, either stoplockedm's handoffp
      (the stopping M is G's and G has just stopped running on it: the M
      handoffp starts runs X) or startlockedm (X is G, and the M that starts
      the P and runs it is G's);
    - or G is a queued goroutine (it never runs in the trace) and a hand-off
      is startlockedm's cut short by the trace's end: an M stops its own P
      while G is runnable, and the P's next start is by an M the trace has
      not shown before (G's M, parked in stoplockedm since before the trace)
      that does nothing after it (execute's GoStart came after tracing
      stopped). Seen on Go 1.25 with the signal package's ensureSigM
      goroutine, which locks its thread and is readied just before the
      trace starts (signal_unix.go: ensureSigM).

    Two goroutines whose lock explains a hand-off equally (stoplockedm's
    handoffp for the one that stopped, startlockedm for the one the next M
    runs) are two readings; the trace alone does not tell them apart (after
    stoplockedm's ProcStop, handoffp looks at the run queue only later, so
    what the stopping M leaves behind is no evidence either)."""
    runs: dict[int, set] = {g: ({first_bind_g[g]} if g in first_bind_g else set()) for g in g_ids}
    first_run: dict[int, int] = {g: 0 for g in first_bind_g}
    end: dict[int, int] = {}
    for i, e in enumerate(tr):
        if e.resource == "G" and e.id in runs and not e.is_status:
            if e.new == RUNNING:
                runs[e.id].add(e.m)
                first_run.setdefault(e.id, i)
            elif e.new == NOT_EXIST:
                end[e.id] = i
    passes = {}  # handoff index -> (the M that starts the P next, the goroutine it runs)
    for i, runnable in handoffs.items():
        taken = _next_start(tr, i, skip, next_on_m)
        if taken is not None and taken[0] != tr[i].m and taken[1] in runnable:
            passes[i] = taken
    alone = {}  # goroutine -> the one M it runs on, which runs nothing else while it lives
    for g in g_ids:
        if len(runs[g]) != 1 or g not in first_run:
            continue
        m = next(iter(runs[g]))
        lo, hi = first_run[g], end.get(g, len(tr))
        if not any(e.m == m and not e.is_status and (e.g not in (-1, g) or e.resource == "G" and e.new == RUNNING
                                                     and e.id != g) for e in tr[lo:hi]):
            alone[g] = m
    readings = []  # per hand-off, the goroutines whose lock would explain it
    for i, (m2, x) in passes.items():
        prv = prev_on_m[i]
        stopped = tr[prv].id if prv >= 0 and tr[prv].resource == "G" and tr[prv].old == RUNNING else -1
        reading = {g for g, m in ((stopped, tr[i].m), (x, m2)) if alone.get(g) == m}  # stoplockedm, startlockedm
        if reading:
            readings.append(reading)
    for i, runnable in handoffs.items():
        if i not in passes and runnable & queued and _start_by_unseen_idle_m(tr, i, skip, next_on_m, prev_on_m):
            readings.append(runnable & queued)  # startlockedm, its execute after the trace's end
    return _fewest_explaining(readings)


def _unlocks(tr, g_ids, locked_set, next_on_m) -> dict:
    """Per locked goroutine: whether it unlocks before it exits. It does
    (UnlockOSThread) if its M does anything after the GoDestroy but stop its
    P (mexit, when it exits locked, stops the P and the thread with it)."""
    end = {e.id: i for i, e in enumerate(tr) if e.resource == "G" and not e.is_status and e.new == NOT_EXIST}
    locked = {}
    for g in (g for g in g_ids if g in locked_set):
        hi = end.get(g, len(tr))
        after = next_on_m[hi] if hi < len(tr) else -1
        if after >= 0 and tr[after].resource == "P" and tr[after].new == IDLE:
            after = next_on_m[after]
        locked[g] = after >= 0
    return locked


def _fewest_explaining(readings) -> list:
    """The sets of the fewest goroutines that explain every hand-off (each
    hand-off is explained by any goroutine of its reading), in goroutine
    order, at most MAX_READINGS + 1 of them."""
    candidates = sorted(set().union(*readings)) if readings else []
    for size in range(len(candidates) + 1):
        found = list(islice((set(chosen) for chosen in combinations(candidates, size)
                             if all(reading & set(chosen) for reading in readings)), MAX_READINGS + 1))
        if found:
            return found
    return [set()]


def _next_start(tr, i, skip, next_on_m):
    """(M, G) when the next start of the P that tr[i] stops is by M, whose
    next event starts G; else None. allocm borrows (skip) are passed over."""
    start = next((j for j in range(i + 1, len(tr)) if tr[j].resource == "P" and tr[j].id == tr[i].id
                  and not tr[j].is_status and j not in skip), -1)
    if start < 0 or tr[start].new != RUNNING:
        return None
    nxt = next_on_m[start]
    if nxt < 0 or tr[nxt].resource != "G" or tr[nxt].new != RUNNING:
        return None
    return tr[start].m, tr[nxt].id


def _start_by_unseen_idle_m(tr, i, skip, next_on_m, prev_on_m) -> bool:
    """The next start of the P that tr[i] stops is by an M with no event
    before it and none after it (allocm borrows, skip, are passed over)."""
    start = next((j for j in range(i + 1, len(tr)) if tr[j].resource == "P" and tr[j].id == tr[i].id
                  and not tr[j].is_status and j not in skip), -1)
    return (start >= 0 and tr[start].new == RUNNING and tr[start].m != tr[i].m and prev_on_m[start] < 0
            and next_on_m[start] < 0)


def _verify_status(e: Event, gstate, pstate) -> None:
    state = gstate if e.resource == "G" else pstate
    if e.old != UNDETERMINED and state.get(e.id) != e.new:
        raise InconsistentTrace(f"line {e.line}: status {e.new} for {e.resource}{e.id}, but the replay has "
                                f"{state.get(e.id)}")


def _proc_transition(e, i, tr, gstate, pstate, mbind, pholder, next_on_m, prev_on_m, drop, rules, last_steal_by):
    if pstate.get(e.id) != e.old:
        raise InconsistentTrace(f"line {e.line}: P{e.id} goes {e.old}->{e.new} but the replay has it {pstate.get(e.id)}")
    if e.old == IDLE:
        nxt, prv = next_on_m[i], prev_on_m[i]
        if (nxt >= 0 and prv >= 0 and tr[nxt].resource == "P" and tr[nxt].id == e.id and tr[nxt].new == IDLE
                and tr[nxt].p == e.id and tr[prv].resource == "P" and tr[prv].id == e.id and tr[prv].new == IDLE
                and not _startlockedm_handoff(tr, nxt, prev_on_m, next_on_m)):
            drop.add(nxt)  # allocm borrow: the pair leaves everything as it was
            rules["allocm borrow"] += 2
            return "allocm borrow"
        mbind.setdefault(e.m, [-1, -1])[0] = e.id
        pholder[e.id] = e.m
        pstate[e.id] = e.new
        return "ProcStart"
    holder = pholder.pop(e.id, None)
    if holder is None:
        raise InconsistentTrace(f"line {e.line}: P{e.id} stops but no M holds it in the replay")
    mbind[holder][0] = -1
    pstate[e.id] = e.new
    if e.p == e.id:
        return "ProcStop"
    if e.p < 0 and e.g < 0:
        steal = "sysmon"
    elif e.p < 0 and gstate.get(e.g) == SYSCALL:
        steal = "steal-back"
    else:
        return STEAL_BY_RUNNING_G
    return f"ProcSteal({steal})"


def _startlockedm_handoff(tr, stop, prev_on_m, next_on_m) -> bool:
    """tr[stop] ends a start and stop of a P by one M that is not allocm's
    borrow but startlockedm's hand-off: the P is next started by another M
    seen earlier in the trace (allocm's borrow is for the new M it creates,
    which starts the P next) that then starts a goroutine (the locked
    goroutine the stopping M found)."""
    for j in range(stop + 1, len(tr)):
        f = tr[j]
        if f.resource == "P" and f.id == tr[stop].id and not f.is_status:
            if f.new != RUNNING or f.m == tr[stop].m or prev_on_m[j] < 0:
                return False
            nxt = next_on_m[j]
            return nxt >= 0 and tr[nxt].resource == "G" and tr[nxt].old == RUNNABLE and tr[nxt].new == RUNNING
    return False


def _goroutine_transition(e, i, tr, gstate, mbind, ops, pending_block, gidx, next_on_m):
    if gstate.get(e.id) != e.old:
        raise InconsistentTrace(f"line {e.line}: G{e.id} goes {e.old}->{e.new} but the replay has it "
                                f"{gstate.get(e.id)}")
    kind = _kind(e)
    rule = ""
    me = mbind.setdefault(e.m, [-1, -1]) if e.m >= 0 else [-1, -1]
    old, new = e.old, e.new
    if (old, new) == (NOT_EXIST, RUNNABLE):
        if e.g < 0 or e.g not in ops:
            raise Unsupported(f"line {e.line}: goroutine {e.id} is created with no goroutine running, "
                              "which the model cannot express")
        ops[e.g].append(Op(OP_SPAWN, gidx[e.id]))
    elif old == NOT_EXIST or new == NOT_EXIST and old == SYSCALL:
        raise Unsupported(f"line {e.line}: {kind} (cgo or a goroutine created blocked) is not in the model")
    elif (old, new) == (RUNNABLE, RUNNING):
        me[1] = e.id
    elif (old, new) == (RUNNING, RUNNABLE):
        if e.reason == "runtime.Gosched":
            ops[e.id].append(Op(OP_YIELD))
        elif e.reason == "preempted":
            ops[e.id].append(Op(OP_COMPUTE))
        else:
            raise Unsupported(f"line {e.line}: GoStop for reason {e.reason!r} is not in the model")
        me[1] = -1
    elif (old, new) == (RUNNING, WAITING):
        ops[e.id].append(Op(OP_PARK))
        pending_block[e.id] = (ops[e.id], len(ops[e.id]) - 1, e.reason)
        me[1] = -1
    elif (old, new) == (RUNNING, NOT_EXIST):
        ops[e.id].append(Op(OP_EXIT))
        me[1] = -1
    elif (old, new) == (WAITING, RUNNABLE):
        entry = pending_block.pop(e.id, None)
        if e.g >= 0 and e.g != e.id and gstate.get(e.g) == RUNNING and e.g in ops:
            ops[e.g].append(Op(OP_READY, gidx[e.id]))
        else:
            reason = entry[2] if entry is not None else ""
            if entry is not None:
                program, k = entry[0], entry[1]
                program[k] = Op(OP_SLEEP if reason in ("sleep", WAKEABLE_SLEEP) else OP_NET_READ)
            if reason == "network":
                kind = "GoUnblock(netpoll)"
            elif reason == "sleep":
                kind = "GoUnblock(timer)"
            elif reason == WAKEABLE_SLEEP:
                rule = "trace timer sleep"
            elif reason == "system goroutine wait":
                rule = "trace reader wake"
            elif reason in TIMER_REASONS:
                rule = "timer wake"
            else:
                rule = "scheduler wake"
            if rule:
                kind = f"GoUnblock({rule})"
    elif (old, new) == (RUNNING, SYSCALL):
        nxt = next_on_m[i]
        blocking = (nxt >= 0 and tr[nxt].resource == "P" and tr[nxt].new == IDLE and tr[nxt].p == tr[nxt].id
                    and tr[nxt].id == e.p and tr[nxt].g == e.id)
        ops[e.id].append(Op(OP_SYSCALL_BLOCK if blocking else OP_SYSCALL))
        if blocking:
            kind = "GoSyscallBegin(blocking)"
    elif (old, new) == (SYSCALL, RUNNING):
        pass
    elif (old, new) == (SYSCALL, RUNNABLE):
        me[1] = -1
    else:
        raise Unsupported(f"line {e.line}: the transition {old}->{new} is not in the model")
    gstate[e.id] = new
    return kind, rule


def _snapshot(gstate, pstate, mbind):
    return dict(gstate), dict(pstate), frozenset((p, g) for p, g in mbind.values() if p >= 0 or g >= 0)


def _checked(e, before, after, gidx, pidx, kind, rule) -> Checked:
    g_set = tuple((gidx[g], G_LETTER[s]) for g, s in after[0].items() if before[0].get(g) != s and g in gidx)
    p_set = tuple((pidx[p], P_LETTER[s]) for p, s in after[1].items() if before[1].get(p) != s)

    def rename(pair):
        p, g = pair
        return (pidx[p] if p >= 0 else -1, gidx[g] if g >= 0 else -1)

    removed = frozenset(rename(x) for x in before[2] - after[2])
    added = frozenset(rename(x) for x in after[2] - before[2])
    keys = {("G", i) for i, _ in g_set} | {("P", i) for i, _ in p_set} | {("M", e.m)}
    for p, g in removed | added:
        if p >= 0:
            keys.add(("P", p))
        if g >= 0:
            keys.add(("G", g))
    primary = ("G", gidx[e.id]) if e.resource == "G" else ("P", pidx[e.id])
    context = (pidx[e.p] if e.p >= 0 else -1, gidx[e.g] if e.g >= 0 else -1)
    return Checked(e, g_set, p_set, removed, added, frozenset(keys), primary, context, kind, rule)


def _observation(gstate, pstate, mbind, gidx, pidx, g_ids, p_ids):
    gst = "".join(G_LETTER[gstate[g]] for g in g_ids)
    pst = "".join(P_LETTER[pstate[p]] for p in p_ids)
    binds = frozenset((pidx[p] if p >= 0 else -1, gidx[g] if g >= 0 else -1)
                      for p, g in mbind.values() if (p >= 0 or g >= 0))
    return gst, pst, binds
