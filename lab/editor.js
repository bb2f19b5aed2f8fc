// Code → graph → steps: a textarea of Python, Run (draw the graph with every gradient) and
// Step (the stepper page of that graph, exactly BackwardStepper(root, quiz=...).html()).
// Python's side is lab/python/lab_editor.py; this file only moves text and pictures.

const INDENT = "    ";

// ?code=<base64url of the UTF-8 source> (padding optional) and ?example=<name>.
export function decodeCode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

export function encodeCode(source) {
  let binary = "";
  for (const byte of new TextEncoder().encode(source)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class Editor {
  constructor(doc) {
    const $ = (id) => doc.getElementById(id);
    this.source = $("source");
    this.example = $("example");
    this.runButton = $("run");
    this.stepButton = $("step");
    this.quiz = $("quiz");
    this.error = $("error");
    this.output = $("output");
    this.leaves = $("leaves");
    this.graph = $("graph");
    this.stepper = $("stepper");
    this.viewGraph = $("view-graph");
    this.viewSteps = $("view-steps");
    this.stepperTab = $("stepper-tab");
    this.panel = $("code");
    this.stepperURL = null;
    this.examples = fetch("examples.json").then((r) => r.json());
    this.python = null;
    this.runs = 0;
    this.keyboard();
    this.example.addEventListener("change", () => this.load(this.example.value, true));
    this.runButton.addEventListener("click", () => this.run());
    this.stepButton.addEventListener("click", () => this.step());
    $("share").addEventListener("click", () => this.share());
    this.viewGraph.addEventListener("click", () => this.showView("graph"));
    this.viewSteps.addEventListener("click", () => this.showView("steps"));
    this.initial = this.fromAddress();
  }

  // The code the page opens with: ?code=, else ?example=, else the lecture's expression.
  async fromAddress() {
    const params = new URLSearchParams(location.search);
    if (params.has("code")) {
      try {
        this.source.value = decodeCode(params.get("code"));
        this.example.value = "";
        return;
      } catch (error) {
        this.showError(`The link's code could not be read (?code= must be base64url of UTF-8 text): ${error.message}`);
      }
    }
    const name = params.get("example") || "lecture";
    const examples = await this.examples;
    if (!(name in examples)) {
      this.showError(`There is no example called "${name}"; the examples are: ${Object.keys(examples).join(", ")}.`);
    }
    await this.load(name in examples ? name : "lecture", false);
  }

  async load(name, run) {
    const examples = await this.examples;
    this.example.value = name;
    this.source.value = examples[name];
    if (run && this.python) this.run();
  }

  keyboard() {
    let escaped = false; // after Escape, Tab leaves the editor (keyboard users must get out)
    this.source.addEventListener("keydown", (event) => {
      const area = this.source;
      if (event.key === "Escape") escaped = true;
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        this.run();
      } else if (event.key === "Tab" && !escaped) {
        event.preventDefault();
        const { selectionStart: start, selectionEnd: end, value } = area;
        const lineStart = value.lastIndexOf("\n", start - 1) + 1;
        if (event.shiftKey) {
          const line = value.slice(lineStart);
          const remove = line.startsWith(INDENT) ? INDENT.length : line.match(/^ */)[0].length;
          area.setRangeText("", lineStart, lineStart + remove, "preserve");
        } else if (start !== end && value.slice(start, end).includes("\n")) {
          const block = value.slice(lineStart, end).replace(/^/gm, INDENT);
          area.setRangeText(block, lineStart, end, "select");
        } else {
          area.setRangeText(INDENT, start, end, "end");
        }
      } else if (event.key === "Enter" && !event.shiftKey) {
        // Keep the line's indentation, and indent once more after a colon.
        event.preventDefault();
        const { selectionStart: start, value } = area;
        const line = value.slice(value.lastIndexOf("\n", start - 1) + 1, start);
        const indent = line.match(/^ */)[0] + (line.trimEnd().endsWith(":") ? INDENT : "");
        area.setRangeText("\n" + indent, start, area.selectionEnd, "end");
      }
      if (event.key !== "Escape" && event.key !== "Tab") escaped = false;
    });
  }

  async attach(pyodide) {
    await this.initial;
    this.python = pyodide;
    this.call = pyodide.runPython("import lab_editor\nlab_editor.as_json");
    this.runButton.disabled = false;
    this.stepButton.disabled = false;
    await this.run();
  }

  callPython(name, ...args) {
    const answer = JSON.parse(this.call(name, ...args));
    if (!answer.ok) throw Object.assign(new Error(answer.error), { fromPython: true });
    return answer.value;
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  showView(which) {
    this.viewGraph.setAttribute("aria-selected", String(which === "graph"));
    this.viewSteps.setAttribute("aria-selected", String(which === "steps"));
    this.graph.hidden = which !== "graph";
    this.stepper.hidden = which !== "steps";
    this.stepperTab.hidden = which !== "steps";
    this.panel.classList.toggle("stepping", which === "steps");
  }

  // Run: draw the graph with every gradient, list the leaves, show what the code printed.
  async run() {
    if (!this.python) return;
    this.showError("");
    let result;
    try {
      result = this.callPython("run", this.source.value);
    } catch (error) {
      this.showError(error.message);
      return;
    }
    this.graph.innerHTML = result.svg.slice(result.svg.indexOf("<svg"));
    this.output.textContent = result.output;
    this.output.hidden = !result.output;
    const body = this.leaves.querySelector("tbody");
    body.replaceChildren();
    for (const leaf of result.leaves) {
      const row = body.insertRow();
      for (const text of [leaf.name, leaf.data, leaf.grad]) row.insertCell().textContent = text;
    }
    this.leaves.hidden = result.leaves.length === 0;
    this.runs += 1;
    this.showView("graph");
    this.viewSteps.disabled = true;
  }

  // Step: the stepper page (quiz on or off) in the iframe, from the code as it is now.
  async step() {
    if (!this.python) return;
    this.showError("");
    let page;
    try {
      page = this.callPython("stepper_page", this.source.value, this.quiz.checked);
    } catch (error) {
      this.showError(error.message);
      return;
    }
    this.stepper.srcdoc = page;
    // The same page, full size: a blob URL of this origin (nothing is fetched).
    if (this.stepperURL) URL.revokeObjectURL(this.stepperURL);
    this.stepperURL = URL.createObjectURL(new Blob([page], { type: "text/html" }));
    this.stepperTab.href = this.stepperURL;
    this.viewSteps.disabled = false;
    this.showView("steps");
  }

  share() {
    const url = new URL(location.href);
    url.search = "?code=" + encodeCode(this.source.value);
    url.hash = "";
    history.replaceState(null, "", url);
    navigator.clipboard?.writeText(url.href).catch(() => {});
  }
}
