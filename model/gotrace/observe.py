"""What a Go execution trace can see of a model state.

An observation is (G statuses, P statuses, bindings):

- G statuses as the trace parser names them, one letter per model G:
  N NotExist (_Gidle, not yet created, or _Gdead), R Runnable, X Running,
  S Syscall, W Waiting;
- P statuses, one letter per model P: R Running (_Prunning, and _Psyscall,
  which the trace shows as Running), I Idle;
- bindings: the set of (P, G) pairs, one per M that holds a P or a G, -1
  for none. An M in a system call holds its G and, until its P is taken
  (retake, steal-back), the P it entered the call with, as the trace's M
  context shows.

Where the two syscall protocols differ, the observation has a rule for each:

- classic (Go <= 1.25, `_Psyscall`): an M in a syscall has released its P
  (m.p nil); it is seen holding m.oldp while that P is _Psyscall. The G is
  _Gsyscall from entersyscall to exitsyscall's CAS, as the trace has it.
- modern (Go >= 1.26, no `_Psyscall`): the P stays _Prunning and wired to
  the syscalling M (m.p), so the M is seen holding m.p, with no special
  case; the trace's "Syscall" P status prints as Running (Go 1.27's
  internal/trace), as the model's _Prunning does. But the G is _Grunning in
  stretches the trace shows as Syscall: reentersyscall emits GoSyscallBegin
  before its CAS to _Gsyscall (1.27 proc.go:4716, 4736, the model's pcs
  M_ENTERSYSCALL_GCWAIT and M_ENTERSYSCALL_CAS), entersyscallblock emits it
  before handoffp(releasep()) and the CAS (4867-4877: M_ENTERSYSCALLBLOCK_CAS,
  and handoffp's steps returning to it), and exitsyscall CASes to _Grunning
  before it knows whether it has a P, emitting GoSyscallEnd(Blocked) only
  once it does or goes to exitsyscallNoP (4952-5007, 5106-5116: the pcs
  M_EXITSYSCALL_TRYGETP, _STEAL, _TRYPIDLE, _NOP). A _Grunning G whose M is
  at one of these pcs is seen as Syscall (SYSCALL_SHOWN_PCS).

Under both: a goroutine that suspends itself while its M stops the world or
runs forEachP (casGToWaitingForSuspendG: _Gwaiting, waiting for the stop
or for every P's safe-point function) is seen as Running, as the trace has
it: casgstatus records no event, and the M holds the G and its P throughout.

Ms appear only through what they hold, so an observation does not depend
on how Ms are numbered (symmetry reduction keeps it), and a trace's thread
ids need no mapping to model Ms: an M is identified by its P or G while it
holds one, and Ms that hold nothing are interchangeable. The model may not
know which of several Ms holds a _Psyscall P (sysmon retook it from one, then
another entered a syscall on it), so the bindings are a tuple of
alternatives, usually one.
"""

from itertools import permutations, product

from ..names import g_name
from ..vocab import (M_ENTERSYSCALL_CAS, M_ENTERSYSCALL_GCWAIT, M_ENTERSYSCALLBLOCK_CAS, M_EXITSYSCALL_NOP,
                     M_EXITSYSCALL_STEAL, M_EXITSYSCALL_TRYGETP, M_EXITSYSCALL_TRYPIDLE, M_IDLE, M_LOCKEDIDLE,
                     M_NONE, M_RUN, PC_WAKEP1,
                     SUSPENDED_WAITS, SYSCALL_PCS, _Gdead, _Gidle, _Grunnable, _Grunning, _Gsyscall, _Gwaiting,
                     _Pidle, _Prunning, _Psyscall)

G_LETTER = {_Gidle: "N", _Gdead: "N", _Grunnable: "R", _Grunning: "X", _Gsyscall: "S", _Gwaiting: "W"}
P_LETTER = {_Pidle: "I", _Prunning: "R", _Psyscall: "R"}
G_NAMES = {"N": "NotExist", "R": "Runnable", "X": "Running", "S": "Syscall", "W": "Waiting"}
P_NAMES = {"I": "Idle", "R": "Running"}
# Modern protocol: the pcs at which an M's _Grunning curg is in a syscall as
# the trace shows it (GoSyscallBegin emitted, GoSyscallEnd not yet); see the
# module docstring. entersyscallblock's handoffp counts through its return pc.
SYSCALL_SHOWN_PCS = frozenset({M_ENTERSYSCALL_GCWAIT, M_ENTERSYSCALL_CAS, M_ENTERSYSCALLBLOCK_CAS,
                               M_EXITSYSCALL_TRYGETP, M_EXITSYSCALL_STEAL, M_EXITSYSCALL_TRYPIDLE, M_EXITSYSCALL_NOP})
