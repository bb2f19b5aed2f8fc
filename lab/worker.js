// The Playground's trainer: its own Python (Pyodide) in a Web Worker, so the page never
// waits on training. It trains in short slices and, between them, reads messages from the
// page and sends it the network's state and pictures (lab/python/lab_playground.py).
//
// Page → worker: {type: "reset", config} | {type: "play"} | {type: "pause"} | {type: "step"}
//                | {type: "set", key, value}
// Worker → page: {type: "ready"} | {type: "data", points} | {type: "state", state, grid,
//                 resolution, stats} | {type: "error", message}
import { startPython } from "./runtime.js";

const SLICE_MS = 40; // train this long between looks at the page's messages
const DRAW_MS = 200; // send pictures this often while training (5 a second)
const RESOLUTION = 32; // the pictures' grid, resolution × resolution points

let pyodide = null;
let playground = null;
let session = null;
let playing = false;
let generation = 0; // each play starts a new loop; an older one sees the change and ends
let lastDraw = 0;
const stats = { stepsPerSecond: 0, drawsPerSecond: 0 };
let window_ = { start: 0, steps: 0, draws: 0 };

const post = (message, transfer = []) => self.postMessage(message, transfer);

function fail(error) {
  playing = false;
  const text = String(error.message || error);
  // Python's own message is the last line of its traceback.
  const lines = text.trim().split("\n");
  post({ type: "error", message: lines[lines.length - 1] });
}

function sendState() {
  lastDraw = performance.now(); // measured start to start, so a slow picture does not slow the rate
  const stateProxy = session.state();
  const state = stateProxy.toJs({ dict_converter: Object.fromEntries });
  stateProxy.destroy();
  const proxy = session.grid(RESOLUTION);
  const buffer = proxy.getBuffer("f32");
  const grid = buffer.data.slice();
  buffer.release();
  proxy.destroy();
  post({ type: "state", state, grid, resolution: RESOLUTION, stats: { ...stats } }, [grid.buffer]);
  window_.draws += 1;
}

function measure(now) {
  const elapsed = now - window_.start;
  if (elapsed >= 1000) {
    stats.stepsPerSecond = (1000 * window_.steps) / elapsed;
    stats.drawsPerSecond = (1000 * window_.draws) / elapsed;
    window_ = { start: now, steps: 0, draws: 0 };
  }
}

async function loop() {
  const mine = ++generation;
  window_ = { start: performance.now(), steps: 0, draws: 0 };
  while (playing && mine === generation) {
    const end = Math.min(performance.now() + SLICE_MS, lastDraw + DRAW_MS);
    try {
      while (performance.now() < end && playing && mine === generation) {
        session.step();
        window_.steps += 1;
      }
      const now = performance.now();
      if (now - lastDraw >= DRAW_MS) sendState();
      measure(performance.now());
    } catch (error) {
      fail(error);
      if (session) sendState();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page's messages in
  }
}

async function handle(message) {
  if (message.type === "reset") {
    playing = false;
    try {
      session?.destroy();
      session = playground.Session(pyodide.toPy(message.config));
    } catch (error) {
      session = null;
      fail(error);
      return;
    }
    const points = session.points();
    post({ type: "data", points: points.toJs({ dict_converter: Object.fromEntries }) });
    points.destroy();
    sendState();
  } else if (!session) {
    return;
  } else if (message.type === "play") {
    if (!playing) {
      playing = true;
      loop();
    }
  } else if (message.type === "pause") {
    playing = false;
    sendState();
  } else if (message.type === "step") {
    playing = false;
    try {
      session.step();
    } catch (error) {
      fail(error);
    }
    sendState();
  } else if (message.type === "set") {
    try {
      session.set(message.key, pyodide.toPy(message.value));
    } catch (error) {
      fail(error);
    }
  }
}

const early = [];
self.onmessage = (event) => (pyodide ? handle(event.data) : early.push(event.data));

startPython(new URL(".", self.location.href))
  .then(({ pyodide: python }) => {
    pyodide = python;
    playground = pyodide.pyimport("lab_playground");
    post({ type: "ready" });
    for (const message of early) handle(message);
  })
  .catch((error) => post({ type: "error", message: `Could not start Python: ${error.message}` }));
