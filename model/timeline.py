"""A saved trace as a timeline: one lane per P and per thread, what each
runs at every step, and the arrows where one thread acts on another.

Reads only a trace file's public vocabulary (explorer/trace.py:to_json):
each step's field dict and action text, with entities recognised by name
(`G3`, `P0`, `M2`, `sysmon`, `env`, `sched.*`). What a status means is one
table each (G_KINDS, P_KINDS, M_PC_KINDS), so a renamed or new field is
ignored and an unknown status is drawn as `other` with its name: a trace
from an older or newer model still draws.

The result is the generic description explorer/view.py renders:

    version   1
    title, subtitle                      str
    steps     the number of states (step 0 is the initial state)
    entities  ["G1", "G2", ...]         coloured the same on every lane
    lanes     [{id, label, group ("P" | "M" | "sysmon" | "env")}]
    spans     [{lane, from, to, kind, entity (or None), label, title}]
              from/to: inclusive step indices; consecutive equal steps merged
    arrows    [{step, from, to, kind, label}]   lane ids
    queued    [{lane, step, entities}]   what waits on a lane (a P's runnext and run queue)
    marker    {kind ("violation" | "witness" | "cycle" | "stutter" | "end"),
               property, title, message, note, step, loop_start}
    legend    {spans: [{kind, label, style}], arrows: [{kind, label, style}]}
    details   [{step, text, action, actor, models [str], changed [[field, before, after]],
               lines [schedtrace and scheddetail lines], side [{title, rows [{name, items, changed}]}]}]
"""

import re

VERSION = 1

FIELD = re.compile(r"^(G\d+|P\d+|M\d+|sysmon|sched)\.(.+)$")
ENTITY = re.compile(r"^(G\d+|P\d+|M\d+|sysmon|env)$")
G_NAME = re.compile(r"\bG\d+\b")
P_NAME = re.compile(r"\bP\d+\b")
CALL = re.compile(r"^\s*([\w.]+)\s*\((.*)\)\s*$")
NIL = {"", "nil", "-", "none", "None"}

# What a G's status says about the thread running it (runtime2.go). Scan-bit
# statuses (`_Gscan|_Gsyscall`, `_Gscansyscall`) are the base status plus a
# flag: see g_state.
G_KINDS = {
    "_Grunning": "running", "_Gsyscall": "syscall", "_Grunnable": "runnable",
    "_Gwaiting": "waiting", "_Gpreempted": "waiting", "_Gdead": "dead", "_Gidle": "dead",
    "_Gcopystack": "running", "_Gleaked": "dead",
}
# A P's status, before its owner is looked at (runtime2.go).
P_KINDS = {"_Prunning": "owned", "_Psyscall": "psyscall", "_Pidle": "idle", "_Pgcstop": "gcstop", "_Pdead": "dead"}
# An M with no G to run: where its program counter says it is.
M_PC_KINDS = {"not created": None, "stopm (idle)": "parked", "netpoll(block)": "netpoll"}
SYSMON_IDLE_PCS = {"sysmon loop"}
SYSCALL_PCS = {"in syscall"}  # an M blocked in the kernel (other pcs with a _Gsyscall curg: on its way out)

# Span kinds, in legend order, with the generic style explorer/view.py draws.
SPAN_KINDS = [
    ("running", "runs G (M lane: its curg; P lane: the G its M runs)", "entity"),
    ("syscall", "M in a system call for G", "entity-hatched"),
    ("syscall_scan", "in a system call, its scan bit held by another thread", "entity-hatched-bold"),
    ("psyscall", "P kept for G's system call (_Psyscall, or its M in a syscall)", "entity-outline"),
    ("spinning", "M spinning: looking for work (m.spinning)", "dashed"),
    ("scheduler", "in scheduler code (label: where)", "soft"),
    ("handoff", "P between owners: retake/handoffp in progress, or an M's nextp", "alert"),
    ("idle", "P on sched.pidle", "muted"),
    ("parked", "M parked on sched.midle (stopm)", "muted"),
    ("netpoll", "M blocked in netpoll", "cool"),
    ("sysmon", "sysmon's loop", "muted"),
    ("gcstop", "P stopped (_Pgcstop)", "dark"),
    ("other", "a status this viewer does not know (label: the status)", "unknown"),
]
ARROW_KINDS = [
    ("retake", "sysmon retakes a P from a syscall", "takeover"),
    ("preempt", "sysmon asks a G to stop (preemptone)", "takeover"),
    ("handoff", "handoffp starts an M for the P", "transfer"),
    ("wakeup", "startm wakes or creates an M with a P", "wake"),
    ("steal", "a P's Gs stolen into another P", "transfer"),
    ("ready", "a G made runnable into a P's queue", "wake"),
    ("return", "the kernel returns from a system call", "return"),
    ("netpoll", "the netpoller returns a G whose fd is ready", "return"),
]
# Steps where the environment hands a syscall back to its thread.
SYSCALL_RETURNS = {"exitsyscall", "exitsyscall_lostp"}


