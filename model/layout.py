"""Where each field lives in the flat state, and the symmetry of threads.

A state is an immutable `bytes`: one byte per field, references stored as
id+1 with 0 meaning nil, queues packed from the head with 0 after the tail.
Every field has a kind (`kinds`): a reference to a G, a P or an M, or a
plain value; renamings and the symbolic engine go by it.

Processes are the Ms (the M slots 0..nm-1) and sysmon (index nm). Each
process has a program counter `pc`, a return pc `ret` for the scheduler
subroutines it can be inside (wakep, handoffp, injectglist's startIdle), and
two locals: `hp`, the P that subroutine holds, and `arg`, a loop count.
Each M's fields are contiguous (an M record) and nothing inside an M record
refers to an M, so Ms can be renamed by sorting records; references to Ms
outside the records (P.m, a locked G's lockedm) are renamed with them. A
locked M (m.lockedg set) holds a G reference, so it is always a slot of its
own, never merged into a count.

Two ways to hold threads (see README, "Threads: a bound or none"):

* bounded (`--threads N`): N M slots, one thread each; sched.midle lists the
  parked ones and a step that needs an N+1st thread is cut and reported.
* unbounded (the default): threads are created whenever startm finds no idle
  M, as in the runtime, without limit. A parked M (stopm) with nothing of
  its own is indistinguishable from every other and from one not yet made,
  so it simply leaves the state: the idle pool is infinite. An M that holds
  nothing (no P, G or handoff) and is between scheduler steps is one of a
  count: the slot's `mult` says how many Ms are in exactly that local
  state, exactly up to the cutoff and "many" (OMEGA) beyond it (a counter
  abstraction). An M that holds something, or is referred to, is a slot of
  its own (mult 1). Slots are sorted, so the state is canonical.
"""

from .config import Config

G_FIELDS = ("status", "pc", "wait", "flags", "lockedm", "timerp")
P_FIELDS = ("status", "m", "runnext", "runSafePointFn", "schedwhen", "syscallwhen", "tick61")
PROC_FIELDS = ("pc", "ret", "hp", "arg")
# A process's private list of Gs (injectglist's local batch, runqputslow's
# batch): a bitmask, one byte per 8 goroutines (glist, glist1, ...).
GLIST_BITS = 8
M_FIELDS = ("p", "nextp", "oldp", "curg", "spinning", "gp", "lockedg")
SCHED_SCALARS = ("npidle", "nmspinning", "needspinning", "nmidlelocked", "netpolling", "throw",
                 "gcwaiting", "stopwait", "stopnote", "safePointWait", "sysmonwait", "netpollBreak")
# nmidlelocked (int32 in the runtime) is stored plus this bias: it is below 0
# while sysmon pretends to be a running M (-1), and while startlockedm has
# counted a locked M as running before that M counted itself idle.
NMIDLELOCKED_BIAS = 16
OMEGA = 255  # mult: more Ms than the cutoff in this local state

# The kind of each field: what a non-zero value refers to.
REF_G, REF_P, REF_M, VALUE = "G", "P", "M", "V"
GSET = "S"  # a bitmask of Gs: references too (a process holding some is not idle-handed)
_KINDS = {"curg": REF_G, "gp": REF_G, "runnext": REF_G, "lockedg": REF_G, "p": REF_P, "nextp": REF_P,
          "oldp": REF_P, "hp": REF_P, "m": REF_M, "lockedm": REF_M, "timerp": REF_P}


class ModelError(RuntimeError):
    """The model did something the runtime cannot (e.g. an M used its P while
    m.p was nil), or reached a state its representation cannot hold: a bug in
    the model, or the symptom of a seeded one. The engine reports it as the
    violation `model_error` with the trace to the state, never a traceback."""


class CapacityError(ModelError):
    """The model needed more M slots than its layout has."""


