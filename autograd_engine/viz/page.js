// The stepper page's player. DATA.frames[k].changes lists what frame k changes from frame k-1
// ((node, field, text)); the state of frame k is all changes of frames 0..k applied in order.
// The SVG is laid out once: frames only set texts and CSS classes, so nothing ever moves.
(function () {
  const byId = (id) => document.getElementById(id);
  const frames = DATA.frames;
  const nodes = DATA.nodes;
  const last = frames.length - 1;
  const FIELDS = ["data", "grad", "state", "arrival", "terms"];
  const MIN_FONT_PX = 11;  // follow never shows text smaller than this (the SVG's font is 12)
  const viewer = byId("viewer");
  const svg = viewer.querySelector("svg");
  const slider = byId("slider");
  const playButton = byId("play");
  const followBox = byId("follow");

  // --- the graph ---------------------------------------------------------------------------
  const full = svg.viewBox.baseVal;
  const bounds = { x: full.x, y: full.y, width: full.width, height: full.height };
  // One SVG unit is one pixel at scale 1; the view is a CSS transform of the whole SVG, so
  // zooming, panning and following never make the page lay the graph out again.
  svg.setAttribute("width", String(bounds.width));
  svg.setAttribute("height", String(bounds.height));
  const boxes = nodes.map((node) => byId(node.id));
  const leaves = nodes.flatMap((node, i) => (node.op === "leaf" ? [i] : []));
  const baseClass = boxes.map((box) => box.getAttribute("class"));
  const texts = nodes.map((node) => ({
    name: byId(node.id + "_name"), data: byId(node.id + "_data"), grad: byId(node.id + "_grad"),
  }));
  nodes.forEach((node, i) => { texts[i].name.textContent = node.name; });

  // --- the table ---------------------------------------------------------------------------
  const tbody = byId("grads").tBodies[0];
  const cells = nodes.map((node) => {
    const row = document.createElement("tr");
    row.dataset.node = node.id;
    const make = (text, cls) => {
      const cell = document.createElement("td");
      cell.textContent = text;
      cell.className = cls;
      row.appendChild(cell);
      return cell;
    };
    make(node.name, "name").title = node.name;  // the whole name on hover when cut short
    make(node.op, "op").title = node.op;
    const result = { row, data: make("", "number data"), grad: make("", "number grad"),
                     terms: make("", "number terms") };
    tbody.appendChild(row);
    return result;
  });

  // --- frame state -------------------------------------------------------------------------
  const state = {};
  let applied = -1;  // the last frame whose changes are in `state`
  const dirty = new Set();
  function reset() {
    for (const field of FIELDS) state[field] = new Array(nodes.length).fill("");
    applied = -1;
    nodes.forEach((_, i) => dirty.add(i));
  }
  function applyUpTo(k) {
    if (k < applied) reset();
    for (let f = applied + 1; f <= k; f++) {
      for (const [i, field, text] of frames[f].changes) {
        state[field][i] = text;
        dirty.add(i);
      }
    }
    applied = k;
  }
  const cellText = (text) => text.replace(/^(data|grad) /, "");

  let current = 0;
  // The furthest frame the player may show: the last, unless a quiz (quiz.js) holds the
  // learner at a question until it is answered.
  let limit = last;
  const shown = [];  // called after every frame is shown (the quiz redraws its panel)
  let decorated = { nodes: [], edges: [] };
  function show(k) {
    current = Math.max(0, Math.min(limit, k));
    const frame = frames[current];
    applyUpTo(current);
    const firingSet = new Set(frame.firing === null ? [] : [frame.firing]);
    const receiving = new Set(frame.focus.slice(1));
    for (const i of decorated.nodes) dirty.add(i);
    for (const i of frame.focus) dirty.add(i);
    for (const i of dirty) {
      const t = texts[i];
      t.data.textContent = state.data[i];
      t.grad.textContent = state.grad[i];
      t.grad.setAttribute("class", "grad " + state.arrival[i]);
      let cls = baseClass[i] + (state.state[i] ? " " + state.state[i] : "");
      if (firingSet.has(i)) cls += " firing";
      if (receiving.has(i)) cls += " receiving";
      boxes[i].setAttribute("class", cls);
      const c = cells[i];
      c.data.textContent = cellText(state.data[i]);
      c.grad.textContent = cellText(state.grad[i]);
      c.grad.className = "number grad " + state.arrival[i];
      c.terms.textContent = state.terms[i];
      c.row.className = (state.state[i] + (firingSet.has(i) ? " firing" : "")
                         + (receiving.has(i) ? " receiving" : "")).trim();
    }
    dirty.clear();
    decorated.nodes = frame.focus.slice();
    // Edges and op ovals: undo the last frame's, mark this frame's.
    for (const id of decorated.edges) {
      const el = byId(id);
      if (el) el.setAttribute("class", el.getAttribute("class").replace(/ (sending|computing|firing)/g, ""));
    }
    decorated.edges = [];
    const edgeClass = frame.phase === "backward" ? " sending" : " computing";
    for (const [id] of frame.edges) {
      const el = byId(id);
      if (!el) continue;
      el.setAttribute("class", el.getAttribute("class") + edgeClass);
      decorated.edges.push(id);
    }
    if (frame.firing !== null) {
      const op = byId(nodes[frame.firing].id + "_op");
      if (op) { op.setAttribute("class", op.getAttribute("class") + " firing"); decorated.edges.push(op.id); }
    }
    slider.value = String(current);
    byId("frame-number").textContent = String(current);
    byId("phase").textContent = frame.phase;
    byId("caption").textContent = frame.caption;
    byId("prev").disabled = current === 0;
    byId("next").disabled = current >= limit;
    if (frame.firing !== null) scrollRow(frame.firing);
    if (followBox.checked) follow();
    for (const listener of shown) listener(current);
  }

  // Scrolling needs the page laid out, so it waits for the next paint (which lays it out
  // anyway): stepping through many frames between two paints never forces a layout.
  let rowHeight = 0, tableTop = 0, sideHeight = 0, scrollTo = null;
  function scrollRow(i) {
    if (scrollTo === null) requestAnimationFrame(() => {
      const side = byId("side");
      if (rowHeight === 0) {
        rowHeight = cells[0].row.getBoundingClientRect().height || 20;
        tableTop = cells[0].row.offsetTop;
        sideHeight = side.clientHeight;
      }
      side.scrollTop = Math.max(0, tableTop + scrollTo * rowHeight - sideHeight / 2);
      scrollTo = null;
    });
    scrollTo = i;
  }

  // --- the view: centre (cx, cy) in SVG units, scale s in screen pixels per unit ------------
  // Follow frames the firing node, its op, the edges it sends along (with their labels) and
  // the nodes receiving, never with text under MIN_FONT_PX. When they cannot all fit, it
  // shows the firing node and the nearest receivers, says how many are off-screen, and a
  // click on that note pans along them. "Fit" on a graph too big to read at that size is an
  // overview: the region a readable view would show is marked, and a click reads there.
  const view = { cx: bounds.x + bounds.width / 2, cy: bounds.y + bounds.height / 2, s: 1 };
  const FONT_PX = 12;                       // the SVG's text size at scale 1
  const READABLE = MIN_FONT_PX / FONT_PX;   // the smallest scale follow ever uses
  const MAX_FOLLOW = 1.4;                   // a small graph is enlarged, not blown up
  const PAD = 14;                           // pixels kept free around what follow frames
  // The viewer's size, read once and again on resize (reading it forces a page layout).
  let size = null;
  function viewerSize() {
    if (size === null) size = { w: viewer.clientWidth, h: viewer.clientHeight };
    return size;
  }
  // What the view says about itself (receivers off-screen, an overview) and the region an
  // overview marks as readable: made here so the page's markup needs nothing for them.
  const note = document.createElement("button");
  note.id = "view-note";
  note.type = "button";
  note.hidden = true;
  const marker = document.createElement("div");
  marker.id = "readable-region";
  marker.hidden = true;
  viewer.append(marker, note);
  let notePan = null;  // what a click on the note does (pan to the next off-screen receivers)
  let overview = false;
  function say(text, action) {
    note.hidden = text === "";
    note.textContent = text;
    notePan = action;
  }
  function setView() {
    const { w, h } = viewerSize();
    const tx = w / 2 - (view.cx - bounds.x) * view.s, ty = h / 2 - (view.cy - bounds.y) * view.s;
    svg.style.transform = `translate(${tx}px, ${ty}px) scale(${view.s})`;
    if (overview) markReadable(); else marker.hidden = true;
  }
  // The box (in SVG units) the viewer shows now.
  function shownBox() {
    const { w, h } = viewerSize();
    return { x0: view.cx - w / 2 / view.s, x1: view.cx + w / 2 / view.s,
             y0: view.cy - h / 2 / view.s, y1: view.cy + h / 2 / view.s };
  }
  const union = (a, b) => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0),
                             x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });
  const inside = (b, outer) => b.x0 >= outer.x0 - 0.5 && b.x1 <= outer.x1 + 0.5
                               && b.y0 >= outer.y0 - 0.5 && b.y1 <= outer.y1 + 0.5;
  const mid = (b) => [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2];
  function scaleFor(b) {
    const { w, h } = viewerSize();
    return Math.min((w - 2 * PAD) / Math.max(1, b.x1 - b.x0), (h - 2 * PAD) / Math.max(1, b.y1 - b.y0));
  }
  function look(b, scale) {
    view.s = scale;
    [view.cx, view.cy] = mid(b);
    setView();
  }
  const wholeBox = () => ({ x0: bounds.x, y0: bounds.y, x1: bounds.x + bounds.width, y1: bounds.y + bounds.height });
  // The whole graph. Too big to read whole, it is an overview with the readable region marked.
  function fit() {
    const whole = wholeBox();
    const firing = frames[current].firing;
    readableCentre = firing === null ? [view.cx, view.cy] : mid(boxOf(boxes[firing]));
    const scale = Math.min(MAX_FOLLOW, scaleFor(whole));
    overview = scale < READABLE;
    look(whole, scale);
    say(overview ? "overview: the text is too small to read here; the box marks a readable view, click anywhere to read there" : "", null);
  }
  // In an overview, the region a readable view around the focus would show.
  let readableCentre = null;
  function markReadable() {
    const { w, h } = viewerSize();
    const [cx, cy] = readableCentre || [view.cx, view.cy];
    const rw = w / READABLE, rh = h / READABLE;  // SVG units a readable view shows
    const left = w / 2 + (cx - rw / 2 - view.cx) * view.s, top = h / 2 + (cy - rh / 2 - view.cy) * view.s;
    Object.assign(marker.style, { left: `${left}px`, top: `${top}px`,
                                  width: `${rw * view.s}px`, height: `${rh * view.s}px` });
    marker.hidden = false;
  }
  function readAt(x, y) {
    overview = false;
    view.s = Math.max(READABLE, 1);
    view.cx = x; view.cy = y;
    say("", null);
    setView();
  }
  // An element's box in SVG root units (what viewBox is written in). Nothing ever moves, so
  // each box is measured once (getBBox needs no page layout) and remembered. Edges are
  // measured with their labels shown (class "measuring"), as follow shows them while sending.
  const graph = byId("graph0");
  const toRoot = graph.transform.baseVal.consolidate();
  const measured = new Map();
  function boxOf(el) {
    let box = measured.get(el);
    if (box === undefined) {
      const b = el.getBBox();
      const m = toRoot === null ? svg.createSVGMatrix() : toRoot.matrix;
      const point = svg.createSVGPoint();
      point.x = b.x; point.y = b.y;
      const a = point.matrixTransform(m);
      point.x = b.x + b.width; point.y = b.y + b.height;
      const c = point.matrixTransform(m);
      box = { x0: Math.min(a.x, c.x), y0: Math.min(a.y, c.y), x1: Math.max(a.x, c.x), y1: Math.max(a.y, c.y) };
      measured.set(el, box);
    }
    return box;
  }
  // ``start`` widened by the ``others`` nearest first, each only if all still fit readably.
  function grow(start, others) {
    const [fx, fy] = mid(start);
    const distance = (b) => Math.hypot(mid(b)[0] - fx, mid(b)[1] - fy);
    let group = start;
    for (const other of [...others].sort((a, b) => distance(a) - distance(b))) {
      const wider = union(group, other);
      if (scaleFor(wider) >= READABLE) group = wider;
    }
    return group;
  }
  // What follow frames at frame ``k``: the firing (or computed) node with its op, and one
  // item per node it sends to (or reads from): that node's box and the edges between them.
  function targets(k) {
    const frame = frames[k];
    const firing = frame.firing;
    const op = byId(nodes[firing].id + "_op");
    let core = boxOf(boxes[firing]);
    if (op) core = union(core, boxOf(op));
    const receivers = frame.focus.slice(1).filter((i) => i !== firing).map((i) => boxOf(boxes[i]));
    const others = frame.focus.slice(1).filter((i) => i !== firing).map((i, n) => {
      let b = receivers[n];
      for (const [id] of frame.edges) {
        const el = byId(id);
        // An edge n<firing>_e<j> belongs to the input it comes from.
        if (el && id !== nodes[firing].id + "_out" && edgeFrom(id) === i) b = union(b, boxOf(el));
      }
      return b;
    });
    return { core, others, receivers };
  }
  // The input an edge n<i>_e<j> comes from (the j-th input of node i).
  const edgeSources = new Map();
  function edgeFrom(id) {
    if (!edgeSources.has(id)) {
      const m = /^n(\d+)_e(\d+)$/.exec(id);
      const node = m === null ? undefined : nodes[Number(m[1])];
      edgeSources.set(id, node && node.inputs ? node.inputs[Number(m[2])] : edgeSourceFromSvg(id));
    }
    return edgeSources.get(id);
  }
  // Without inputs in the page data, an edge's source is the node box its start touches.
  function edgeSourceFromSvg(id) {
    const path = byId(id) && byId(id).querySelector("path");
    if (!path) return undefined;
    const p = path.getPointAtLength(0);
    const m = toRoot === null ? svg.createSVGMatrix() : toRoot.matrix;
    const point = svg.createSVGPoint();
    point.x = p.x; point.y = p.y;
    const q = point.matrixTransform(m);
    let best, bestDistance = Infinity;
    nodes.forEach((_, i) => {
      const b = boxOf(boxes[i]);
      const dx = Math.max(b.x0 - q.x, 0, q.x - b.x1), dy = Math.max(b.y0 - q.y, 0, q.y - b.y1);
      const d = Math.hypot(dx, dy);
      if (d < bestDistance) { bestDistance = d; best = i; }
    });
    return best;
  }
  let panFrom = 0;  // which off-screen receivers a click on the note shows next
  function follow() {
    overview = false;
    readableCentre = null;
    const frame = frames[current];
    if (frame.firing === null) {
      // Start, done, update: the whole graph if it is readable, else the leaves (inputs and
      // parameters, where the gradients and the updates end up) at their natural size.
      const whole = wholeBox();
      if (scaleFor(whole) >= READABLE || leaves.length === 0) {
        look(whole, Math.min(1, scaleFor(whole)));
        say("", null);
        return;
      }
      const leafBoxes = leaves.map((i) => boxOf(boxes[i]));
      leafBoxes.sort((a, b) => a.x0 + a.y0 - (b.x0 + b.y0));
      const around = grow(leafBoxes[0], leafBoxes.slice(1));
      look(around, Math.max(READABLE, Math.min(1, scaleFor(around))));
      const hidden = leafBoxes.filter((b) => !inside(b, shownBox())).length;
      say(hidden ? `${hidden} of ${leafBoxes.length} inputs and parameters off-screen` : "", null);
      return;
    }
    const { core, others, receivers } = targets(current);
    const all = others.reduce(union, core);
    if (scaleFor(all) >= READABLE) {
      look(all, Math.min(MAX_FOLLOW, scaleFor(all)));
      say("", null);
      return;
    }
    const group = grow(core, others);
    look(group, Math.max(READABLE, Math.min(MAX_FOLLOW, scaleFor(group))));
    reportOffscreen(others, receivers);
  }
  // Say how many receivers the view leaves out (their box, or the term on their edge); a
  // click pans to the next ones in order along the graph, then back to the firing node.
  function reportOffscreen(others, receivers) {
    const shown = shownBox();
    const out = receivers.filter((_, n) => !inside(others[n], shown));
    if (out.length === 0) { say("", null); return; }
    const word = frames[current].phase === "backward" ? "receiving" : "input";
    const order = out.slice().sort((a, b) => (a.x0 - b.x0) || (a.y0 - b.y0));
    say(`${out.length} of ${receivers.length} ${word} nodes off-screen: click to pan along them ▸`, () => {
      if (panFrom >= order.length) { panFrom = 0; follow(); return; }
      let group = order[panFrom];
      let next = panFrom + 1;
      while (next < order.length && scaleFor(union(group, order[next])) >= READABLE) group = union(group, order[next++]);
      look(group, READABLE);
      note.textContent = `showing ${next} of ${order.length} off-screen ${word} nodes: click for ${next < order.length ? "more" : "the firing node"} ▸`;
      panFrom = next;
    });
  }
  note.addEventListener("click", (event) => {
    event.stopPropagation();
    if (notePan !== null) notePan();
    note.blur();
  });
  note.addEventListener("pointerdown", (event) => event.stopPropagation());
  function zoom(factor, clientX, clientY) {
    const r = viewer.getBoundingClientRect();  // zooming is rare: a layout here is fine
    const mx = clientX === undefined ? r.width / 2 : clientX - r.left;
    const my = clientY === undefined ? r.height / 2 : clientY - r.top;
    // Keep the point under the pointer where it is.
    const px = view.cx + (mx - r.width / 2) / view.s, py = view.cy + (my - r.height / 2) / view.s;
    view.s = Math.max(0.02, Math.min(20, view.s * factor));
    view.cx = px - (mx - r.width / 2) / view.s;
    view.cy = py - (my - r.height / 2) / view.s;
    setView();
  }
  function manual() {
    followBox.checked = false;
    overview = false;
    marker.hidden = true;
    say("", null);
  }

  viewer.addEventListener("wheel", (event) => {
    event.preventDefault();
    manual();
    zoom(Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
  }, { passive: false });
  let drag = null;
  let moved = false;
  viewer.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY };
    moved = false;
    viewer.setPointerCapture(event.pointerId);
    viewer.classList.add("dragging");
  });
  viewer.addEventListener("pointermove", (event) => {
    if (drag === null) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (dx === 0 && dy === 0) return;
    moved = true;
    manual();
    view.cx -= dx / view.s;
    view.cy -= dy / view.s;
    drag = { x: event.clientX, y: event.clientY };
    setView();
  });
  const endDrag = () => { drag = null; viewer.classList.remove("dragging"); };
  viewer.addEventListener("pointerup", (event) => {
    // A click (no drag) on an overview reads the graph where it was clicked.
    if (overview && !moved) {
      const r = viewer.getBoundingClientRect();
      const x = view.cx + (event.clientX - r.left - r.width / 2) / view.s;
      const y = view.cy + (event.clientY - r.top - r.height / 2) / view.s;
      followBox.checked = false;
      readAt(x, y);
    }
    endDrag();
  });
  viewer.addEventListener("pointercancel", endDrag);

  // --- playing -----------------------------------------------------------------------------
  let timer = null;
  const interval = () => 1000 / Number(byId("speed").value);
  function stop() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    playButton.innerHTML = "&#9654; play";
  }
  function tick() {
    if (current >= limit) { stop(); return; }
    show(current + 1);
    timer = setTimeout(tick, interval());
  }
  function play() {
    if (current === last) show(0);
    playButton.innerHTML = "&#10074;&#10074; pause";
    timer = setTimeout(tick, interval());
  }
  const toggle = () => (timer === null ? play() : stop());

  const click = (id, action) => byId(id).addEventListener("click", (event) => {
    action();
    event.currentTarget.blur();  // so Space and the arrows go back to the page's keys
  });
  click("prev", () => { stop(); show(current - 1); });
  click("next", () => { stop(); show(current + 1); });
  click("play", toggle);
  click("zoom-in", () => { manual(); zoom(1.25); });
  click("zoom-out", () => { manual(); zoom(0.8); });
  click("fit", () => { manual(); fit(); });
  followBox.addEventListener("change", () => { if (followBox.checked) follow(); });
  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  document.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // The slider moves itself with the arrow keys (and fires "input"); a select keeps its keys.
    if (event.target === slider && event.key.startsWith("Arrow")) return;
    if (tag === "SELECT") return;
    if (tag === "INPUT" && event.target.type === "text") return;  // the quiz's answer box
    const keys = {
      " ": toggle,
      ArrowLeft: () => { stop(); show(current - 1); },
      ArrowRight: () => { stop(); show(current + 1); },
      Home: () => { stop(); show(0); },
      End: () => { stop(); show(last); },
      "+": () => { manual(); zoom(1.25); },
      "=": () => { manual(); zoom(1.25); },
      "-": () => { manual(); zoom(0.8); },
      "0": () => { manual(); fit(); },
      f: () => { followBox.checked = !followBox.checked; if (followBox.checked) follow(); },
    };
    const action = keys[event.key];
    if (action === undefined) return;
    event.preventDefault();
    action();
  });
  // A new viewer size (window resized, the page reflowed) re-centres the view.
  new ResizeObserver(() => {
    size = null;
    sideHeight = 0;
    rowHeight = 0;
    if (followBox.checked) follow(); else setView();
  }).observe(viewer);

  slider.max = String(last);
  byId("frame-count").textContent = String(last);
  // Measure every box now, in one layout, so stepping never waits for the page to lay out.
  nodes.forEach((node, i) => { boxOf(boxes[i]); const op = byId(node.id + "_op"); if (op) boxOf(op); });
  svg.classList.add("measuring");
  for (const edge of svg.querySelectorAll("g.edge")) boxOf(edge);
  svg.classList.remove("measuring");
  reset();
  show(0);
  // For tests and the console: the player's state, read-only; and the two hooks quiz.js uses
  // (hold the player at a frame, be told of every frame shown).
  window.stepperPage = { show, current: () => current, view: () => ({ ...view }), frames: frames.length,
                         setLimit: (k) => { limit = Math.max(0, Math.min(last, k)); },
                         onShow: (listener) => { shown.push(listener); }, stop };
})();
