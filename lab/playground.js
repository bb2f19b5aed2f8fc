// The Playground's page side: controls, the network drawn with each neuron's output over the
// plane, the decision boundary and the losses. Training itself runs in worker.js (its own
// Python); this file only sends settings and draws what the worker sends back.

const FEATURES = [
  ["x1", "X₁"], ["x2", "X₂"], ["x1^2", "X₁²"], ["x2^2", "X₂²"], ["x1*x2", "X₁X₂"],
  ["sin(x1)", "sin(X₁)"], ["sin(x2)", "sin(X₂)"],
];
const DATASETS = ["circles", "xor", "blobs", "spirals", "moons"];
const MAX_LAYERS = 6;
const MAX_NEURONS = 8;
const EXTENT = 3; // the square [-3, 3]² of lab_playground.py
const NODE = 38; // a neuron's picture, in CSS pixels
const ROW = 50;
const COLUMN = 118;
const ORANGE = [245, 147, 34];
const WHITE = [232, 234, 235];
const BLUE = [8, 119, 189];

// -1 → orange, 0 → light grey, +1 → blue: TensorFlow Playground's colour scale.
function colour(v) {
  const t = Math.max(-1, Math.min(1, v));
  const [a, b, s] = t < 0 ? [WHITE, ORANGE, -t] : [WHITE, BLUE, t];
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * s));
}

function paint(canvas, values, offset, n, scale) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(n, n);
  for (let k = 0; k < n * n; k++) {
    const [r, g, b] = colour(scale(values[offset + k]));
    image.data.set([r, g, b, 255], 4 * k);
  }
  context.putImageData(image, 0, 0);
}

function number(x, digits = 4) {
  if (!Number.isFinite(x)) return String(x);
  return x === 0 ? "0" : Math.abs(x) >= 1e-3 ? x.toFixed(digits) : x.toExponential(2);
}

export class Playground {
  constructor(doc, base) {
    this.doc = doc;
    this.base = base;
    const $ = (id) => doc.getElementById(id);
    this.$ = $;
    this.config = {
      dataset: "circles", noise: 0, train_percent: 50, points: 200, features: ["x1", "x2"],
      hidden: [4, 2], activation: "tanh", learning_rate: 0.03, batch_size: 10,
      regularization: "none", regularization_rate: 0, seed: 0,
    };
    this.worker = null;
    this.python = null;
    this.playing = false;
    this.state = null;
    this.points = null;
    this.history = [];
    this.chosenLink = null;
    this.chosenPoint = null;
    this.paints = 0;
    this.stats = { stepsPerSecond: 0, drawsPerSecond: 0, paintsPerSecond: 0 };
    this.paintWindow = { start: performance.now(), paints: 0 };
    this.controls();
  }

  // The main page's Python, for the stepper on one example.
  attach(pyodide) {
    this.python = pyodide;
    this.examplePage = pyodide.runPython("import lab_playground\nlab_playground.example_page");
    this.start(); // load the trainer's own Python in the background
  }

  open() {
    this.start();
  }

  start() {
    if (this.worker) return;
    this.worker = new Worker(new URL("worker.js", this.base), { type: "module" });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.setStatus("Loading the trainer's Python…");
    this.reset();
  }

  send(message) {
    this.worker?.postMessage(message);
  }

  setStatus(text) {
    this.$("pg-rate").textContent = text;
  }

