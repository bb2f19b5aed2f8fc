// Build your own: the notebook track's cells (track.json, read from the notebook when the lab
// is built), each exercise an editable cell, each grader a Check button that shows the
// grader's report. Every cell runs in one Python namespace (lab/python/lab_track.py), so the
// Value written in exercise 1 is the one exercise 2 extends and the graders grade.
import { codeKeys } from "./editor.js";

const escape = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

// The little TeX the track's text uses, as HTML: ∂, ·, Σ, sub- and superscripts.
function math(tex) {
  return tex
    .replace(/\\mathrm\{([^}]*)\}/g, "$1")
    .replace(/\\partial/g, "∂")
    .replace(/\\cdot/g, "·")
    .replace(/\\sum/g, "Σ")
    .replace(/\\(tanh|exp)/g, "$1")
    .replace(/\^\{([^}]*)\}/g, "<sup>$1</sup>")
    .replace(/\^(\w)/g, "<sup>$1</sup>")
    .replace(/_\{([^}]*)\}/g, "<sub>$1</sub>")
    .replace(/_(\w)/g, "<sub>$1</sub>");
}

function inline(text) {
  // Code spans first, so that nothing inside them is read as emphasis or math.
  return text
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith("`") && part.endsWith("`") && part.length > 1
        ? `<code>${escape(part.slice(1, -1))}</code>`
        : escape(part)
            .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
            .replace(/\*([^*]+)\*/g, "<i>$1</i>")
            .replace(/\$([^$]+)\$/g, (_, tex) => `<span class="math">${math(tex)}</span>`),
    )
    .join("");
}

