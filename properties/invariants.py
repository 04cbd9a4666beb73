"""Safety invariants of the scheduler, as named predicates over model states.

Each invariant reads a fixed set of state fields (its projection) and is a
pure function of them, so its verdict is memoised per distinct projection:
exact, and much cheaper than re-evaluating it on every state. The check
returns None when the invariant holds, else one sentence naming the fields
that break it.
"""

from explorer.spec import Invariant
from model.layout import NMIDLELOCKED_BIAS, OMEGA
from model.names import g_name
from model.runtime import signed
from model.workload import has_live_waker
from model.vocab import (FATAL_DEADLOCK, FATAL_NAMES, G_STATUS_NAMES, GRUNNING_NOP_PCS, HANDOFF_CALL_PCS, HP_LOOKS_PCS,
                         M_ENTERSYSCALLBLOCK_CAS, M_IDLE, M_LOCKEDIDLE, M_NETPOLL,
                         M_STW_STOPPED, M_SYSCALL, P_STATUS_NAMES, PC_NAMES, PC_WAKEP2, STW_PCS, SUSPENDED_WAITS,
                         SYSCALL_PCS, THROWS, TIMER_WAITS, WAIT_CHAN, WAIT_NAMES, WAIT_NET, WAIT_NETREADY,
                         _Gdead, _Gidle, _Grunnable, _Grunning, _Gsyscall, _Gwaiting, _Pgcstop, _Pidle, _Prunning,
                         _Psyscall)

from .memo import TextNames, isin, memoised, memoised_parts, positions

# The name tables the sentences use (symbolic keys are formatted, not looked up: memo.TextNames).
G_STATUS_NAMES, P_STATUS_NAMES, PC_NAMES, WAIT_NAMES = (TextNames(t) for t in (G_STATUS_NAMES, P_STATUS_NAMES,
                                                                                PC_NAMES, WAIT_NAMES))

WAKEP_CREDIT = (PC_WAKEP2,)  # wakep after its CAS, before startm hands the credit to the new M


def projected(name: str, doc: str, offsets: list, fn, parts=None) -> Invariant:
    """An Invariant whose verdict is fn(values at offsets), memoised; with
    `parts`, a conjunction: fn(values, i) checks part i, and the first part
    that fails gives the sentence (memo.memoised_parts)."""
    check = memoised(offsets, fn) if parts is None else memoised_parts(offsets, parts, fn)
    return Invariant(name, check, doc)


class _Fields:
    """Slices of a projection tuple, by field group."""

    def __init__(self):
        self.offsets: list[int] = []
        self.groups: dict[str, slice] = {}

    def add(self, group: str, offsets) -> None:
        offsets = list(offsets)
        self.groups[group] = slice(len(self.offsets), len(self.offsets) + len(offsets))
        self.offsets += offsets

    def split(self, vals) -> dict:
        return {g: vals[sl] for g, sl in self.groups.items()}


def _g_places(L):
    """Offsets holding a G reference, and their names."""
    where = []
    for p in range(L.np):
        where.append((L.p_runnext[p], f"P{p}.runnext"))
        where += [(o, f"P{p}.runq") for o in L.p_runq[p]]
    where += [(o, "sched.runq") for o in L.runq]
    where += [(L.m_curg[m], f"M{m}.curg") for m in range(L.nm)]
    where += [(L.m_gp[m], f"M{m} (in hand)") for m in range(L.nm)]
    return where


def _glist_offsets(L):
    """Every process's private-list bytes, process by process."""
    return [o for offs in L.glist_offsets for o in offs]