SYSCALL_SHOWN_RETURNS = frozenset({M_ENTERSYSCALLBLOCK_CAS})
# An M not yet created, parked in stopm, or parked in stoplockedm.
PARKED_PCS = frozenset({M_NONE, M_IDLE, M_LOCKEDIDLE})


class ModelObserver:
    """Observations of one machine's states (model/layout.py offsets; the
    test in tests/test_conform.py checks them against machine.fields)."""

    def __init__(self, machine):
        L = machine.L
        self.L = L
        self.g_status = list(L.g_status)
        self.g_wait = list(L.g_wait)
        self.g_pc = list(L.g_pc)
        self.p_status = list(L.p_status)
        self.ms = [(L.m_p[m], L.m_oldp[m], L.m_curg[m], L.proc_pc[m]) for m in range(L.nm)]
        self.modern = machine.config.protocol == "modern"
        self.m_ret = [L.proc_ret[m] for m in range(L.nm)]
        self.rt = machine.rt  # the model's own startm, for handed_variants

    def g_letters(self, s) -> str:
        """Each G's trace status; under the modern protocol a _Grunning G
        whose M is between GoSyscallBegin and GoSyscallEnd(Blocked) is
        Syscall (SYSCALL_SHOWN_PCS); a G suspended by its own stop of the
        world or forEachP is Running."""
        letters = [G_LETTER[s[o]] for o in self.g_status]
        for g, o in enumerate(self.g_wait):
            if s[o] in SUSPENDED_WAITS and letters[g] == "W":
                letters[g] = "X"
        if self.modern:
            for m, (_, _, o_curg, o_pc) in enumerate(self.ms):
                g = s[o_curg] - 1
                if g >= 0 and letters[g] == "X" and (s[o_pc] in SYSCALL_SHOWN_PCS
                                                     or s[self.m_ret[m]] in SYSCALL_SHOWN_RETURNS):
                    letters[g] = "S"
        return "".join(letters)

    def __call__(self, s):
        gst = self.g_letters(s)
        pst = "".join(P_LETTER[s[o]] for o in self.p_status)
        pairs = []
        syscall_holders: dict[int, list[int]] = {}
        for o_p, o_oldp, o_curg, o_pc in self.ms:
            p, g = s[o_p] - 1, s[o_curg] - 1
            oldp = s[o_oldp] - 1
            if p < 0 and oldp >= 0 and s[self.p_status[oldp]] == _Psyscall and s[o_pc] in SYSCALL_PCS:
                syscall_holders.setdefault(oldp, []).append(len(pairs))
                pairs.append((oldp, g))
            elif p >= 0 or g >= 0:
                pairs.append((p, g))
        ambiguous = {p: idx for p, idx in syscall_holders.items() if len(idx) > 1}
        if not ambiguous:
            return gst, pst, (frozenset(pairs),)
        alts = []
        for holders in product(*ambiguous.values()):
            alt = list(pairs)
            chosen = set(holders)
            for idx_list in ambiguous.values():
                for i in idx_list:
                    if i not in chosen:
                        alt[i] = (-1, alt[i][1])
            alts.append(frozenset(pr for pr in alt if pr != (-1, -1)))
        return gst, pst, tuple(alts)

    def holds(self, s, m: int) -> tuple:
        """The (P, G) pairs M m may be seen holding: one, or two when it is
        in a syscall on a _Psyscall P that another M may hold instead."""
        o_p, o_oldp, o_curg, o_pc = self.ms[m]
        p, g, oldp = s[o_p] - 1, s[o_curg] - 1, s[o_oldp] - 1
        if p < 0 and oldp >= 0 and s[self.p_status[oldp]] == _Psyscall and s[o_pc] in SYSCALL_PCS:
            rivals = sum(1 for q_p, q_oldp, _, q_pc in self.ms if s[q_p] == 0 and s[q_oldp] == oldp + 1
                         and s[q_pc] in SYSCALL_PCS)
            return ((oldp, g), (-1, g)) if rivals > 1 else ((oldp, g),)
        return ((p, g),)

    def in_wakep(self, s, g: int):
        """s with the M running G g inside wakep, returning to it
        (startTheWorld's wakep); None if no M is running g."""
        for m, (_, _, o_curg, o_pc) in enumerate(self.ms):
            if s[o_curg] == g + 1 and s[o_pc] == M_RUN:
                b = bytearray(s)
                b[o_pc] = PC_WAKEP1
                b[self.L.proc_ret[m]] = M_RUN
                return bytes(b)
        return None

    def idle_orders(self, s) -> list:
        """s with the idle P list (sched.pidle, a stack) in every order: the
        order when a trace starts is not observable."""
        slots = self.L.pidle
        idle = [s[o] for o in slots if s[o]]
        out = []
        for order in permutations(idle):
            b = bytearray(s)
            for o, v in zip(slots, order):
                b[o] = v
            out.append(bytes(b))
        return out

    def runq_orders(self, s) -> list:
        """s with each P's queued goroutines (runnext and the run queue) in
        every order: which goroutine waits where when a trace starts is not
        observable."""
        queues = []
        for slots, nxt in zip(self.L.p_runq, self.L.p_runnext):
            items = [s[o] for o in slots if s[o]] + ([s[nxt]] if s[nxt] else [])
            queues.append((slots, nxt if s[nxt] else None, list(dict.fromkeys(permutations(items)))))
        out = []
        for choice in product(*(orders for _, _, orders in queues)):
            b = bytearray(s)
            for (slots, nxt, _), order in zip(queues, choice):
                order = list(order)
                if nxt is not None:
                    b[nxt] = order.pop()
                for o, v in zip(slots, order):
                    b[o] = v
            out.append(bytes(b))
        return out

    def _queued(self, s) -> list:
        """The goroutines (G+1) in the Ps' run queues and runnexts, P by P."""
        L = self.L
        return [s[o] for slots, nxt in zip(L.p_runq, L.p_runnext) for o in [*slots, nxt] if s[o]]

    def _taken(self, s, moved: set) -> bytearray:
        """s with the goroutines in moved (G+1) taken out of the Ps' queues,
        the others keeping their order."""
        b = bytearray(s)
        for slots, nxt in zip(self.L.p_runq, self.L.p_runnext):
            keep = [s[o] for o in slots if s[o] and s[o] not in moved]
            for i, o in enumerate(slots):
                b[o] = keep[i] if i < len(keep) else 0
            if s[nxt] in moved:
                b[nxt] = 0
        return b

    def global_queue_variants(self, s) -> list:
        """s, and s with queued goroutines moved to the global run queue
        (sched.runq), every ordered choice of them, the rest keeping their
        order on their Ps: where a goroutine runnable when the trace starts
        waits, a P's queue or the global one, is not observable. Only for s
        with an empty global queue (the prelude never fills it)."""
        L = self.L
        if any(s[o] for o in L.runq):
            return [s]
        queued = self._queued(s)
        out = []
        for k in range(len(queued) + 1):
            for chosen in permutations(queued, k):
                b = self._taken(s, set(chosen))
                for o, v in zip(L.runq, chosen):
                    b[o] = v
                out.append(bytes(b))
        return out

    def handed_variants(self, s) -> list:
        """s, and s with queued goroutines moved to the run queues of idle
        Ps that startTheWorld hands to Ms: procresize (proc.go:5984-5997 in
        Go 1.25.5) makes every P but its own _Pidle, pidleputs those with
        empty queues and gives each other one an M (mget), which
        startTheWorldWithSema wakes with the P as its nextp (1790-1803). Such a
        P shows Idle until its M's ProcStart, and its goroutines are in no
        queue an idle P list's thief or the global queue's reader would
        find; where a goroutine runnable at the start waits is not in the
        trace. Every assignment of each queued goroutine to its place or to
        one idle P; the receiving Ps are handed to Ms in P order, as the
        runtime's runnablePs list (rt.startm: an idle M or a new one; none
        past the thread limit)."""
        L = self.L
        idle = [s[o] - 1 for o in L.pidle if s[o]]
        queued = self._queued(s)
        if not idle or not queued:
            return [s]
        out = [s]
        for choice in product([None, *idle], repeat=len(queued)):
            if all(q is None for q in choice):
                continue
            b = self._taken(s, {g for g, q in zip(queued, choice) if q is not None})
            receivers = sorted({q for q in choice if q is not None})
            rest = [p + 1 for p in idle if p not in receivers]
            for i, o in enumerate(L.pidle):
                b[o] = rest[i] if i < len(rest) else 0
            b[L.npidle] -= len(receivers)
            for q in receivers:
                goroutines = [g for g, c in zip(queued, choice) if c == q]
                if len(goroutines) > len(L.p_runq[q]):
                    break
                for o, g in zip(L.p_runq[q], goroutines):
                    b[o] = g
            else:
                if all(self.rt.startm(b, q, False) for q in receivers):
                    out.append(bytes(b))
        return out

    def active_ms(self, s) -> int:
        """How many Ms are not parked (PARKED_PCS)."""
        return sum(1 for _, _, _, o_pc in self.ms if s[o_pc] not in PARKED_PCS)

    def pcs(self, s) -> tuple:
        """Each G's program counter (its next op)."""
        return tuple(s[o] for o in self.g_pc)