// The track's markdown: headings and paragraphs (what its cells use), nothing more.
export function markdown(source) {
  return source
    .split(/\n\s*\n/)
    .map((block) => {
      const heading = block.match(/^(#{1,3}) (.*)$/);
      if (heading && !block.includes("\n")) {
        const level = heading[1].length + 1;
        return `<h${level}>${inline(heading[2])}</h${level}>`;
      }
      return `<p>${inline(block.replace(/\n/g, " "))}</p>`;
    })
    .join("");
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

export class Track {
  constructor(doc) {
    this.doc = doc;
    this.cells = doc.getElementById("track-cells");
    this.restart = doc.getElementById("track-restart");
    this.note = doc.getElementById("track-note");
    this.call = null;
    this.busy = false;
    this.data = fetch("track.json").then((r) => r.json());
    this.shown = this.data.then((track) => this.show(track));
    this.restart.addEventListener("click", () => this.startOver());
  }

  show(track) {
    this.track = track;
    this.setup = [];
    track.cells.forEach((cell, index) => {
      const box = this.doc.createElement("div");
      box.className = `cell ${cell.kind}`;
      box.dataset.index = String(index);
      box.dataset.kind = cell.kind;
      if (cell.kind === "markdown") {
        box.innerHTML = markdown(cell.source);
      } else if (cell.kind === "setup") {
        box.innerHTML = `<pre>${escape(cell.source.trim())}</pre><span class="small">run for you when Python starts</span>`;
        this.setup.push(cell.source);
      } else {
        this.codeCell(box, cell, index);
      }
      this.cells.append(box);
    });
  }

  codeCell(box, cell, index) {
    const grader = cell.kind === "grader";
    if (cell.name) box.dataset.name = cell.name;
    const code = grader ? this.doc.createElement("pre") : this.doc.createElement("textarea");
    if (grader) {
      code.textContent = cell.source.trim();
    } else {
      code.value = cell.source;
      code.spellcheck = false;
      // As tall as its code, so that the whole exercise is in view as it grows.
      const fit = () => (code.rows = code.value.split("\n").length + 1);
      fit();
      code.addEventListener("input", fit);
      code.setAttribute("aria-label", cell.title ? `${cell.title}: your code` : "code");
      codeKeys(code, () => this.run(box));
    }
    code.className = "source";
    const bar = this.doc.createElement("div");
    bar.className = "cell-bar";
    const button = this.doc.createElement("button");
    button.className = grader ? "primary run" : "run";
    button.textContent = grader ? "Check" : "Run";
    button.disabled = true;
    button.title = grader ? "Run the grader on your code so far" : "Run this cell (Ctrl+Enter)";
    button.addEventListener("click", () => this.run(box));
    const state = this.doc.createElement("span");
    state.className = "state small";
    bar.append(button, state);
    const output = this.doc.createElement("pre");
    output.className = "output";
    output.hidden = true;
    const error = this.doc.createElement("pre");
    error.className = "error";
    error.hidden = true;
    const shown = this.doc.createElement("div");
    shown.className = "shown";
    shown.hidden = true;
    box.append(code, bar, output, error, shown);
    box.cell = {
      source: () => (grader ? cell.source : code.value),
      ...{ button, state, output, error, shown, grader },
      label: `cell ${index}`,
    };
  }

  async attach(pyodide) {
    await this.shown;
    this.call = pyodide.runPython("import lab_track\nlab_track.as_json");
    this.runSetup();
    for (const button of this.cells.querySelectorAll("button.run")) button.disabled = false;
  }

  runSetup() {
    for (const source of this.setup) {
      const result = JSON.parse(this.call("run_cell", source, "setup", true));
      if (result.error) throw new Error(`the track's imports failed: ${result.error}`);
    }
  }

  startOver() {
    if (!this.call) return;
    this.call("reset");
    this.runSetup();
    for (const box of this.cells.querySelectorAll(".cell")) {
      if (!box.cell) continue;
      for (const part of [box.cell.output, box.cell.error, box.cell.shown]) part.hidden = true;
      box.cell.state.textContent = "";
      delete box.dataset.state;
    }
    this.note.textContent = "Started over: nothing you defined is left; run the cells from the top.";
  }

  // "exercise 1, exercise 3": the exercises above `box` that have not run (without an error)
  // since the page opened or started over.
  notRunAbove(box) {
    const exercises = [...this.cells.querySelectorAll(".cell.exercise")];
    return exercises
      .map((other, i) => [other, i + 1])
      .filter(([other]) => other.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING)
      .filter(([other]) => other.dataset.state !== "done")
      .map(([, number]) => `exercise ${number}`)
      .join(", ");
  }

  // Run one cell: what it printed, its error, and its last value (a report's HTML, the two
  // steppers of compare) appear under it. Python runs on this page's thread: the cell's time
  // limit (lab_track.CELL_SECONDS) is what ends a runaway loop.
  async run(box) {
    const cell = box.cell;
    if (!this.call || this.busy) return;
    this.busy = true;
    box.dataset.state = "running";
    cell.state.textContent = cell.grader ? "grading… (a few seconds)" : "running…";
    cell.button.disabled = true;
    await frame(); // let the page say so before Python holds the thread
    const started = performance.now();
    let result;
    try {
      result = JSON.parse(this.call("run_cell", cell.source(), cell.label, cell.grader));
    } catch (error) {
      result = { output: "", html: null, text: null, error: `The lab failed: ${error.message}` };
    }
    cell.output.textContent = result.output + (result.text ? (result.output ? "\n" : "") + result.text : "");
    cell.output.hidden = !cell.output.textContent;
    const missing = result.error && /NameError/.test(result.error) && this.notRunAbove(box);
    if (missing) {
      result.error += `\n\nNot run yet: ${missing}. Each cell builds on the ones above it: run them first, from the top.`;
    }
    cell.error.textContent = result.error || "";
    cell.error.hidden = !result.error;
    cell.shown.innerHTML = result.html || "";
    cell.shown.hidden = !result.html;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    cell.state.textContent = result.error ? `failed (${seconds} s)` : `done (${seconds} s)`;
    box.dataset.state = result.error ? "error" : "done";
    cell.button.disabled = false;
    this.busy = false;
  }
}