def _num(name: str) -> tuple:
    m = re.match(r"^([A-Za-z]+)(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def _ref(value) -> str | None:
    """`M1` -> "M1"; `nil`, `-`, missing -> None."""
    if not isinstance(value, str) or value.strip() in NIL:
        return None
    return value.strip()


def _list(value) -> list[str]:
    """`[G1 G2]` (or `G1,G2`) -> ["G1", "G2"]; `[]`, `nil` -> []."""
    if not isinstance(value, str):
        return []
    text = value.strip().strip("[]")
    return [t for t in re.split(r"[\s,]+", text) if t and t not in NIL]


def g_state(status) -> tuple[str, bool]:
    """(kind, scan bit held) for a G status; unknown statuses are "other"."""
    if not isinstance(status, str):
        return "other", False
    s = status.strip()
    scan = s.startswith("_Gscan")
    if s.startswith("_Gscan|"):
        s = s[len("_Gscan|"):]
    elif scan:
        s = "_G" + s[len("_Gscan"):]
    return G_KINDS.get(s, "other"), scan


class State:
    """One step's fields, grouped by entity."""

    def __init__(self, fields: dict):
        self.fields = fields if isinstance(fields, dict) else {}
        self.by: dict[str, dict] = {}
        for key, value in self.fields.items():
            m = FIELD.match(str(key))
            if m:
                self.by.setdefault(m.group(1), {})[m.group(2)] = value if isinstance(value, str) else str(value)

    def get(self, entity: str, field: str):
        return self.by.get(entity, {}).get(field)

    def names(self, pattern) -> list[str]:
        return sorted((n for n in self.by if re.match(pattern, n)), key=_num)

    def m_exists(self, m: str) -> bool:
        pc = self.get(m, "pc")
        if pc is None:
            return bool(self.by.get(m))
        return M_PC_KINDS.get(pc, "") is not None

    def holder_of(self, p: str, field: str) -> str | None:
        """The M (or sysmon) whose `field` (p, oldp, nextp, hp) names P."""
        for name in self.names(r"^(M\d+|sysmon)$"):
            if _ref(self.get(name, field)) == p:
                return name
        return None


def m_span(st: State, m: str):
    """(kind, entity, label, note) of an M at one state, or None if it does not exist."""
    if not st.m_exists(m):
        return None
    pc = st.get(m, "pc") or ""
    g = _ref(st.get(m, "curg"))
    if g:
        kind, scan = g_state(st.get(g, "status"))
        if kind == "syscall":  # after the kernel returns, the M is still in exitsyscall's code: say where
            where = "syscall" if pc in SYSCALL_PCS or not pc else pc
            return ("syscall_scan" if scan else "syscall"), g, f"{g} {where}", pc
        if kind == "running":
            no_p = st.get(m, "p") is not None and not _ref(st.get(m, "p"))  # e.g. entersyscallblock's window
            return "running", g, g + (" (no P)" if no_p else ""), pc
    if st.get(m, "spinning") == "true":
        nextp = _ref(st.get(m, "nextp"))
        return "spinning", None, "spinning" + (f" (nextp {nextp})" if nextp else ""), pc
    kind = M_PC_KINDS.get(pc)
    if kind is None and m in _list(st.get("sched", "midle")):
        kind = "parked"
    if kind:
        return kind, None, {"parked": "parked", "netpoll": "netpoll"}.get(kind, pc), pc
    return "scheduler", g, (pc or "?") + (f" {g}" if g else ""), pc


def p_span(st: State, p: str):
    """(kind, entity, label, note) of a P at one state, or None without a status."""
    status = st.get(p, "status")
    if status is None:
        return None
    base = P_KINDS.get(status)
    if base == "owned":
        owner = _ref(st.get(p, "m")) or st.holder_of(p, "p")
        got = m_span(st, owner) if owner else None
        if got is None:
            return "other", None, f"{status}, no m", status
        kind, g, _, _ = got
        if kind == "running":
            return "running", g, f"{g} on {owner}", status
        if kind in ("syscall", "syscall_scan"):
            return "psyscall", g, f"{g} syscall on {owner}", status
        if kind == "spinning":
            return "spinning", None, f"{owner} spinning", status
        return "scheduler", None, owner, status
    if base == "psyscall":
        holder = st.holder_of(p, "oldp") or _ref(st.get(p, "m"))
        g = _ref(st.get(holder, "curg")) if holder else None
        return "psyscall", g, f"{g or '?'} {status}", status
    if base == "idle":
        idle = st.get("sched", "pidle")
        if idle is None or p in _list(idle):
            return "idle", None, "idle", status
        taker = st.holder_of(p, "nextp")
        if taker:
            return "handoff", None, f"nextp of {taker}", status
        handing = st.holder_of(p, "hp")
        if handing:
            return "handoff", None, f"handoffp ({handing})", status
        return "other", None, f"{status}, not on pidle", status
    if base is None:
        return "other", None, status, status
    return base, None, status, status


def sysmon_span(st: State):
    if "sysmon" not in st.by:
        return None
    pc = st.get("sysmon", "pc") or ""
    hp = _ref(st.get("sysmon", "hp"))
    if hp:
        return "handoff", None, f"handoffp {hp}", pc
    if pc in SYSMON_IDLE_PCS:
        return "sysmon", None, pc, pc
    return "scheduler", None, pc or "?", pc


def _call(step: dict) -> tuple[str, list[str]]:
    """(action, argument names) from the step's text, e.g. `retake(sysmon, P0)`."""
    text = step.get("text")
    m = CALL.match(text) if isinstance(text, str) else None
    if m:
        return m.group(1), [a.strip() for a in m.group(2).split(",") if a.strip()]
    label = step.get("label")
    action = step.get("action") or (label[0] if isinstance(label, list) and label else "")
    return str(action or ""), []


def _models(step: dict) -> list[str]:
    models = step.get("models")
    if isinstance(models, str):
        return [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, list):
        return [str(m) for m in models]
    return []


def _lines(step: dict) -> list[str]:
    """The schedtrace line and scheddetail lines, if the trace carries them."""
    out = []
    for key in ("view", "schedtrace", "scheddetail"):
        value = step.get(key)
        if isinstance(value, str):
            out += value.splitlines()
        elif isinstance(value, list):
            out += [str(v) for v in value]
    return out


def _arrows(i: int, action: str, args: list[str], actor, before: State, after: State, lanes: set) -> list[dict]:
    out = []

    def add(src, dst, kind, label):
        if src in lanes and dst in lanes and src != dst:
            out.append({"step": i, "from": src, "to": dst, "kind": kind, "label": label})

    ps = [a for a in args if P_NAME.fullmatch(a)]
    gs = [a for a in args if G_NAME.fullmatch(a)]
    if action.startswith("retake"):
        for p in ps:
            add(actor, p, "retake", f"retake {p}")
    if action.startswith("preempt"):
        for g in gs:
            running_on = next((m for m in after.names(r"^M\d+$") if _ref(after.get(m, "curg")) == g), None)
            add(actor, running_on, "preempt", f"preempt {g}")
    if "steal" in action and ps:
        thief = ps[0] if len(ps) > 1 else _ref(after.get(actor, "p")) if actor else None
        victim = ps[1] if len(ps) > 1 else ps[0]
        add(victim, thief, "steal", "steal " + " ".join(gs))
    # startm: another thread now holds a P in m.nextp, so it was woken or created for it.
    for m in after.names(r"^M\d+$"):
        p = _ref(after.get(m, "nextp"))
        if m != actor and p and p != _ref(before.get(m, "nextp")):
            add(actor, m, "handoff" if "handoff" in action else "wakeup", f"startm {p}")
    if action in SYSCALL_RETURNS:
        add("env", actor, "return", "syscall returns")
    if "netpoll" in action:  # the netpoller hands back Gs whose fd became ready
        for g in after.names(r"^G\d+$"):
            if g_state(before.get(g, "status"))[0] == "waiting" != g_state(after.get(g, "status"))[0]:
                add("env", actor, "netpoll", f"netpoll {g}")
    # A G that became runnable at this step, into a P's runnext or run queue.
    if "steal" not in action:
        for g in after.names(r"^G\d+$"):
            if g_state(after.get(g, "status"))[0] == "runnable" != g_state(before.get(g, "status"))[0]:
                for p in after.names(r"^P\d+$"):
                    if g == _ref(after.get(p, "runnext")) or g in _list(after.get(p, "runq")):
                        add(actor, p, "ready", f"{g} runnable")
    return out


def _queued(st: State, p: str) -> list[str]:
    """The Gs waiting on P: runnext first (it runs next), then the run queue in order."""
    nxt = _ref(st.get(p, "runnext"))
    return ([nxt] if nxt else []) + _list(st.get(p, "runq"))


def _side(st: State, changed: set) -> list[dict]:
    def row(name, items, fields):
        return {"name": name, "items": items, "changed": any(f in changed for f in fields)}

    queues = [row("global runq", _list(st.get("sched", "runq")), ["sched.runq"])]
    for p in st.names(r"^P\d+$"):
        nxt = _ref(st.get(p, "runnext"))
        queues.append(row(f"{p} runnext", [nxt] if nxt else [], [f"{p}.runnext"]))
        queues.append(row(f"{p} runq", _list(st.get(p, "runq")), [f"{p}.runq"]))
    idle = [row("idle Ps (sched.pidle)", _list(st.get("sched", "pidle")), ["sched.pidle"]),
            row("idle Ms (sched.midle)", _list(st.get("sched", "midle")), ["sched.midle"])]
    counters = [row(f"sched.{k}", [v], [f"sched.{k}"]) for k, v in st.by.get("sched", {}).items()
                if k not in ("runq", "pidle", "midle") and not v.strip().startswith("[")]
    goroutines = []
    for g in st.names(r"^G\d+$"):
        wait = _ref(st.get(g, "wait"))
        items = [st.get(g, "status") or "?"] + ([wait] if wait else [])
        goroutines.append(row(g, items, [f"{g}.status", f"{g}.wait"]))
    threads = [row(m, [st.get(m, "pc") or "?"], [f"{m}.pc"]) for m in st.names(r"^(M\d+|sysmon)$") if st.m_exists(m)]
    return [{"title": "Run queues", "rows": queues}, {"title": "Idle lists", "rows": idle},
            {"title": "Goroutines", "rows": goroutines}, {"title": "Threads", "rows": threads},
            {"title": "Counters", "rows": counters}]


def _merge(lane: str, per_step: list) -> list[dict]:
    spans = []
    for i, got in enumerate(per_step):
        if got is None:
            continue
        kind, entity, label, note = got
        last = spans[-1] if spans else None
        if last and last["to"] == i - 1 and (last["kind"], last["entity"], last["label"]) == (kind, entity, label):
            last["to"] = i
            continue
        spans.append({"lane": lane, "from": i, "to": i, "kind": kind, "entity": entity, "label": label,
                      "title": f"{lane}: {label}" + (f" ({note})" if note and note not in label else "")})
    for s in spans:
        s["title"] += f", step {s['from']}" + (f"-{s['to']}" if s["to"] != s["from"] else "")
    return spans


def _marker(data: dict, last: int) -> dict:
    prop, kind = str(data.get("property") or ""), data.get("kind")
    loop = data.get("loop_start")
    loop = loop if isinstance(loop, int) and not isinstance(loop, bool) and 0 <= loop <= last else None
    marker = {"property": prop, "message": str(data.get("message") or ""), "step": last, "loop_start": loop,
              "note": ""}
    if kind == "witness":
        marker.update(kind="witness", title=f"{prop} reached")
    elif loop is not None and loop < last:
        marker.update(kind="cycle", title=f"{prop} violated",
                      note=f"steps {loop} to {last} repeat forever (step {last} is step {loop} again)")
    elif loop is not None:
        marker.update(kind="stutter", title=f"{prop} violated", note=f"it stays at step {last} forever")
    elif prop:
        marker.update(kind="violation", title=f"{prop} violated")
    else:
        marker.update(kind="end", title="end of the trace")
    return marker


def _subtitle(config) -> str:
    c = config if isinstance(config, dict) else {}
    parts = []
    for key, text in (("protocol", "{} protocol"), ("procs", "GOMAXPROCS={}"), ("threads", "threads<={}"),
                      ("runq", "runq={}"), ("workload", "workload: {}"), ("mutant", "mutant: {}")):
        if c.get(key) not in (None, ""):
            parts.append(text.format(c[key]))
    return ", ".join(parts)


def timeline(data: dict) -> dict:
    """The timeline of a saved trace (a dict shaped as explorer/replay.check_shape accepts)."""
    steps = [s for s in data.get("steps", []) if isinstance(s, dict)]
    states = [State(s.get("state", {})) for s in steps]
    last = len(steps) - 1
    ms = sorted({m for st in states for m in st.names(r"^M\d+$") if st.m_exists(m)}, key=_num)
    ps = sorted({p for st in states for p in st.names(r"^P\d+$")}, key=_num)
    gs = sorted({g for st in states for g in st.names(r"^G\d+$")}, key=_num)
    lanes = ([{"id": p, "label": p, "group": "P"} for p in ps] + [{"id": m, "label": m, "group": "M"} for m in ms]
             + ([{"id": "sysmon", "label": "sysmon", "group": "sysmon"}] if any("sysmon" in st.by for st in states) else [])
             + [{"id": "env", "label": "env", "group": "env"}])
    lane_ids = {lane["id"] for lane in lanes}
    spans = []
    for p in ps:
        spans += _merge(p, [p_span(st, p) for st in states])
    for m in ms:
        spans += _merge(m, [m_span(st, m) for st in states])
    spans += _merge("sysmon", [sysmon_span(st) for st in states])
    queued = [{"lane": p, "step": i, "entities": q} for p in ps for i, st in enumerate(states)
              if (q := _queued(st, p))]
    arrows, details = [], []
    for i, (step, st) in enumerate(zip(steps, states)):
        before = states[i - 1] if i else st
        action, args = _call(step) if i else ("", [])
        actor = args[0] if args and ENTITY.match(args[0]) else None
        changed = [[k, str(before.fields.get(k, "")), str(v)] for k, v in st.fields.items()
                   if i and before.fields.get(k) != v]
        if i:
            arrows += _arrows(i, action, args, actor, before, st, lane_ids)
        details.append({"step": i, "text": str(step.get("text") or ("initial state" if i == 0 else action)),
                        "action": action, "actor": actor if actor in lane_ids else None, "models": _models(step),
                        "changed": changed, "lines": _lines(step),
                        "side": _side(st, {c[0] for c in changed})})
    marker = _marker(data, last)
    used = {s["kind"] for s in spans}, {a["kind"] for a in arrows}
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    name = config.get("name") or "trace"
    return {"version": VERSION, "title": f"{name}: {marker['title']}", "subtitle": _subtitle(config),
            "steps": len(steps), "entities": gs, "lanes": lanes, "spans": spans, "arrows": arrows, "queued": queued, "marker": marker,
            "legend": {"spans": [{"kind": k, "label": t, "style": s} for k, t, s in SPAN_KINDS if k in used[0]],
                       "arrows": [{"kind": k, "label": t, "style": s} for k, t, s in ARROW_KINDS if k in used[1]]},
            "details": details}