def _holders(L, bytes_, g: int) -> list:
    """The processes whose private list holds G g."""
    per = len(L.glist_offsets[0])
    return [L.proc_name(proc) for proc in range(L.nm + 1) if bytes_[proc * per + g // 8] >> (g % 8) & 1]


def make_no_lost_goroutines(mc):
    L = mc.L
    f = _Fields()
    f.add("refs", [o for o, _ in _g_places(L)])
    f.add("status", L.g_status)
    f.add("glists", _glist_offsets(L))

    def each_g(vals, g):
        v = f.split(vals)
        st = v["status"][g]
        if not isin(st, (_Gidle, _Gdead, _Gwaiting)) and (g + 1) not in v["refs"] and not _holders(L, v["glists"], g):
            return f"{g_name(g)} is {G_STATUS_NAMES[st]} but in no run queue, runnext, M or wait queue: it is lost"
        return None

    return projected("no_lost_goroutines",
                     "Every live G is somewhere the scheduler will find it: a run queue, runnext, an M "
                     "(running it, or holding it between findRunnable and execute or in goschedImpl before "
                     "globrunqput), or a wait queue (_Gwaiting).",
                     f.offsets, each_g, parts=range(L.ng))


def make_no_duplicated_goroutines(mc):
    L = mc.L
    where = _g_places(L)
    names = [n for _, n in where]
    curg = {o for o in L.m_curg}
    f = _Fields()
    f.add("refs", [o for o, _ in where])
    f.add("status", L.g_status)
    f.add("glists", _glist_offsets(L))
    f.add("wait", L.g_wait)
    suspended_ok = [o in curg for o, _ in where]  # a G stopping the world stays its M's curg

    def each_g(vals, g):
        v = f.split(vals)
        refs, st = v["refs"], v["status"][g]
        held = _holders(L, v["glists"], g)
        if held:
            if st != _Grunnable or refs.count(g + 1) or len(held) > 1:
                places = [names[i] for i in positions(refs, g + 1)] + [f"{p} (private list)" for p in held]
                return f"{g_name(g)} is {G_STATUS_NAMES[st]} and in {', '.join(places)}"
            return None
        n = refs.count(g + 1)
        if n == 0:
            return None
        if isin(st, (_Gidle, _Gdead, _Gwaiting)):
            i = refs.index(g + 1)
            if not (st == _Gwaiting and isin(v["wait"][g], SUSPENDED_WAITS) and suspended_ok[i] and n == 1):
                return f"{g_name(g)} is {G_STATUS_NAMES[st]} but still in {names[i]}"
        if n > 1:
            places = [names[i] for i in positions(refs, g + 1)]
            return f"{g_name(g)} is in {n} places at once ({', '.join(places)}): it would run twice"
        return None

    return projected("no_duplicated_goroutines",
                     "No G is in two places at once (two queues, a queue and an M, two Ms), and no dead, "
                     "parked or uncreated G is in a queue or on an M (but the goroutine stopping the world or "
                     "running forEachP waits on its own M: casGToWaitingForSuspendG).", f.offsets, each_g,
                     parts=range(L.ng))


def make_gomaxprocs_bound(mc):
    L = mc.L
    gomaxprocs = L.np
    modern = mc.config.protocol == "modern"
    f = _Fields()
    f.add("mp", L.m_p)
    f.add("status", L.g_status)
    if modern:
        f.add("pc", L.proc_pc[:L.nm])
        f.add("ret", L.proc_ret[:L.nm])

    def fn(vals):
        v = f.split(vals)
        holding = sum(1 for p in v["mp"] if p)
        if holding > gomaxprocs:
            return f"{holding} Ms hold a P but GOMAXPROCS is {gomaxprocs}"
        # modern: an M in a window without a P runs a _Grunning G that runs no Go code
        windows = sum(1 for mp, pc, ret in zip(v["mp"], v["pc"], v["ret"]) if not mp and no_p_window(pc, ret)) \
            if modern else 0
        running = v["status"].count(_Grunning) - windows
        if running > gomaxprocs:
            return f"{running} Gs are _Grunning but GOMAXPROCS is {gomaxprocs}"
        return None

    return projected("gomaxprocs_bound",
                     "At most GOMAXPROCS Ms hold a P and at most GOMAXPROCS Gs run Go code (_Grunning, but for the "
                     "modern protocol's documented _Grunning-without-P windows around a syscall).",
                     f.offsets, fn)


def no_p_window(pc: int, ret: int) -> bool:
    """The M is in one of the modern protocol's documented windows where its
    G is _Grunning without a P (entersyscallblock, whose handoffp returns to
    the status CAS; exitsyscall before it has a P again)."""
    return isin(pc, GRUNNING_NOP_PCS) or (isin(pc, HANDOFF_CALL_PCS) and ret == M_ENTERSYSCALLBLOCK_CAS)


def make_p_accounting(mc):
    L = mc.L
    f = _Fields()
    f.add("held", list(L.m_p) + list(L.m_nextp) + list(L.proc_hp))
    f.add("pidle", L.pidle)
    f.add("status", L.p_status)
    f.add("pm", L.p_m)
    f.add("sysmon", [L.proc_pc[L.sysmon]])
    sysmon_hp = len(L.m_p) + len(L.m_nextp) + L.sysmon  # sysmon's hp within "held"
    holders = ([f"M{m}.p" for m in range(L.nm)] + [f"M{m}.nextp" for m in range(L.nm)]
               + [f"{L.proc_name(i)}.hp (a handoff)" for i in range(L.nm + 1)])

    def each_p(vals, p):
        v = f.split(vals)
        held = v["held"]
        if isin(v["sysmon"][0], HP_LOOKS_PCS):  # the P retake looks at (classic: before its CAS; modern: until takeP)
            held = held[:sysmon_hp] + (0,) + held[sysmon_hp + 1:]
        st = v["status"][p]
        # A _Pgcstop P belongs to the M that stopped the world: its own P
        # (still its m.p) or one stopped for it (owned by no M).
        stopped = st == _Pgcstop and not v["pm"][p]
        n = held.count(p + 1) + v["pidle"].count(p + 1) + (st == _Psyscall) + stopped
        if n == 0:
            return (f"P{p} ({P_STATUS_NAMES[st]}) is owned by no M, not on sched.pidle, not in a syscall, "
                    f"not stopped for the world and not being handed off: it leaked")
        if n > 1:
            places = ([holders[i] for i in positions(held, p + 1)]
                      + ["sched.pidle"] * len(positions(v["pidle"], p + 1))
                      + ["_Psyscall"] * (st == _Psyscall) + ["_Pgcstop, stopped for the world"] * stopped)
            return f"P{p} ({P_STATUS_NAMES[st]}) is in {n} places at once: {', '.join(places)}"
        return None

    return projected("p_accounting",
                     "There are exactly GOMAXPROCS Ps and each is in exactly one place: owned by an M (m.p), on "
                     "sched.pidle, being handed to an M (m.nextp, or held by handoffp/wakep), in _Psyscall, or "
                     "stopped for the world (_Pgcstop, which belongs to the M that stopped it).",
                     f.offsets, each_p, parts=range(L.np))


def make_pm_bijection(mc):
    L = mc.L
    f = _Fields()
    f.add("mp", L.m_p)
    f.add("pm", L.p_m)
    f.add("status", L.p_status)
    f.add("pc", L.proc_pc[:L.nm])

    def fn(vals):
        v = f.split(vals)
        mp, pm = v["mp"], v["pm"]
        for m, p in enumerate(mp):
            if p and pm[p - 1] != m + 1:
                return f"M{m}.p is P{p - 1} but P{p - 1}.m is {_ref('M', pm[p - 1])}"
        for p, (st, m) in enumerate(zip(v["status"], pm)):
            if m and mp[m - 1] != p + 1:
                return f"P{p}.m is M{m - 1} but M{m - 1}.p is {_ref('P', mp[m - 1])}"
            if st == _Pgcstop and m:
                if not isin(v["pc"][m - 1], STW_PCS):
                    return (f"P{p} is _Pgcstop and owned by M{m - 1}, which is not stopping the world "
                            f"(it is at {PC_NAMES[v['pc'][m - 1]]})")
            elif (st == _Prunning) != bool(m):
                return f"P{p} is {P_STATUS_NAMES[st]} with m={_ref('M', m)}: exactly the _Prunning Ps have an owner"
        return None

    return projected("pm_bijection",
                     "P/M ownership is a partial bijection: m.p == P iff P.m == M, and a P has an owner exactly "
                     "when it is _Prunning, or _Pgcstop as the P of the M stopping the world.", f.offsets, fn)


def make_gsyscall_on_syscall_m(mc):
    L = mc.L
    f = _Fields()
    f.add("status", L.g_status)
    f.add("curg", L.m_curg)
    f.add("pc", L.proc_pc[:L.nm])
    f.add("ret", L.proc_ret[:L.nm])

    def fn(vals):
        v = f.split(vals)
        cur, pc, ret, status = v["curg"], v["pc"], v["ret"], v["status"]
        in_syscall = [isin(pc[m], SYSCALL_PCS) or (isin(pc[m], HANDOFF_CALL_PCS) and ret[m] == M_SYSCALL) for m in range(L.nm)]
        for m in range(L.nm):
            if in_syscall[m] and (not cur[m] or status[cur[m] - 1] != _Gsyscall):
                return f"M{m} is in a syscall but its curg {_ref('G', cur[m])} is not _Gsyscall"
        for g, st in enumerate(status):
            if st != _Gsyscall:
                continue
            if (g + 1) not in cur:
                return f"{g_name(g)} is _Gsyscall but is no M's curg"
            m = cur.index(g + 1)
            if not in_syscall[m]:
                return f"{g_name(g)} is _Gsyscall but its M{m} is not in a syscall (it is at {PC_NAMES[pc[m]]})"
        return None

    return projected("gsyscall_on_syscall_m",
                     "A _Gsyscall G is the curg of an M inside a system call, and such an M's curg is _Gsyscall.",
                     f.offsets, fn)


def make_counters_consistent(mc):
    L = mc.L
    f = _Fields()
    f.add("pidle", L.pidle)
    f.add("midle", L.midle)
    f.add("pc", L.proc_pc)
    f.add("spinning", L.m_spinning)
    f.add("mult", [] if L.bounded else L.m_mult)
    f.add("lockedg", L.m_lockedg)
    f.add("nextp", L.m_nextp)
    f.add("status", L.p_status)
    f.add("safepoint", L.p_runSafePointFn)
    f.add("stw", [L.gcwaiting, L.stopwait, L.safePointWait])
    f.add("sched", [L.npidle, L.nmspinning, L.netpolling, L.nmidlelocked] + ([L.nmidle] if L.bounded else []))

    def npidle(v):
        npidle_v, npidle = v["sched"][0], sum(1 for p in v["pidle"] if p)
        if npidle_v != npidle:
            return f"sched.npidle is {npidle_v} but {npidle} Ps are on sched.pidle"
        return None

    def nmidle(v):
        if not L.bounded:
            return None
        idle_ms = [m - 1 for m in v["midle"] if m]
        if v["sched"][4] != len(idle_ms):
            return f"sched.nmidle is {v['sched'][4]} but {len(idle_ms)} Ms are on sched.midle"
        parked = [m for m in range(L.nm) if v["pc"][m] == M_IDLE]
        if sorted(idle_ms) != parked:
            return f"the Ms on sched.midle ({_ms(idle_ms)}) are not the parked Ms ({_ms(parked)})"
        return None

    def multiplicity(v):
        # How many threads each M slot stands for (unbounded threads: a count;
        # spinning Ms and the M in netpoll are always counted exactly).
        return v["mult"] or (1,) * L.nm

    def nmspinning(v):
        pcs, mult = v["pc"], multiplicity(v)
        credits = sum(mult[m] for m in range(L.nm) if isin(pcs[m], WAKEP_CREDIT)) + isin(pcs[L.nm], WAKEP_CREDIT)
        # A class of "many" spinning Ms is counted implicitly, outside the field.
        spinning = sum(mult[m] for m in range(L.nm) if v["spinning"][m] and mult[m] != OMEGA)
        if v["sched"][1] != spinning + credits:
            return (f"sched.nmspinning is {v['sched'][1]} but {spinning} Ms are spinning and "
                    f"{credits} wakep calls hold a credit")
        return None

    def netpolling(v):
        mult = multiplicity(v)
        polling = sum(mult[m] for m in range(L.nm) if v["pc"][m] == M_NETPOLL)
        if v["sched"][2] != polling:
            return f"sched.lastpoll says {v['sched'][2]} Ms are in netpoll but {polling} are"
        return None

    def nmidlelocked(v):
        # Locked Ms parked in stoplockedm count +1; one that startlockedm has
        # already handed a P (m.nextp) before it parked counts -1 until it does.
        pcs, lockedg, nextp, locked = v["pc"], v["lockedg"], v["nextp"], v["sched"][3]
        parked = sum(1 for m in range(L.nm) if pcs[m] == M_LOCKEDIDLE and not nextp[m])
        woken_early = sum(1 for m in range(L.nm) if lockedg[m] and nextp[m] and pcs[m] != M_LOCKEDIDLE)
        sysmon = locked - NMIDLELOCKED_BIAS - parked + woken_early
        if sysmon not in (0, -1):
            return (f"sched.nmidlelocked is {locked - NMIDLELOCKED_BIAS} but {parked} locked Ms are parked in "
                    f"stoplockedm and {woken_early} were handed a P before they parked (sysmon may add -1)")
        return None

    def stopwait(v):
        gcwaiting, stopwait = v["stw"][0], signed(v["stw"][1])
        running = sum(1 for st in v["status"] if st != _Pgcstop)
        if stopwait != (running if gcwaiting else 0):
            return (f"sched.stopwait is {stopwait} but {running if gcwaiting else 0} Ps are still to stop "
                    f"for the world (gcwaiting={gcwaiting})")
        return None

    def safepointwait(v):
        safepointwait, owing = signed(v["stw"][2]), sum(1 for x in v["safepoint"] if x)
        if safepointwait != owing:
            return f"sched.safePointWait is {safepointwait} but {owing} Ps owe the safe-point function"
        return None

    # One conjunct per counter, checked in this order (memo.memoised_parts).
    counters = (npidle, nmidle, nmspinning, netpolling, nmidlelocked, stopwait, safepointwait)

    def each_counter(vals, i):
        return counters[i](f.split(vals))

    return projected("counters_consistent",
                     "sched's counters match what they count: npidle the idle-P list, nmidle the idle-M list "
                     "(whose Ms are exactly the parked ones; with --threads N), nmspinning the spinning Ms plus "
                     "wakep calls between their CAS and startm, lastpoll the M in netpoll, nmidlelocked the "
                     "locked Ms parked in stoplockedm (less those startlockedm woke before they parked, and "
                     "sysmon's -1 while it acts), stopwait the Ps still to stop while the world stops, "
                     "safePointWait the Ps that owe forEachP's safe-point function.", f.offsets, each_counter,
                     parts=range(7))


def make_idle_p_empty_runq(mc):
    L = mc.L
    f = _Fields()
    f.add("pidle", L.pidle)
    f.add("runnext", L.p_runnext)
    f.add("head", [L.p_runq[p][0] for p in range(L.np)])
    f.add("status", L.p_status)
    f.add("pm", L.p_m)

    def fn(vals):
        v = f.split(vals)
        for ref in v["pidle"]:
            if not ref:
                break
            p = ref - 1
            if v["runnext"][p] or v["head"][p]:
                return f"P{p} is on sched.pidle with Gs in its run queue: nobody will run them"
            if v["status"][p] != _Pidle or v["pm"][p]:
                return f"P{p} is on sched.pidle but is {P_STATUS_NAMES[v['status'][p]]} with m={_ref('M', v['pm'][p])}"
        return None

    return projected("idle_p_empty_runq",
                     "A P on the idle list is _Pidle with no M and an empty run queue (pidleput's rule).",
                     f.offsets, fn)


def make_running_g_has_p(mc):
    L = mc.L
    f = _Fields()
    f.add("status", L.g_status)
    f.add("curg", L.m_curg)
    f.add("mp", L.m_p)
    f.add("pstatus", L.p_status)
    f.add("pm", L.p_m)
    f.add("pc", L.proc_pc[:L.nm])
    modern = mc.config.protocol == "modern"
    if modern:
        f.add("ret", L.proc_ret[:L.nm])

    def each_g(vals, g):  # one conjunct per G (memo.memoised_parts)
        v = f.split(vals)
        cur, mp = v["curg"], v["mp"]
        if v["status"][g] != _Grunning:
            return None
        if (g + 1) not in cur:
            return f"{g_name(g)} is _Grunning but is no M's curg"
        m = cur.index(g + 1)
        if modern and not mp[m] and no_p_window(v["pc"][m], v["ret"][m]):
            return None
        p = mp[m] - 1
        if p < 0:
            return f"{g_name(g)} is _Grunning on M{m}, which has no P (m.p is nil)"
        # stopTheWorldWithSema leaves the stopper's own P _Pgcstop while
        # its goroutine runs on with the world stopped (proc.go:1654).
        want = _Pgcstop if isin(v["pc"][m], STW_PCS) else _Prunning
        if v["pstatus"][p] != want or v["pm"][p] != m + 1:
            return (f"{g_name(g)} is _Grunning on M{m} with P{p}, but P{p} is {P_STATUS_NAMES[v['pstatus'][p]]} "
                    f"with m={_ref('M', v['pm'][p])}")
        return None

    return projected("running_g_has_p",
                     "A _Grunning G is the curg of an M that owns a _Prunning P (P.m is that M), or a _Pgcstop P "
                     "while that M has the world stopped: Go code runs only on a P. The classic protocol has no "
                     "window where it does not; the modern one has exactly the documented windows of "
                     "entersyscallblock (handoffp before the status CAS), reentersyscall after entersyscallHandleGCWait "
                     "and exitsyscall (the CAS before a P).",
                     f.offsets, each_g, parts=range(L.ng))


def make_locked_g_runs_on_its_m(mc):
    L = mc.L
    f = _Fields()
    f.add("lockedm", L.g_lockedm)
    f.add("lockedg", L.m_lockedg)
    f.add("curg", L.m_curg)

    def fn(vals):
        v = f.split(vals)
        lockedm, lockedg, curg = v["lockedm"], v["lockedg"], v["curg"]
        for g, m in enumerate(lockedm):
            if m and lockedg[m - 1] != g + 1:
                return f"{g_name(g)}.lockedm is M{m - 1} but M{m - 1}.lockedg is {_ref('G', lockedg[m - 1])}"
        for m, g in enumerate(lockedg):
            if g and lockedm[g - 1] != m + 1:
                return f"M{m}.lockedg is {g_name(g - 1)} but {g_name(g - 1)}.lockedm is {_ref('M', lockedm[g - 1])}"
            if g and curg[m] and curg[m] != g:
                return f"M{m} is locked to {g_name(g - 1)} but runs {g_name(curg[m] - 1)}"
        for m, c in enumerate(curg):
            if c and lockedm[c - 1] and lockedm[c - 1] != m + 1:
                return f"{g_name(c - 1)} is locked to M{lockedm[c - 1] - 1} but runs on M{m}"
        return None

    return projected("locked_g_runs_on_its_m",
                     "LockOSThread holds: g.lockedm == M iff M.lockedg == g, a locked G runs only on its M, and "
                     "a locked M runs only its G.", f.offsets, fn)


def make_world_stopped(mc):
    L = mc.L
    f = _Fields()
    f.add("pc", L.proc_pc[:L.nm])
    f.add("curg", L.m_curg)
    f.add("gstatus", L.g_status)
    f.add("pstatus", L.p_status)
    modern = mc.config.protocol == "modern"
    if modern:
        f.add("mp", L.m_p)
        f.add("ret", L.proc_ret[:L.nm])

    def fn(vals):
        v = f.split(vals)
        stoppers = [m for m, pc in enumerate(v["pc"]) if pc == M_STW_STOPPED]
        if not stoppers:
            return None
        m = stoppers[0]
        # modern: a G in a documented _Grunning-without-P window runs no Go code
        windows = [v["curg"][m2] for m2, (pc, ret) in enumerate(zip(v["pc"], v["ret"]))
                   if not v["mp"][m2] and no_p_window(pc, ret)] if modern else []
        for p, st in enumerate(v["pstatus"]):
            if st != _Pgcstop:
                return f"M{m} has stopped the world but P{p} is {P_STATUS_NAMES[st]}"
        for g, st in enumerate(v["gstatus"]):
            if st == _Grunning and v["curg"][m] != g + 1 and g + 1 not in windows:
                return f"M{m} has stopped the world but {g_name(g)} is _Grunning"
        return None

    return projected("world_stopped",
                     "While the world is stopped (stopTheWorldWithSema returned), every P is _Pgcstop and no "
                     "goroutine but the stopper's runs (modern: a G in a _Grunning-without-P window of a syscall "
                     "runs no Go code).", f.offsets, fn)


def make_parked_g_has_a_waker(mc):
    L = mc.L
    programs = mc.config.workload
    f = _Fields()
    f.add("status", L.g_status)
    f.add("wait", L.g_wait)
    f.add("pc", L.g_pc)
    f.add("throw", [L.throw])

    def fn(vals):
        v = f.split(vals)
        if v["throw"][0] == FATAL_DEADLOCK:
            return None  # the program deadlocked, and the runtime said so
        status, pcs = v["status"], v["pc"]
        for g, st in enumerate(status):
            if st != _Gwaiting:
                continue
            wait = v["wait"][g]
            if isin(wait, (WAIT_NET, WAIT_NETREADY)):
                continue  # the netpoller will return it
            if isin(wait, SUSPENDED_WAITS):
                continue  # stopping the world or in forEachP: its own M resumes it (world_stop_finishes)
            if isin(wait, TIMER_WAITS):
                continue  # its timer will fire (the clock) and a timer check ready it
            if wait != WAIT_CHAN:
                return f"{g_name(g)} is _Gwaiting on nothing: no channel, netpoller or timer can wake it"
            if not has_live_waker(programs, status, pcs, g):
                return f"{g_name(g)} is parked on a channel that no live goroutine can still send to: it sleeps forever"
        return None

    return projected("parked_g_has_a_waker",
                     "Every parked G waits on something that can wake it: the netpoller, or a channel some live "
                     "goroutine can still send to (unless the program deadlocked and checkdead said so); a G "
                     "stopping the world or running forEachP waits on its own M.",
                     f.offsets, fn)


def make_deadlock_report_is_genuine(mc):
    L = mc.L
    f = _Fields()
    f.add("status", L.g_status)
    f.add("wait", L.g_wait)
    f.add("throw", [L.throw])

    def fn(vals):
        v = f.split(vals)
        if v["throw"][0] != FATAL_DEADLOCK:
            return None
        for g, st in enumerate(v["status"]):
            if isin(st, (_Gidle, _Gdead)):
                continue
            if st != _Gwaiting or v["wait"][g] != WAIT_CHAN:
                return (f"checkdead reported \"all goroutines are asleep\" but {g_name(g)} is {G_STATUS_NAMES[st]}"
                        f"{' (' + WAIT_NAMES[v['wait'][g]] + ')' if st == _Gwaiting else ''}: not a program deadlock")
        return None

    return projected("deadlock_report_is_genuine",
                     "checkdead reports \"all goroutines are asleep - deadlock!\" only when every live G is parked "
                     "on a channel: a goroutine waiting on the network or runnable is not asleep.", f.offsets, fn)


def make_psyscall_p_has_syscall_m(mc):
    L = mc.L
    f = _Fields()
    f.add("pstatus", L.p_status)
    f.add("oldp", L.m_oldp)
    f.add("pc", L.proc_pc[:L.nm])

    def fn(vals):
        v = f.split(vals)
        for p, st in enumerate(v["pstatus"]):
            if st != _Psyscall:
                continue
            if not any(o == p + 1 and isin(pc, SYSCALL_PCS) for o, pc in zip(v["oldp"], v["pc"])):
                return f"P{p} is _Psyscall but is the m.oldp of no M in a syscall: nobody will take it back"
        return None

    return projected("psyscall_p_has_syscall_m",
                     "Every _Psyscall P is the m.oldp of an M inside a system call (the classic protocol).",
                     f.offsets, fn)


def make_no_runtime_throw(mc):
    L = mc.L

    def fn(vals):
        code = vals[0]
        if code and code not in FATAL_NAMES:
            return f"the runtime would throw: \"{THROWS[code]}\""
        return None

    return projected("no_runtime_throw",
                     "The runtime's own assertions hold: no throw(\"...\") such as \"stopm spinning\" or "
                     "\"checkdead: runnable g\" is reached.", [L.throw], fn)


def _ref(prefix: str, v: int) -> str:
    if getattr(v, "isin", None) is not None:  # symbolic: text only, no fork (memo.TextNames)
        return f"{prefix}:{v}"
    if not v:
        return "nil"
    return g_name(v - 1) if prefix == "G" else f"{prefix}{v - 1}"


def _ms(ms) -> str:
    return " ".join(f"M{m}" for m in ms) or "none"


MAKERS = (
    make_no_lost_goroutines, make_no_duplicated_goroutines, make_gomaxprocs_bound, make_p_accounting,
    make_pm_bijection, make_gsyscall_on_syscall_m, make_running_g_has_p, make_psyscall_p_has_syscall_m,
    make_parked_g_has_a_waker, make_deadlock_report_is_genuine, make_counters_consistent, make_idle_p_empty_runq,
    make_locked_g_runs_on_its_m, make_world_stopped, make_no_runtime_throw,
)


CLASSIC_ONLY = (make_psyscall_p_has_syscall_m,)


def invariants(mc) -> list[Invariant]:
    """All safety invariants of mc's protocol, in the order they are checked."""
    if mc.config.protocol == "modern":
        from .invariants_modern import MAKERS as MODERN
        makers = [m for m in MAKERS if m not in CLASSIC_ONLY]
        return [make(mc) for make in makers[:-1] + list(MODERN) + makers[-1:]]
    return [make(mc) for make in MAKERS]