  controls() {
    const $ = this.$;
    const datasets = $("pg-datasets");
    for (const name of DATASETS) {
      const button = this.doc.createElement("button");
      button.textContent = name;
      button.dataset.dataset = name;
      button.setAttribute("aria-pressed", String(name === this.config.dataset));
      button.addEventListener("click", () => {
        for (const b of datasets.children) b.setAttribute("aria-pressed", String(b === button));
        this.config.dataset = name;
        this.reset();
      });
      datasets.append(button);
    }
    $("pg-play").addEventListener("click", () => this.play(!this.playing));
    $("pg-step").addEventListener("click", () => {
      this.play(false);
      this.send({ type: "step" });
    });
    $("pg-reset").addEventListener("click", () => this.reset());
    $("pg-regenerate").addEventListener("click", () => {
      this.config.seed += 1;
      this.reset();
    });
    const live = (id, key, parse) =>
      $(id).addEventListener("change", () => {
        this.config[key] = parse($(id).value);
        this.send({ type: "set", key, value: this.config[key] });
      });
    live("pg-lr", "learning_rate", Number);
    live("pg-reg", "regularization", String);
    live("pg-reg-rate", "regularization_rate", Number);
    $("pg-activation").addEventListener("change", () => {
      this.config.activation = $("pg-activation").value;
      this.reset();
    });
    const slider = (id, key, show, parse, resets) => {
      $(id).addEventListener("input", () => ($(id + "-text").textContent = show($(id).value)));
      $(id).addEventListener("change", () => {
        this.config[key] = parse($(id).value);
        if (resets) this.reset();
        else this.send({ type: "set", key, value: this.config[key] });
      });
    };
    slider("pg-ratio", "train_percent", (v) => `${v}%`, Number, true);
    slider("pg-noise", "noise", (v) => v, (v) => Number(v) / 100, true);
    slider("pg-batch", "batch_size", (v) => v, Number, false);
    $("pg-add-layer").addEventListener("click", () => {
      if (this.config.hidden.length < MAX_LAYERS) this.config.hidden.push(2);
      this.reset();
    });
    $("pg-remove-layer").addEventListener("click", () => {
      this.config.hidden.pop();
      this.reset();
    });
    $("pg-show-test").addEventListener("change", () => this.drawOutput());
    $("pg-output").addEventListener("click", (event) => this.choosePoint(event));
    $("pg-stepper").addEventListener("click", () => this.openStepper());
    $("pg-dialog-close").addEventListener("click", () => $("pg-dialog").close());
  }

  play(on) {
    this.playing = on;
    this.$("pg-play").textContent = on ? "❚❚ pause" : "▶ train";
    this.send({ type: on ? "play" : "pause" });
  }

  // The controls show this.config (it may also be set from code, as the tests do).
  syncControls() {
    const $ = this.$;
    for (const b of $("pg-datasets").children) {
      b.setAttribute("aria-pressed", String(b.dataset.dataset === this.config.dataset));
    }
    $("pg-lr").value = String(this.config.learning_rate);
    $("pg-activation").value = this.config.activation;
    $("pg-reg").value = this.config.regularization;
    $("pg-reg-rate").value = String(this.config.regularization_rate);
    $("pg-ratio").value = this.config.train_percent;
    $("pg-ratio-text").textContent = `${this.config.train_percent}%`;
    $("pg-noise").value = Math.round(this.config.noise * 100);
    $("pg-noise-text").textContent = Math.round(this.config.noise * 100);
    $("pg-batch").value = this.config.batch_size;
    $("pg-batch-text").textContent = this.config.batch_size;
  }

  reset() {
    const wasPlaying = this.playing;
    this.syncControls();
    this.play(false);
    this.history = [];
    this.chosenLink = null;
    this.chosenPoint = null;
    this.$("pg-layers-text").textContent =
      `${this.config.hidden.length} hidden layer${this.config.hidden.length === 1 ? "" : "s"}`;
    this.send({ type: "reset", config: structuredClone(this.config) });
    if (wasPlaying) this.play(true);
  }

  receive(message) {
    if (message.type === "ready") {
      this.setStatus("ready");
    } else if (message.type === "error") {
      this.play(false);
      const box = this.$("pg-error");
      box.textContent = message.message;
      box.hidden = false;
    } else if (message.type === "data") {
      this.$("pg-error").hidden = true;
      this.points = message.points;
    } else if (message.type === "state") {
      this.state = message.state;
      this.grid = message.grid;
      this.resolution = message.resolution;
      Object.assign(this.stats, message.stats);
      this.history.push([this.state.epochs, this.state.train_loss, this.state.test_loss]);
      this.draw();
    }
  }

  // --- drawing ------------------------------------------------------------------------