def agrees(model_obs, trace_obs) -> bool:
    return model_obs[0] == trace_obs[0] and model_obs[1] == trace_obs[1] and trace_obs[2] in model_obs[2]


def changed(a, b) -> frozenset:
    """The resources ("G", i) / ("P", i) whose status or binding differs."""
    keys = {("G", i) for i, (x, y) in enumerate(zip(a[0], b[0])) if x != y}
    keys |= {("P", i) for i, (x, y) in enumerate(zip(a[1], b[1])) if x != y}
    before = frozenset().union(*a[2])
    after = frozenset().union(*b[2])
    if len(a[2]) > 1 or len(b[2]) > 1:
        before |= frozenset().union(*(set(x) for x in a[2]))
    for p, g in before ^ after:
        if p >= 0:
            keys.add(("P", p))
        if g >= 0:
            keys.add(("G", g))
    return frozenset(keys)


def describe(obs, g_names=None, p_names=None) -> str:
    """'G1 Running on P0; G2 Runnable; ...' for a trace or model observation."""
    gst, pst, binds = obs
    binds = binds if isinstance(binds, frozenset) else binds[0]
    gname = (lambda i: g_names[i]) if g_names else g_name
    pname = (lambda i: p_names[i]) if p_names else (lambda i: f"P{i}")
    where = {}
    for p, g in binds:
        if g >= 0:
            where[g] = p
    parts = []
    for i, c in enumerate(gst):
        if c == "N":
            continue
        text = f"{gname(i)} {G_NAMES[c]}"
        if i in where:
            text += f" on {pname(where[i])}" if where[i] >= 0 else " on an M without P"
        parts.append(text)
    ps = []
    for i, c in enumerate(pst):
        holder = [g for p, g in binds if p == i]
        text = f"{pname(i)} {P_NAMES[c]}"
        if holder and holder[0] < 0:
            text += " (M in scheduler)"
        elif not holder and c == "R":
            text += " (no M)"
        ps.append(text)
    return "; ".join(parts) + " | " + ", ".join(ps)


def describe_change(a, b, g_names=None, p_names=None) -> str:
    gname = (lambda i: g_names[i]) if g_names else g_name
    pname = (lambda i: p_names[i]) if p_names else (lambda i: f"P{i}")
    out = [f"{gname(i)} {G_NAMES[x]}->{G_NAMES[y]}" for i, (x, y) in enumerate(zip(a[0], b[0])) if x != y]
    out += [f"{pname(i)} {P_NAMES[x]}->{P_NAMES[y]}" for i, (x, y) in enumerate(zip(a[1], b[1])) if x != y]
    ba, bb = a[2] if isinstance(a[2], frozenset) else a[2][0], b[2] if isinstance(b[2], frozenset) else b[2][0]

    def pair(pr):
        p, g = pr
        return f"M({pname(p) if p >= 0 else '-'},{gname(g) if g >= 0 else '-'})"

    gone, new = sorted(ba - bb), sorted(bb - ba)
    if gone or new:
        out.append("bindings " + " ".join(pair(x) for x in gone) + " -> " + " ".join(pair(x) for x in new))
    return ", ".join(out) or "no observable change"
