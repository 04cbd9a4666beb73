"""A timeline description drawn as one self-contained HTML page.

The description (lanes, spans, arrows, a final marker, per-step details;
model/timeline.py documents it) comes from the model's plugin; this module
knows nothing about what a lane or a span means. The page has no external
resource (CSS, script and SVG are inline) and the same description always
gives the same bytes: nothing here depends on time, hash order or locale.

Hooks for tests and scripts: lanes `g.lane[data-lane]`; spans
`g.span[data-lane][data-kind][data-g][data-from][data-to]` (data-g: the
coloured entity, empty if none); arrows `g.arrow[data-step][data-from][data-to]`;
steps `[data-step]`; the final marker `#end-marker` and `#verdict`; a lasso's
cycle `#cycle`; the selected step `body[data-selected]`, its panels
`.step-detail` and `.step-state` not `[hidden]`.
"""

import html
import json

from .view_assets import CSS, SCRIPT

LABEL_W, COL_W, LANE_H, GROUP_GAP, END_W, FOOT_H = 78, 62, 30, 10, 240, 34
CHAR_W = 6.2  # average width of an 11px sans-serif character, to fit labels
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#86bcb6")
LEGEND_COLOUR = "#7a8a9a"  # entity-coloured styles in the legend
# Generic span styles: fill, stroke, dash, stroke width, text colour (None: from the entity's colour).
STYLES = {
    "entity": (None, None, "", 1, None),
    "entity-hatched": ("hatch", None, "", 1.5, "#222"),
    "entity-hatched-bold": ("hatch", "#222", "", 3, "#222"),
    "entity-outline": ("tint", None, "4 3", 1.5, "#222"),
    "dashed": ("#fff4cc", "#c99a06", "4 3", 1.2, "#6b5200"),
    "soft": ("#dde5ee", "#b6c4d3", "", 1, "#334455"),
    "alert": ("#fde2e1", "#d23f3f", "3 2", 1.5, "#8a1c1c"),
    "muted": ("#eeeeee", "#d4d4d4", "", 1, "#777777"),
    "cool": ("#dcefe6", "#8cc4a8", "", 1, "#245a40"),
    "dark": ("#b9b9b9", "#8f8f8f", "", 1, "#222222"),
    "unknown": ("#ffffff", "#888888", "1 2", 1.2, "#444444"),
}
ARROW_COLOURS = {"takeover": "#c62828", "transfer": "#7b1fa2", "wake": "#2e7d32", "return": "#1565c0"}
MARKER_COLOURS = {"violation": "#c62828", "cycle": "#7b1fa2", "stutter": "#7b1fa2", "witness": "#2e7d32",
                  "end": "#555555"}


def e(text) -> str:
    return html.escape(str(text), quote=True)


def _fit(text: str, width: float) -> str:
    room = max(1, int(width / CHAR_W))
    return text if len(text) <= room else text[:max(1, room - 1)] + "\u2026"