  draw() {
    const state = this.state;
    this.$("pg-epoch").textContent = state.epochs.toFixed(state.epochs < 10 ? 2 : 0);
    this.$("pg-steps").textContent = state.steps;
    if (this.playing && this.stats.stepsPerSecond) {
      this.setStatus(`${this.stats.stepsPerSecond.toFixed(0)} steps/s`);
    }
    this.$("pg-test-loss").textContent = state.test_loss.toFixed(3);
    this.$("pg-train-loss").textContent = state.train_loss.toFixed(3);
    this.drawNetwork();
    this.drawOutput();
    this.drawLosses();
    this.showChosen();
    this.paints += 1;
    const now = performance.now();
    this.paintWindow.paints += 1;
    if (now - this.paintWindow.start >= 1000) {
      this.stats.paintsPerSecond = (1000 * this.paintWindow.paints) / (now - this.paintWindow.start);
      this.paintWindow = { start: now, paints: 0 };
    }
  }

  // Where each picture sits: features in column 0, then each hidden layer, then the output.
  layout() {
    const active = this.config.features.length;
    const columns = [FEATURES.length, ...this.state.layers.map((layer) => layer.length)];
    const height = Math.max(...columns) * ROW + 40;
    const centre = (count, i) => 36 + (height - 40 - count * ROW) / 2 + i * ROW;
    const nodes = columns.map((count, c) =>
      Array.from({ length: count }, (_, i) => ({ x: 70 + c * COLUMN, y: centre(count, i) })),
    );
    return { nodes, height, width: 70 + (columns.length - 1) * COLUMN + NODE + 60, active };
  }

  drawNetwork() {
    const host = this.$("pg-network");
    const { nodes, height, width } = this.layout();
    const shape = JSON.stringify([this.config.features, this.state.layers.map((l) => l.length)]);
    if (host.dataset.shape !== shape) this.buildNetwork(host, nodes, width, height, shape);
    const n = this.resolution;
    const pictures = host.querySelectorAll("canvas");
    // Features first (normalised by their largest value), then neurons (clamped to ±1),
    // the output last, as the probability of class 1.
    let offset = 0;
    let p = 0;
    for (const _ of FEATURES) {
      const canvas = pictures[p++];
      let largest = 1e-12;
      for (let k = 0; k < n * n; k++) largest = Math.max(largest, Math.abs(this.grid[offset + k]));
      paint(canvas, this.grid, offset, n, (v) => v / largest);
      offset += n * n;
    }
    const last = this.state.layers.length - 1;
    this.state.layers.forEach((layer, l) =>
      layer.forEach(() => {
        paint(pictures[p++], this.grid, offset, n, l === last ? (v) => 2 * v - 1 : (v) => v);
        offset += n * n;
      }),
    );
    // Connections: colour is the weight's sign, width its size.
    for (const path of host.querySelectorAll("path.link")) {
      const { l, j, i } = path.dataset;
      const w = this.state.layers[l][j].w[i];
      const [r, g, b] = w >= 0 ? BLUE : ORANGE;
      path.setAttribute("stroke", `rgb(${r},${g},${b})`);
      path.setAttribute("stroke-width", String(Math.min(0.6 + 1.6 * Math.abs(w), 7)));
      path.setAttribute("stroke-opacity", String(Math.min(0.25 + 0.5 * Math.abs(w), 1)));
    }
  }

