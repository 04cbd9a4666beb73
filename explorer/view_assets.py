"""The stylesheet and script inlined in every timeline page (explorer/view.py).

Kept as strings, not files, so an installed package needs no data files and
a page never loads anything from outside itself.
"""

CSS = r"""
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2329; background: #fff; }
header { padding: 10px 16px 4px; }
h1 { font-size: 17px; margin: 0 0 2px; }
h2 { font-size: 14px; margin: 0 0 6px; }
h3 { font-size: 12px; margin: 10px 0 3px; color: #556; text-transform: uppercase; letter-spacing: .04em; }
.subtitle, .hint { color: #5a6570; margin: 0 0 4px; }
.hint { font-size: 12px; }
.verdict { margin: 6px 0; padding: 6px 10px; border-radius: 4px; border-left: 5px solid #555; background: #f4f4f4; }
.verdict.kind-violation { border-color: #c62828; background: #fdecea; }
.verdict.kind-cycle, .verdict.kind-stutter { border-color: #7b1fa2; background: #f5eafa; }
.verdict.kind-witness { border-color: #2e7d32; background: #eaf6ec; }
.verdict .note { color: #5a4a66; }
#timeline { overflow-x: auto; padding: 0 16px; }
#chart { display: block; cursor: pointer; user-select: none; }
#chart text { font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; }
.col { fill: #ffffff; }
.col.odd { fill: #f6f8fa; }
.head-hit { fill: transparent; }
.step-num { text-anchor: middle; fill: #444; font-weight: 600; }
.step-action { fill: #333; }
.step-head.selected .step-num, .step-head.selected .step-action { fill: #b35c00; font-weight: 700; }
.lane-label { text-anchor: end; font-weight: 600; fill: #333; }
.group-sysmon .lane-label, .group-env .lane-label { fill: #6a5d80; font-style: italic; }
.lane-line { stroke: #e3e6ea; }
.span-label { pointer-events: none; }
.actor { fill: #1d2329; stroke: #fff; stroke-width: 1; }
.arrow-label { font-size: 10px !important; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.cycle-shade { fill: rgba(123, 31, 162, .08); stroke: #7b1fa2; stroke-dasharray: 5 3; pointer-events: none; }
.cycle-label, .end-label { font-weight: 700; font-size: 12px !important; }
#cursor { fill: rgba(255, 170, 0, .13); stroke: #e69500; stroke-width: 1.5; pointer-events: none; }
#panels { display: flex; gap: 16px; padding: 8px 16px; align-items: flex-start; }
#details { flex: 3; min-width: 0; }
#state { flex: 2; min-width: 0; }
#details, #state, #legend { border: 1px solid #dde2e7; border-radius: 6px; padding: 8px 12px; }
.step-no { color: #b35c00; margin-right: 6px; }
.action { font-size: 13px; }
.by, .models, .note { margin: 3px 0; }
.note { color: #6a1b9a; }
table { border-collapse: collapse; }
.changed { margin: 6px 0; font-size: 12px; }
.changed th, .changed td { border-bottom: 1px solid #eef0f2; padding: 2px 8px 2px 0; text-align: left; vertical-align: top; }
.schedtrace { background: #f6f8fa; padding: 6px 8px; border-radius: 4px; font-size: 11.5px; overflow-x: auto; }
.no-lines, .unchanged, .empty { color: #8a939b; }
.side th { text-align: left; font-weight: 500; padding: 1px 10px 1px 0; color: #444; white-space: nowrap; }
.side td { padding: 1px 0; }
.side tr.changed-row th { color: #b35c00; font-weight: 700; }
.chip { display: inline-block; padding: 0 6px; margin: 1px 3px 1px 0; border-radius: 9px; background: #eceff2; font-size: 12px; }
#legend { margin: 8px 16px 16px; }
#legend ul { list-style: none; padding: 0; margin: 6px 0 0; columns: 2; }
#legend li { margin: 2px 0; break-inside: avoid; }
#legend svg { vertical-align: middle; }
.legend-row .chip { margin-right: 6px; }
"""

# Selection: one step at a time; its detail and state panels are shown, the
# rest hidden. Keys: left/right step, Home/End jump.
SCRIPT = r"""
(function () {
  var meta = JSON.parse(document.getElementById('timeline-meta').textContent);
  var svg = document.getElementById('chart');
  var cursor = document.getElementById('cursor');
  var box = document.getElementById('timeline');
  var current = -1;
  function select(i) {
    i = Math.max(0, Math.min(meta.steps - 1, i));
    current = i;
    cursor.setAttribute('x', meta.x0 + i * meta.col);
    document.body.setAttribute('data-selected', String(i));
    var panels = document.querySelectorAll('.step-detail, .step-state');
    for (var k = 0; k < panels.length; k++) panels[k].hidden = Number(panels[k].getAttribute('data-step')) !== i;
    var heads = document.querySelectorAll('.step-head');
    for (var h = 0; h < heads.length; h++) heads[h].classList.toggle('selected', Number(heads[h].getAttribute('data-step')) === i);
    var left = meta.x0 + i * meta.col, right = left + meta.col;
    if (left - meta.x0 < box.scrollLeft) box.scrollLeft = left - meta.x0;
    else if (right > box.scrollLeft + box.clientWidth) box.scrollLeft = right - box.clientWidth + 40;
  }
  svg.addEventListener('click', function (ev) {
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    var i = Math.floor((p.x - meta.x0) / meta.col);
    if (i >= 0 && i < meta.steps) select(i);
  });
  document.addEventListener('keydown', function (ev) {
    var to = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: meta.steps - 1}[ev.key];
    if (to === undefined || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    ev.preventDefault();
    select(to);
  });
  select(meta.initial);
})();
"""