def _ink(colour: str) -> str:
    """Black or white text, whichever reads on the colour."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


class Layout:
    def __init__(self, tl: dict):
        self.steps = max(1, int(tl.get("steps", 1)))
        longest = max((len(d.get("text", "")) for d in tl.get("details", [])), default=10)
        self.head_h = int(min(200, 34 + longest * CHAR_W * 0.72))
        self.lane_y, y, group = {}, self.head_h, None
        for lane in tl.get("lanes", []):
            if group is not None and lane.get("group") != group:
                y += GROUP_GAP
            group = lane.get("group")
            self.lane_y[lane["id"]] = y
            y += LANE_H
        self.lanes_bottom = y
        self.height = y + FOOT_H
        self.width = LABEL_W + self.steps * COL_W + END_W

    def x(self, step: int) -> int:
        return LABEL_W + step * COL_W

    def mid(self, lane: str) -> int:
        return self.lane_y[lane] + LANE_H // 2


def _colours(tl: dict) -> dict:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(tl.get("entities", []))}


def _style_attrs(style: str, colour: str | None, pattern: str | None) -> tuple[str, str]:
    """(attributes of the shape, text colour)."""
    fill, stroke, dash, width, ink = STYLES.get(style, STYLES["unknown"])
    if colour is None and fill in (None, "hatch", "tint"):
        fill, stroke, ink = STYLES["soft"][0], STYLES["soft"][1], STYLES["soft"][4]
    elif fill is None:
        fill, ink = colour, _ink(colour)
    elif fill == "hatch":
        fill = f"url(#{pattern})" if pattern else colour
    elif fill == "tint":
        fill = colour + "33"
    stroke = stroke or colour or "#888"
    attrs = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"' + (f' stroke-dasharray="{dash}"' if dash else "")
    return attrs, ink


def _defs(colours: dict) -> list[str]:
    out = ["<defs>"]
    for name, colour in [("legend", LEGEND_COLOUR)] + list(colours.items()):
        out.append(f'<pattern id="hatch-{e(name)}" width="7" height="7" patternUnits="userSpaceOnUse" '
                   f'patternTransform="rotate(45)"><rect width="7" height="7" fill="{colour}44"/>'
                   f'<rect width="3" height="7" fill="{colour}"/></pattern>')
    for style, colour in ARROW_COLOURS.items():
        out.append(f'<marker id="head-{style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                   f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out.append("</defs>")
    return out


def _columns(tl: dict, lay: Layout) -> list[str]:
    out = ['<g id="columns">']
    for i in range(lay.steps):
        shade = " odd" if i % 2 else ""
        out.append(f'<rect class="col{shade}" data-step="{i}" x="{lay.x(i)}" y="{lay.head_h}" width="{COL_W}" '
                   f'height="{lay.lanes_bottom - lay.head_h}"/>')
    out.append("</g>")
    return out


def _heads(tl: dict, lay: Layout) -> list[str]:
    out = ['<g id="heads">']
    for d in tl.get("details", []):
        i = d["step"]
        cx = lay.x(i) + COL_W // 2
        text = d.get("text", "")
        out.append(f'<g class="step-head" data-step="{i}"><title>step {i}: {e(text)}</title>'
                   f'<rect class="head-hit" x="{lay.x(i)}" y="0" width="{COL_W}" height="{lay.head_h}"/>'
                   f'<text class="step-num" x="{cx}" y="{lay.head_h - 6}">{i}</text>'
                   f'<text class="step-action" transform="translate({cx - 4},{lay.head_h - 22}) rotate(-45)">'
                   f'{e(_fit(text, (lay.head_h - 30) * 1.38))}</text></g>')
    out.append("</g>")
    return out


def _lanes(tl: dict, lay: Layout, colours: dict) -> list[str]:
    spans_by_lane: dict = {}
    for s in tl.get("spans", []):
        spans_by_lane.setdefault(s["lane"], []).append(s)
    queued_by_lane: dict = {}
    for q in tl.get("queued", []):
        queued_by_lane.setdefault(q["lane"], []).append(q)
    styles = {k["kind"]: k["style"] for k in tl.get("legend", {}).get("spans", [])}
    out = ['<g id="lanes">']
    for lane in tl.get("lanes", []):
        lid, y = lane["id"], lay.lane_y[lane["id"]]
        out.append(f'<g class="lane group-{e(lane.get("group", ""))}" data-lane="{e(lid)}">')
        out.append(f'<line class="lane-line" x1="{LABEL_W}" x2="{lay.x(lay.steps)}" y1="{y + LANE_H}" y2="{y + LANE_H}"/>')
        out.append(f'<text class="lane-label" x="{LABEL_W - 8}" y="{y + LANE_H // 2 + 4}">{e(lane.get("label", lid))}</text>')
        for s in spans_by_lane.get(lid, []):
            ent = s.get("entity") or ""
            colour = colours.get(ent)
            attrs, ink = _style_attrs(styles.get(s["kind"], "unknown"), colour, f"hatch-{ent}" if colour else None)
            x, w = lay.x(s["from"]) + 2, (s["to"] - s["from"] + 1) * COL_W - 4
            out.append(f'<g class="span" data-lane="{e(lid)}" data-kind="{e(s["kind"])}" data-g="{e(ent)}" '
                       f'data-from="{s["from"]}" data-to="{s["to"]}"><title>{e(s.get("title", ""))}</title>'
                       f'<rect x="{x}" y="{y + 4}" width="{w}" height="{LANE_H - 8}" rx="4" {attrs}/>'
                       f'<text class="span-label" x="{x + 10}" y="{y + LANE_H // 2 + 4}" fill="{ink}">'
                       f'{e(_fit(s.get("label", ""), w - 13))}</text></g>')  # x + 10: clear of the actor dot
        for q in queued_by_lane.get(lid, []):
            ents = q.get("entities", [])
            out.append(f'<g class="queued" data-lane="{e(lid)}" data-step="{q["step"]}"><title>step {q["step"]}: '
                       f'waiting on {e(lid)}: {e(" ".join(ents))}</title>')
            for k, ent in enumerate(ents[:6]):
                out.append(f'<circle cx="{lay.x(q["step"] + 1) - 7 - 7 * k}" cy="{y + LANE_H - 3}" r="3" '
                           f'fill="{colours.get(ent, "#999")}" stroke="#fff" stroke-width="0.8"/>')
            out.append("</g>")
        out.append("</g>")
    out.append("</g>")
    return out


def _actors(tl: dict, lay: Layout) -> list[str]:
    out = ['<g id="actors">']
    for d in tl.get("details", []):
        if d.get("actor") in lay.lane_y:
            out.append(f'<circle class="actor" data-step="{d["step"]}" data-lane="{e(d["actor"])}" '
                       f'cx="{lay.x(d["step"]) + 6}" cy="{lay.mid(d["actor"])}" r="3.5"><title>step {d["step"]}: '
                       f'{e(d.get("text", ""))}</title></circle>')
    out.append("</g>")
    return out


def _arrows(tl: dict, lay: Layout) -> list[str]:
    styles = {k["kind"]: k["style"] for k in tl.get("legend", {}).get("arrows", [])}
    out, seen = ['<g id="arrows">'], {}
    for a in tl.get("arrows", []):
        if a["from"] not in lay.lane_y or a["to"] not in lay.lane_y:
            continue
        k = seen[a["step"]] = seen.get(a["step"], -1) + 1  # several arrows in one step sit side by side
        style = styles.get(a["kind"], "return")
        x = lay.x(a["step"]) + 6 + 9 * k
        y1, y2 = lay.mid(a["from"]), lay.mid(a["to"])
        y2 += -8 if y2 > y1 else 8
        out.append(f'<g class="arrow kind-{e(a["kind"])}" data-step="{a["step"]}" data-from="{e(a["from"])}" '
                   f'data-to="{e(a["to"])}" data-kind="{e(a["kind"])}"><title>step {a["step"]}: {e(a.get("label", ""))}'
                   f'</title><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{ARROW_COLOURS.get(style, "#555")}" '
                   f'stroke-width="2" marker-end="url(#head-{e(style)})"/>'
                   f'<text class="arrow-label" x="{x + 4}" y="{(y1 + y2) // 2 + 4}" fill="{ARROW_COLOURS.get(style, "#555")}">'
                   f'{e(_fit(a.get("label", ""), COL_W - 8))}</text></g>')
    out.append("</g>")
    return out


def _end(tl: dict, lay: Layout) -> list[str]:
    m = tl.get("marker", {})
    kind = m.get("kind", "end")
    colour = MARKER_COLOURS.get(kind, "#555")
    out = []
    loop = m.get("loop_start")
    last = lay.steps - 1
    if kind in ("cycle", "stutter") and isinstance(loop, int):
        x0, x1 = lay.x(loop), lay.x(last + 1)
        yb = lay.lanes_bottom + 8
        label = ("\u21ba repeats forever: step " + f"{last} is step {loop} again" if kind == "cycle"
                 else "\u21ba stays here forever")
        out.append(f'<g id="cycle" data-from="{loop}" data-to="{last}"><title>{e(m.get("note", ""))}</title>'
                   f'<rect class="cycle-shade" x="{x0}" y="{lay.head_h}" width="{x1 - x0}" '
                   f'height="{lay.lanes_bottom - lay.head_h}"/>'
                   f'<path d="M{x1 - 6},{yb} L{x1 - 6},{yb + 10} L{x0 + 6},{yb + 10} L{x0 + 6},{yb}" fill="none" '
                   f'stroke="{colour}" stroke-width="2" marker-end="url(#head-transfer)"/>'
                   f'<text class="cycle-label" x="{x0 + 10}" y="{yb + 23}" fill="{colour}">{e(label)}</text></g>')
    xe = lay.x(last + 1)
    sign = {"witness": "\u2713", "end": ""}.get(kind, "\u2717")
    out.append(f'<g id="end-marker" data-kind="{e(kind)}" data-property="{e(m.get("property", ""))}">'
               f'<title>{e(m.get("message", ""))}</title>'
               f'<line x1="{xe}" x2="{xe}" y1="{lay.head_h - 4}" y2="{lay.lanes_bottom}" stroke="{colour}" stroke-width="3"/>'
               f'<text class="end-label" x="{xe + 8}" y="{lay.head_h + 16}" fill="{colour}">'
               f'<tspan>{sign} '
               f'{e(m.get("property", ""))}</tspan>'
               f'<tspan x="{xe + 8}" dy="16">{e(m.get("title", "")[len(m.get("property", "")):].strip())}</tspan>'
               f'</text></g>')
    return out


def svg(tl: dict) -> str:
    lay, colours = Layout(tl), _colours(tl)
    parts = [f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{lay.width}" height="{lay.height}" '
             f'viewBox="0 0 {lay.width} {lay.height}" role="img" aria-label="{e(tl.get("title", "timeline"))}">']
    parts += _defs(colours) + _columns(tl, lay)
    parts += _heads(tl, lay) + _lanes(tl, lay, colours) + _actors(tl, lay) + _arrows(tl, lay)
    parts += _end(tl, lay)
    parts.append(f'<rect id="cursor" x="{lay.x(lay.steps - 1)}" y="0" width="{COL_W}" height="{lay.lanes_bottom}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _chips(items, colours) -> str:
    out = []
    for item in items:
        colour = colours.get(item)
        style = f' style="background:{colour};color:{_ink(colour)}"' if colour else ""
        out.append(f'<span class="chip"{style}>{e(item)}</span>')
    return "".join(out) or '<span class="empty">empty</span>'


def _detail(d: dict, tl: dict) -> str:
    i, m = d["step"], tl.get("marker", {})
    rows = "".join(f"<tr><td><code>{e(k)}</code></td><td>{e(a)}</td><td>{e(b)}</td></tr>" for k, a, b in d.get("changed", []))
    notes = []
    loop, last = m.get("loop_start"), tl.get("steps", 1) - 1
    if isinstance(loop, int) and loop <= i and m.get("kind") in ("cycle", "stutter"):
        notes.append(f"in the cycle: {m.get('note', '')}")
    if i == last:
        notes.append(f"{m.get('title', '')}: {m.get('message', '')}")
    lines = d.get("lines", [])
    return "".join([
        f'<div class="step-detail" data-step="{i}" hidden>',
        f'<h2><span class="step-no">step {i} of {last}</span> <code class="action">{e(d.get("text", ""))}</code></h2>',
        f'<p class="by">by <b>{e(d["actor"])}</b></p>' if d.get("actor") else "",
        "".join(f'<p class="note">{e(n)}</p>' for n in notes),
        ('<p class="models">runtime: ' + ", ".join(f"<code>{e(x)}</code>" for x in d["models"]) + "</p>")
        if d.get("models") else "",
        ('<table class="changed"><thead><tr><th>changed</th><th>before</th><th>after</th></tr></thead>'
         f"<tbody>{rows}</tbody></table>") if rows else ('<p class="unchanged">initial state</p>' if i == 0 else ""),
        f'<pre class="schedtrace">{e(chr(10).join(lines))}</pre>' if lines
        else '<p class="no-lines">no schedtrace lines in this trace</p>',
        "</div>"])


def _state(d: dict, colours: dict) -> str:
    out = [f'<div class="step-state" data-step="{d["step"]}" hidden>']
    for section in d.get("side", []):
        out.append(f'<h3>{e(section.get("title", ""))}</h3><table class="side">')
        for r in section.get("rows", []):
            cls = ' class="changed-row"' if r.get("changed") else ""
            out.append(f'<tr{cls}><th>{e(r.get("name", ""))}</th><td>{_chips(r.get("items", []), colours)}</td></tr>')
        out.append("</table>")
    out.append("</div>")
    return "".join(out)


def _legend(tl: dict, colours: dict) -> str:
    out = ['<section id="legend"><h2>Legend</h2><div class="legend-row">']
    for name, colour in colours.items():
        out.append(f'<span class="chip" style="background:{colour};color:{_ink(colour)}">{e(name)}</span>')
    out.append("</div><ul>")
    for k in tl.get("legend", {}).get("spans", []):
        attrs, _ = _style_attrs(k["style"], LEGEND_COLOUR, "hatch-legend")
        out.append(f'<li data-kind="{e(k["kind"])}"><svg width="34" height="16">'
                   f'<rect x="1" y="1" width="32" height="14" rx="3" {attrs}/></svg> <b>{e(k["kind"])}</b>: '
                   f'{e(k["label"])}</li>')
    for k in tl.get("legend", {}).get("arrows", []):
        colour = ARROW_COLOURS.get(k["style"], "#555")
        out.append(f'<li data-arrow="{e(k["kind"])}"><svg width="34" height="16"><line x1="2" y1="8" x2="30" y2="8" '
                   f'stroke="{colour}" stroke-width="2"/><path d="M24,3 L32,8 L24,13 z" fill="{colour}"/></svg> '
                   f'<b>{e(k["kind"])}</b>: {e(k["label"])}</li>')
    out.append('<li><svg width="34" height="16"><circle cx="17" cy="8" r="3.5" class="actor"/></svg> '
               "the thread that took the step</li>")
    out.append('<li><svg width="34" height="16"><circle cx="17" cy="8" r="3" fill="#999"/></svg> '
               "waiting on the lane (coloured by entity, next first)</li>")
    out.append("</ul></section>")
    return "".join(out)


def render(tl: dict) -> str:
    """The HTML page for a timeline description."""
    colours = _colours(tl)
    m = tl.get("marker", {})
    steps = max(1, int(tl.get("steps", 1)))
    meta = {"steps": steps, "x0": LABEL_W, "col": COL_W, "initial": steps - 1}
    details = tl.get("details", [])
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(tl.get('title', 'timeline'))}</title>",
        f"<style>{CSS}</style></head>",
        '<body data-selected="">',
        f'<header><h1>{e(tl.get("title", ""))}</h1><p class="subtitle">{e(tl.get("subtitle", ""))}</p>',
        f'<div id="verdict" class="verdict kind-{e(m.get("kind", "end"))}" data-kind="{e(m.get("kind", "end"))}" '
        f'data-property="{e(m.get("property", ""))}"><b>{e(m.get("title", ""))}</b>'
        + (f": {e(m.get('message'))}" if m.get("message") else "")
        + (f' <span class="note">({e(m.get("note"))})</span>' if m.get("note") else "") + "</div>",
        '<p class="hint">Click a step (or use \u2190 \u2192) to see what it did.</p></header>',
        f'<div id="timeline">{svg(tl)}</div>',
        '<div id="panels"><section id="details">' + "".join(_detail(d, tl) for d in details) + "</section>",
        '<section id="state">' + "".join(_state(d, colours) for d in details) + "</section></div>",
        _legend(tl, colours),
        '<script type="application/json" id="timeline-meta">' + json.dumps(meta).replace("<", "\\u003c") + "</script>",
        f"<script>{SCRIPT}</script>",
        "</body></html>", ""])
