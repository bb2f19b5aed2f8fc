// Opening a grouped box: click a neuron's box and its own nodes open over the page, stepped
// one node at a time, at the moment the grouped page shows (DATA.drill, built by the
// stepper's frame model: the same numbers, marks and names as the node-by-node stepper).
// Each opened view keeps its own frame; Esc or the close button goes back to the network.
(function () {
  // The views are packed (drill.py's pack_views): gzipped JSON in base64, unpacked once by
  // the browser's own DecompressionStream.
  const views = new Map();
  const bytes = Uint8Array.from(atob(DATA.drill), (c) => c.charCodeAt(0));
  const ready = new Response(new Blob([bytes]).stream()
    .pipeThrough(new DecompressionStream("gzip"))).json().then((list) => {
    for (const view of list) views.set(view.box, view);
  });
  const page = window.stepperPage;
  const viewer = document.getElementById("viewer");
  const FIELDS = ["data", "grad", "state", "arrival", "terms"];
  const make = (tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };

  ready.then(() => {
    const help = document.querySelector("#side .help");
    if (help !== null) {
      help.append(document.createElement("br"),
                  "Click a neuron's (or layer's) box to open its own nodes at this moment.");
    }
    for (const box of views.keys()) {
      const el = document.getElementById(DATA.nodes[box].id);
      el.classList.add("openable");
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = `click to open ${DATA.nodes[box].name} into its own nodes`;
      el.appendChild(title);
    }
  });

  // --- the overlay ---------------------------------------------------------------------------
  const overlay = make("section", "");
  overlay.id = "drill";
  overlay.hidden = true;
  overlay.setAttribute("role", "dialog");
  const head = make("div", "drill-head");
  const title = make("h2", "");
  const close = make("button", "", "\u2715 back to the network (Esc)");
  close.type = "button";
  close.id = "drill-close";
  head.append(title, close);
  const controls = make("div", "drill-controls");
  const prev = make("button", "", "\u25C0 prev");
  const next = make("button", "", "next \u25B6");
  prev.type = next.type = "button";
  prev.id = "drill-prev";
  next.id = "drill-next";
  const slider = make("input", "");
  slider.type = "range";
  slider.min = "0";
  slider.id = "drill-slider";
  slider.setAttribute("aria-label", "frame of the opened box");
  const counter = make("span", "drill-counter");
  controls.append(prev, next, slider, counter);
  const note = make("p", "drill-note");
  const caption = make("pre", "drill-caption");
  caption.id = "drill-caption";
  const holder = make("div", "drill-table");
  const table = make("table", "");
  table.id = "drill-grads";
  table.innerHTML = "<thead><tr><th>node</th><th>op</th><th>reads</th><th>data</th>"
    + "<th>grad</th><th>terms</th></tr></thead><tbody></tbody>";
  holder.appendChild(table);
  overlay.append(head, controls, note, caption, holder);
  document.body.appendChild(overlay);

  // --- one opened view -----------------------------------------------------------------------
  let view = null, cells = [], state = null, applied = -1, current = 0, openedAt = 0;
  function build(v) {
    view = v;
    const body = table.tBodies[0];
    body.textContent = "";
    cells = v.boxes.map((box, i) => {
      const row = make("tr", "");
      if (i === 0 && box.outside) {
        const label = make("tr", "drill-section");
        const cell = make("td", "", "flowing in from outside " + v.name);
        cell.colSpan = 6;
        label.appendChild(cell);
        body.appendChild(label);
      }
      if (!box.outside && (i === 0 || v.boxes[i - 1].outside)) {
        const label = make("tr", "drill-section");
        const cell = make("td", "", v.name + "'s own nodes");
        cell.colSpan = 6;
        label.appendChild(cell);
        body.appendChild(label);
      }
      row.appendChild(make("td", "name", box.name));
      row.appendChild(make("td", "op", box.op));
      row.appendChild(make("td", "reads", box.reads.join(", ")));
      const c = { row, data: make("td", "number data"), grad: make("td", "number grad"),
                  terms: make("td", "number terms") };
      row.append(c.data, c.grad, c.terms);
      if (box.outside) row.classList.add("outside");
      body.appendChild(row);
      return c;
    });
    state = null;
    applied = -1;
    slider.max = String(v.frames.length - 1);
    title.textContent = `Inside ${v.name}: its own nodes, one at a time`;
  }
  function apply(k) {
    if (state === null || k < applied) {
      state = {};
      for (const field of FIELDS) state[field] = new Array(view.boxes.length).fill("");
      applied = -1;
    }
    for (let f = applied + 1; f <= k; f++) {
      for (const [i, field, text] of view.frames[f].changes) state[field][i] = text;
    }
    applied = k;
  }
  function show(k) {
    current = Math.max(0, Math.min(view.frames.length - 1, k));
    const frame = view.frames[current];
    apply(current);
    const receiving = new Set(frame.focus.slice(1));
    cells.forEach((c, i) => {
      c.data.textContent = state.data[i];
      c.grad.textContent = state.grad[i];
      c.grad.className = "number grad " + state.arrival[i];
      c.terms.textContent = state.terms[i];
      let cls = (view.boxes[i].outside ? "outside " : "") + state.state[i];
      if (i === frame.firing) cls += " firing";
      if (receiving.has(i)) cls += " receiving";
      c.row.className = cls.trim();
    });
    if (frame.outside === undefined) {
      caption.textContent = frame.caption;
    } else {
      const g = DATA.frames[frame.outside];
      caption.textContent = `The moment just before ${view.name} runs: the network's frame `
        + `${frame.outside} (${g.phase} ${g.number}).\n${g.caption}`;
    }
    slider.value = String(current);
    counter.textContent = `${frame.phase} \u00B7 frame ${current} / ${view.frames.length - 1}`;
    prev.disabled = current === 0;
    next.disabled = current === view.frames.length - 1;
    note.textContent = current === view.at[openedAt]
      ? `Opened at the network's frame ${openedAt} (${DATA.frames[openedAt].phase} `
        + `${DATA.frames[openedAt].number}): ${momentWords(openedAt)}`
      : `Stepping ${view.name}'s own frames; the network's page stays at frame ${openedAt}.`;
    if (frame.firing !== null) cells[frame.firing].row.scrollIntoView({ block: "nearest" });
  }
  // How the opened frame relates to the network's frame it was opened at.
  function momentWords(g) {
    const frame = view.frames[view.at[g]];
    if (frame.outside === g || DATA.frames[g].firing === view.box) {
      return "the same moment, node by node.";
    }
    if (frame.outside !== undefined) {
      return `${view.name} has not run yet in this phase: this is the moment just before its `
        + `first node runs (the network's frame ${frame.outside}).`;
    }
    if (frame.firing === null) return "the same moment (nothing of it has run in this phase).";
    const ran = DATA.frames.findLastIndex((f, i) => i <= g && f.firing === view.box
                                          && f.phase === DATA.frames[g].phase);
    return `${view.name} has already run: this is the moment just after its last node ran `
      + `(the network's frame ${ran}).`;
  }

  function open(box) {
    const v = views.get(box);
    if (v === undefined) return;
    page.stop();
    if (view !== v) build(v);
    openedAt = page.current();
    overlay.hidden = false;
    show(v.at[openedAt]);
    close.focus();
  }
  function shut() {
    overlay.hidden = true;
    viewer.focus();
  }

  // A click (not a drag) on a group's box opens it. The viewer captures the pointer to pan,
  // so the box is read at pointerdown.
  let pressed = null;
  viewer.addEventListener("pointerdown", (event) => {
    let el = event.target;
    while (el && el !== viewer && !(el.id && /^n\d+$/.test(el.id))) el = el.parentNode;
    const box = el && el !== viewer ? Number(el.id.slice(1)) : null;
    pressed = box === null ? null : { box, x: event.clientX, y: event.clientY };
  }, true);
  viewer.addEventListener("pointerup", (event) => {
    if (pressed === null) return;
    const { box, x, y } = pressed;
    pressed = null;
    if (Math.hypot(event.clientX - x, event.clientY - y) < 5) ready.then(() => open(box));
  });

  const step = (k) => () => show(k());
  const act = (el, action) => el.addEventListener("click", (event) => {
    action();
    event.currentTarget.blur();
  });
  act(prev, step(() => current - 1));
  act(next, step(() => current + 1));
  act(close, shut);
  slider.addEventListener("input", () => show(Number(slider.value)));
  // While open, the keys step the opened view, never the network behind it.
  window.addEventListener("keydown", (event) => {
    if (overlay.hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      Escape: shut,
      ArrowLeft: step(() => current - 1),
      ArrowRight: step(() => current + 1),
      Home: step(() => 0),
      End: step(() => view.frames.length - 1),
    };
    if (event.key === "Tab" || (event.key === "Enter" && event.target.tagName === "BUTTON")) return;
    event.stopImmediatePropagation();
    const action = keys[event.key];
    if (action === undefined) return;
    event.preventDefault();
    action();
  }, true);

  // For tests and the console.
  window.stepperDrill = {
    open: (box) => ready.then(() => open(box)), close: shut, show, ready,
    isOpen: () => !overlay.hidden,
    box: () => (view === null ? null : view.box), current: () => current,
  };
})();