class Layout:
    def __init__(self, config: Config):
        self.ng = config.goroutines
        self.np = config.procs
        self.bounded = bool(config.threads)
        self.cutoff = config.cutoff
        self.nm = config.threads if self.bounded else self.slots_needed(config)
        self.cap = config.runq
        self.sysmon = self.nm  # process index of sysmon
        self.names: list[str] = []  # field name per offset
        self.kinds: list[str] = []

        for f in G_FIELDS:
            setattr(self, "g_" + f, [])
        for g in range(self.ng):
            for f in G_FIELDS:
                getattr(self, "g_" + f).append(self._add(f"G{g}.{f}", f))
        for f in P_FIELDS:
            setattr(self, "p_" + f, [])
        self.p_runq = []
        for p in range(self.np):
            for f in P_FIELDS:
                getattr(self, "p_" + f).append(self._add(f"P{p}.{f}", f))
            self.p_runq.append([self._add(f"P{p}.runq[{i}]", REF_G) for i in range(self.cap)])
        glist = tuple("glist" + (str(i) if i else "") for i in range((self.ng + GLIST_BITS - 1) // GLIST_BITS))
        proc_fields = self.proc_fields = PROC_FIELDS + glist
        m_fields = M_FIELDS if self.bounded else M_FIELDS + ("mult",)
        for f in proc_fields + m_fields:
            setattr(self, "proc_" + f if f in proc_fields else "m_" + f, [])
        self.m_base = len(self.names)
        for m in range(self.nm):
            for f in proc_fields:
                getattr(self, "proc_" + f).append(self._add(f"M{m}.{f}", GSET if f in glist else f))
            for f in m_fields:
                getattr(self, "m_" + f).append(self._add(f"M{m}.{f}", f))
        self.m_size = len(proc_fields) + len(m_fields)
        self.m_end = self.m_base + self.nm * self.m_size
        if self.bounded:
            self.midle = [self._add(f"sched.midle[{i}]", REF_M) for i in range(self.nm)]  # right after the Ms
        else:
            self.midle = []
        for f in proc_fields:
            getattr(self, "proc_" + f).append(self._add(f"sysmon.{f}", GSET if f in glist else f))
        # glist_offsets[i]: the bytes of process i's private G list.
        self.glist_offsets = [[getattr(self, "proc_" + f)[i] for f in glist] for i in range(self.nm + 1)]
        self.runq = [self._add(f"sched.runq[{i}]", REF_G) for i in range(self.ng)]
        self.pidle = [self._add(f"sched.pidle[{i}]", REF_P) for i in range(self.np)]
        for f in SCHED_SCALARS:
            setattr(self, f, self._add(f"sched.{f}", f))
        self.nmidle = self._add("sched.nmidle", "nmidle") if self.bounded else None
        # sched.nGsyscallNoP (the modern protocol's count of syscalling Gs without
        # a P), stored mod 256 like stopwait: a miscount may take it below 0.
        self.nGsyscallNoP = self._add("sched.nGsyscallNoP", "nGsyscallNoP") if config.protocol == "modern" else None
        self.size = len(self.names)
        self.m_range = range(self.nm)
        self.midle_end = self.midle[-1] + 1 if self.midle else self.m_end
        # Offsets of the reference fields inside an M record, relative to its start.
        self.m_ref_rel = [i for i, k in enumerate(self.kinds[self.m_base:self.m_base + self.m_size]) if k != VALUE]
        self.m_pc_rel = 0
        self.m_mult_rel = self.m_size - 1 if not self.bounded else None
        self.m_spinning_rel = len(proc_fields) + M_FIELDS.index("spinning")
        # Every reference to an M outside the M records and sched.midle (P.m,
        # and any field a later mechanism adds with kind REF_M): renamed with
        # the Ms, and an M referred to is never merged into a count.
        self.m_ref_offsets = [o for o, k in enumerate(self.kinds)
                              if k == REF_M and not self.m_base <= o < self.midle_end]
        self._canon_cache: dict = {}
        self._record_kind: dict = {}

    @staticmethod
    def slots_needed(config: Config) -> int:
        """M slots enough for every thread that holds something (a P, in m.p
        or m.nextp or a handoff; a G, as curg or in hand), every class of
        interchangeable idle-handed threads, and one more to step a member of
        a class out of it."""
        return 2 * config.procs + 2 * config.goroutines + 4

    def _add(self, name: str, field: str) -> int:
        """A field named `name`; `field` is its field name (its kind from
        _KINDS) or a kind itself."""
        self.names.append(name)
        self.kinds.append(field if field in (REF_G, REF_P, REF_M, VALUE, GSET) else _KINDS.get(field, VALUE))
        return len(self.names) - 1

    def proc_name(self, i: int) -> str:
        return "sysmon" if i == self.nm else f"M{i}"

    # --- symmetry and the counter abstraction --------------------------------------
    def canonical(self, s: bytes) -> bytes:
        """The representative of s under renaming the Ms; when threads are
        unbounded, also the counter abstraction of threads that hold nothing
        (which is not optional: it is how those threads are represented).
        Memoised on the M block and sched.midle, which alone determine it
        (unless a P.m refers to an M that holds nothing, which only a broken
        state has: then it is worked out afresh)."""
        mb, ie = self.m_base, self.midle_end
        pm = self.m_ref_offsets
        key = s[mb:ie]
        hit = self._canon_cache.get(key)
        if hit is None:
            hit = self._canon_cache[key] = (self._renaming_bounded(s) if self.bounded
                                            else self._normal_form(s, ()))
        if not self.bounded and hit is not False and hit[3]:
            if any(s[o] and s[o] - 1 in hit[3] for o in pm):
                hit = self._normal_form(s, {s[o] - 1 for o in pm if s[o]})
        if not hit:
            return s
        block, new_id, spinning_delta = hit[:3]
        b = bytearray(s)
        b[mb:ie] = block
        for o in pm:
            b[o] = new_id[b[o]]
        if spinning_delta:
            if b[self.nmspinning] + spinning_delta < 0:
                raise ModelError(f"sched.nmspinning ({b[self.nmspinning]}) counts fewer Ms than are spinning: "
                                 "the counter abstraction of threads cannot hold this state")
            b[self.nmspinning] += spinning_delta
        return bytes(b)

    def record(self, s, m: int) -> bytes:
        base = self.m_base + m * self.m_size
        return s[base:base + self.m_size]

    def _renaming_bounded(self, s: bytes):
        """Bounded threads: sort the M records (idle Ms, whose records are all
        alike, numbered in sched.midle order), renaming P.m and sched.midle."""
        midle = self.midle
        records = [self.record(s, m) for m in self.m_range]
        order = sorted(self.m_range, key=records.__getitem__)
        idle = [s[o] - 1 for o in midle if s[o]]
        if idle:
            pos = min(order.index(m) for m in idle)
            order[pos:pos + len(idle)] = idle
        if order == list(self.m_range):
            return False
        new_id = [0] * (self.nm + 1)
        for new, old in enumerate(order):
            new_id[old + 1] = new + 1
        block = b"".join([records[m] for m in order]) + bytes(new_id[s[o]] for o in midle)
        return block, new_id, 0, ()

    def is_anonymous(self, rec: bytes) -> bool:
        """An M that holds no P, G or handoff (all its references nil)."""
        return not any(rec[i] for i in self.m_ref_rel)

    def _kind_of(self, rec: bytes) -> int:
        """0 no thread, 1 holds something (a slot of its own), 2 parked with
        nothing, 3 one of a count."""
        from .vocab import M_IDLE, M_NONE
        if rec[0] == M_NONE:
            return 0
        if not self.is_anonymous(rec):
            return 1
        return 2 if rec[0] == M_IDLE else 3

    def saturates(self, rec: bytes) -> bool:
        """Whether this local state's count may become "many". The M in
        netpoll is counted exactly (sched.lastpoll says whether there is
        one). Spinning Ms may become many: sched.nmspinning then holds only
        the spinning Ms that are counted exactly (and the wakep credits),
        and each "many" class of spinning Ms adds at least cutoff+1 to it
        (see Runtime.nmspinning); the others are counted by nothing but
        checkdead, which only asks "any?"."""
        from .vocab import M_NETPOLL
        return rec[self.m_pc_rel] != M_NETPOLL

    def _normal_form(self, s: bytes, referenced):
        """Unbounded threads: parked Ms with nothing of their own leave; Ms
        holding nothing merge into one slot per local state with a count;
        slots are sorted; P.m follows its M. Returns False if s is in normal
        form already, else (M block, renaming, change to nmspinning, the
        old slots merged or dropped)."""
        mrel, size, base = self.m_mult_rel, self.m_size, self.m_base
        kinds = self._record_kind
        anonymous = set()
        named: list = []  # (record, old index)
        classes: dict = {}  # record without mult -> [Ms counted exactly, whether "many" already]
        block_in = s[base:self.m_end]
        for m in self.m_range:
            rec = block_in[m * size:(m + 1) * size]
            kind = kinds.get(rec)
            if kind is None:
                kind = kinds[rec] = self._kind_of(rec)
            if kind == 0:  # no thread
                continue
            if kind == 1 or m in referenced:
                named.append((rec, m))
                continue
            anonymous.add(m)
            if kind == 2:  # parked, holding nothing: leaves the state
                continue
            count = classes.setdefault(rec[:mrel], [0, False])
            if rec[mrel] == OMEGA:
                count[1] = True
            else:
                count[0] += rec[mrel]
        entries = list(named)
        spinning_delta = 0
        for local, (exact, many) in classes.items():
            if not many and exact > self.cutoff and self.saturates(local):
                many = True
            if many and local[self.m_spinning_rel]:
                spinning_delta -= exact  # their share of nmspinning is now implicit
            if not many and exact >= OMEGA:
                raise CapacityError(f"more than {OMEGA - 1} threads in one exactly counted state")
            entries.append((local + bytes([OMEGA if many else exact]), None))
        entries.sort(key=lambda e: e[0])
        if len(entries) > self.nm:
            raise CapacityError(f"the model needs more than {self.nm} M slots")
        new_id = [0] * (self.nm + 1)
        for new, (_rec, old) in enumerate(entries):
            if old is not None:
                new_id[old + 1] = new + 1
        block = b"".join(rec for rec, _ in entries) + bytes(self.m_size * (self.nm - len(entries)))
        if block == s[self.m_base:self.m_end] and not spinning_delta and all(
                new_id[m + 1] == m + 1 for _rec, m in named):
            return False
        return block, new_id, spinning_delta, frozenset(anonymous)