  buildNetwork(host, nodes, width, height, shape) {
    const svgNS = "http://www.w3.org/2000/svg";
    host.replaceChildren();
    host.dataset.shape = shape;
    host.style.height = `${height}px`;
    const svg = this.doc.createElementNS(svgNS, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    host.append(svg);
    const inputs = FEATURES.map(([name], i) => ({ name, node: nodes[0][i] })).filter((f) =>
      this.config.features.includes(f.name),
    );
    const sources = [inputs.map((f) => f.node), ...nodes.slice(1)];
    const layers = this.state.layers;
    layers.forEach((layer, l) =>
      layer.forEach((_, j) =>
        sources[l].forEach((from, i) => {
          const to = nodes[l + 1][j];
          const [x1, y1, x2, y2] = [from.x + NODE, from.y + NODE / 2, to.x, to.y + NODE / 2];
          const d = `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
          for (const kind of ["link", "hit"]) {
            const path = this.doc.createElementNS(svgNS, "path");
            path.setAttribute("d", d);
            path.setAttribute("class", kind);
            Object.assign(path.dataset, { l, j, i });
            path.addEventListener("click", () => {
              this.chosenLink = { kind: "w", l, j, i };
              this.showChosen();
            });
            svg.append(path);
          }
        }),
      ),
    );
    const label = (x, y, text, anchor = "middle") => {
      const t = this.doc.createElementNS(svgNS, "text");
      Object.assign(t, { textContent: text });
      t.setAttribute("x", x);
      t.setAttribute("y", y);
      t.setAttribute("text-anchor", anchor);
      svg.append(t);
      return t;
    };
    label(nodes[0][0].x + NODE / 2, 14, "Features");
    nodes.slice(1).forEach((column, c) => {
      const x = column[0].x + NODE / 2;
      const isOutput = c === layers.length - 1;
      label(x, 14, isOutput ? "Output" : `${column.length} neuron${column.length === 1 ? "" : "s"}`);
      if (!isOutput) {
        for (const [text, dx, change] of [["+", -12, 1], ["−", 12, -1]]) {
          const t = label(x + dx, 30, text);
          t.classList.add("pm");
          t.style.fontSize = "17px";
          t.addEventListener("click", () => {
            const size = this.config.hidden[c] + change;
            if (size >= 1 && size <= MAX_NEURONS) {
              this.config.hidden[c] = size;
              this.reset();
            }
          });
        }
      }
    });
    const picture = (node, title, onClick, cls) => {
      const canvas = this.doc.createElement("canvas");
      canvas.width = canvas.height = this.resolution;
      Object.assign(canvas.style, {
        position: "absolute", left: `${node.x}px`, top: `${node.y}px`, width: `${NODE}px`,
        height: `${NODE}px`, border: "1px solid #999", cursor: "pointer",
      });
      canvas.title = title;
      if (cls) canvas.className = cls;
      canvas.addEventListener("click", onClick);
      host.append(canvas);
    };
    FEATURES.forEach(([name, text], i) => {
      const on = this.config.features.includes(name);
      label(nodes[0][i].x - 6, nodes[0][i].y + NODE / 2 + 4, text, "end");
      picture(nodes[0][i], `${text}: click to ${on ? "remove" : "add"} this input`, () => {
        const chosen = new Set(this.config.features);
        if (on && chosen.size > 1) chosen.delete(name);
        else chosen.add(name);
        this.config.features = FEATURES.map(([f]) => f).filter((f) => chosen.has(f));
        this.reset();
      }, on ? "feature" : "feature off");
    });
    layers.forEach((layer, l) =>
      layer.forEach((_, j) =>
        picture(nodes[l + 1][j], "click: this neuron's bias and its gradient", () => {
          this.chosenLink = { kind: "b", l, j };
          this.showChosen();
        }),
      ),
    );
  }

  showChosen() {
    const box = this.$("pg-weight");
    const chosen = this.chosenLink;
    for (const path of this.$("pg-network").querySelectorAll("path.link")) {
      const d = path.dataset;
      path.classList.toggle(
        "chosen",
        !!chosen && chosen.kind === "w" && d.l == chosen.l && d.j == chosen.j && d.i == chosen.i,
      );
    }
    if (!chosen || !this.state) return;
    const neuron = this.state.layers[chosen.l]?.[chosen.j];
    if (!neuron) return;
    const last = chosen.l == this.state.layers.length - 1;
    const where = last ? "the output neuron" : `neuron ${Number(chosen.j) + 1} of hidden layer ${Number(chosen.l) + 1}`;
    const from = chosen.l == 0
      ? this.config.features[chosen.i]
      : `neuron ${Number(chosen.i) + 1} of hidden layer ${chosen.l}`;
    const [value, gradient, what] = chosen.kind === "w"
      ? [neuron.w[chosen.i], neuron.w_grad[chosen.i], `weight from ${from} to ${where}`]
      : [neuron.b, neuron.b_grad, `bias of ${where}`];
    box.innerHTML = "";
    box.append(
      Object.assign(this.doc.createElement("div"), { textContent: `The ${what}:` }),
      Object.assign(this.doc.createElement("div"), {
        innerHTML: `value <b data-value>${number(value)}</b> · ∂L/∂${chosen.kind} = <b data-gradient>${number(gradient)}</b>`,
      }),
      Object.assign(this.doc.createElement("div"), {
        className: "small",
        textContent: this.state.steps
          ? "the gradient of the last minibatch's loss (penalty included); each step subtracts learning rate × gradient"
          : "no step taken yet: press step or train",
      }),
    );
  }

  drawOutput() {
    const canvas = this.$("pg-output");
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    if (this.grid) {
      const n = this.resolution;
      const small = Object.assign(this.doc.createElement("canvas"), { width: n, height: n });
      // Paler than the points, so a point stays visible on a confident background.
      paint(small, this.grid, this.grid.length - n * n, n, (v) => 0.6 * (2 * v - 1));
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(small, 0, 0, canvas.width, canvas.height);
    }
    if (!this.points) return;
    const toPixel = (x, y) => [
      ((x + EXTENT) / (2 * EXTENT)) * canvas.width,
      ((EXTENT - y) / (2 * EXTENT)) * canvas.height,
    ];
    const sets = [["train", "#fff"]];
    if (this.$("pg-show-test").checked) sets.push(["test", "#000"]);
    for (const [set, ring] of sets) {
      for (const [x, y, label] of this.points[set]) {
        const [px, py] = toPixel(x, y);
        const [r, g, b] = label ? BLUE : ORANGE;
        context.beginPath();
        context.arc(px, py, 3.5, 0, 2 * Math.PI);
        context.fillStyle = `rgb(${r},${g},${b})`;
        context.fill();
        context.lineWidth = 1;
        context.strokeStyle = ring;
        context.stroke();
      }
    }
    const point = this.chosenPoint ?? this.points.train[0];
    const [px, py] = toPixel(point[0], point[1]);
    context.beginPath();
    context.arc(px, py, 7, 0, 2 * Math.PI);
    context.lineWidth = 2;
    context.strokeStyle = "#222";
    context.stroke();
    this.$("pg-example").textContent =
      `Example (${point[0].toFixed(2)}, ${point[1].toFixed(2)}), class ${point[2]}.`;
  }

  choosePoint(event) {
    if (!this.points) return;
    const canvas = this.$("pg-output");
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * 2 * EXTENT - EXTENT;
    const y = EXTENT - ((event.clientY - box.top) / box.height) * 2 * EXTENT;
    const all = [...this.points.train, ...(this.$("pg-show-test").checked ? this.points.test : [])];
    let best = null;
    for (const p of all) {
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (!best || d < best[0]) best = [d, p];
    }
    this.chosenPoint = best[1];
    this.drawOutput();
  }

  drawLosses() {
    const canvas = this.$("pg-loss-chart");
    const context = canvas.getContext("2d");
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    if (this.history.length < 2) return;
    const top = Math.max(...this.history.map(([, a, b]) => Math.max(a, b)), 1e-9);
    const last = this.history.length - 1;
    for (const [index, stroke] of [[2, "#000"], [1, "#999"]]) {
      context.beginPath();
      this.history.forEach((row, k) => {
        const x = (k / last) * width;
        const y = height - 2 - (row[index] / top) * (height - 4);
        k ? context.lineTo(x, y) : context.moveTo(x, y);
      });
      context.strokeStyle = stroke;
      context.lineWidth = 1.5;
      context.stroke();
    }
  }

  // The stepper on the chosen example at the current weights (the main page's Python).
  openStepper() {
    if (!this.python || !this.state || !this.points) return;
    const point = this.chosenPoint ?? this.points.train[0];
    const toPy = (x) => this.python.toPy(x);
    try {
      const page = this.examplePage(
        toPy(this.config), toPy(this.state.layers), toPy(point.slice(0, 2)), point[2],
      );
      this.$("pg-dialog-frame").srcdoc = page;
      this.$("pg-dialog-title").textContent =
        `The example (${point[0].toFixed(2)}, ${point[1].toFixed(2)}), class ${point[2]}, at the weights of step ${this.state.steps}`;
      this.$("pg-dialog").showModal();
    } catch (error) {
      const box = this.$("pg-error");
      box.textContent = error.message;
      box.hidden = false;
    }
  }
}
