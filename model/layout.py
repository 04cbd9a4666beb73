"""Where each field lives in the flat state.

A state is an immutable `bytes`: one byte per field, references stored as
id+1 with 0 meaning nil, queues packed from the head with 0 after the tail.
The layout depends only on the bounds (Gs, Ps, Ms, run-queue capacity).

Processes are the Ms (0..nm-1) and sysmon (index nm). Each process has a
program counter `pc`, a return pc `ret` for the scheduler subroutines it can be
inside (wakep, handoffp, injectglist's startIdle), and two locals: `hp`, the P
that subroutine holds, and `arg`, a loop count.

Each M's fields are contiguous (an M record) and nothing inside an M record
refers to an M, so Ms can be reordered by sorting records: see `canonical`.
"""

from .config import Config

G_FIELDS = ("status", "pc", "wait", "flags")
P_FIELDS = ("status", "m", "runnext")
PROC_FIELDS = ("pc", "ret", "hp", "arg")
M_FIELDS = ("p", "nextp", "oldp", "curg", "spinning", "gp")
SCHED_SCALARS = ("npidle", "nmidle", "nmspinning", "needspinning", "nmidlelocked", "netpolling", "throw")
NMIDLELOCKED_BIAS = 1  # nmidlelocked is -1 while sysmon pretends to be running


class Layout:
    def __init__(self, config: Config):
        self.ng = config.goroutines
        self.np = config.procs
        self.nm = config.max_threads
        self.cap = config.runq
        self.sysmon = self.nm  # process index of sysmon
        self.names: list[str] = []  # field name per offset

        for f in G_FIELDS:
            setattr(self, "g_" + f, [])
        for g in range(self.ng):
            for f in G_FIELDS:
                getattr(self, "g_" + f).append(self._add(f"G{g}.{f}"))
        for f in P_FIELDS:
            setattr(self, "p_" + f, [])
        self.p_runq = []
        for p in range(self.np):
            for f in P_FIELDS:
                getattr(self, "p_" + f).append(self._add(f"P{p}.{f}"))
            self.p_runq.append([self._add(f"P{p}.runq[{i}]") for i in range(self.cap)])
        for f in PROC_FIELDS + M_FIELDS:
            setattr(self, "proc_" + f if f in PROC_FIELDS else "m_" + f, [])
        self.m_base = len(self.names)
        for m in range(self.nm):
            for f in PROC_FIELDS:
                getattr(self, "proc_" + f).append(self._add(f"M{m}.{f}"))
            for f in M_FIELDS:
                getattr(self, "m_" + f).append(self._add(f"M{m}.{f}"))
        self.m_size = len(PROC_FIELDS) + len(M_FIELDS)
        self.midle = [self._add(f"sched.midle[{i}]") for i in range(self.nm)]  # right after the Ms: see canonical
        for f in PROC_FIELDS:
            getattr(self, "proc_" + f).append(self._add(f"sysmon.{f}"))
        self.runq = [self._add(f"sched.runq[{i}]") for i in range(self.ng)]
        self.pidle = [self._add(f"sched.pidle[{i}]") for i in range(self.np)]
        for f in SCHED_SCALARS:
            setattr(self, f, self._add(f"sched.{f}"))
        self.size = len(self.names)
        self.m_range = range(self.nm)
        self.m_end = self.m_base + self.nm * self.m_size
        self.midle_end = self.midle[-1] + 1
        assert self.midle[0] == self.m_end
        self._canon_cache: dict = {}

    def _add(self, name: str) -> int:
        self.names.append(name)
        return len(self.names) - 1

    def proc_name(self, i: int) -> str:
        return "sysmon" if i == self.nm else f"M{i}"

    def canonical(self, s: bytes) -> bytes:
        """The representative of s under renaming the Ms: M records sorted
        (idle Ms, whose records are all alike, numbered in sched.midle
        order), with P.m and sched.midle renamed to match. Ms are
        interchangeable threads, so every property the checker evaluates is
        unchanged by the renaming. Memoised on the M block and sched.midle,
        which alone determine the renaming."""
        mb, ie = self.m_base, self.midle_end
        key = s[mb:ie]
        hit = self._canon_cache.get(key)
        if hit is None:
            hit = self._canon_cache[key] = self._renaming(s)
        if not hit:
            return s
        block, new_id = hit
        b = bytearray(s)
        b[mb:ie] = block
        for o in self.p_m:
            b[o] = new_id[b[o]]
        return bytes(b)

    def _renaming(self, s: bytes):
        base, size, midle = self.m_base, self.m_size, self.midle
        records = [s[base + m * size: base + (m + 1) * size] for m in self.m_range]
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
        return block, new_id
