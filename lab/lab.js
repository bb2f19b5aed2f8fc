// The lab's page: start Python and Graphviz (both WebAssembly, both from this site), then
// hand them to the two tabs. Timings and counters for the tests and the benchmark are kept
// on window.lab.
import { startPython } from "./runtime.js";
import { Editor } from "./editor.js";
import { Playground } from "./playground.js";

const lab = (window.lab = { timings: {}, ready: false });
const status = document.getElementById("status");
const say = (text, isError = false) => {
  status.textContent = text;
  status.classList.toggle("error", isError);
};

const editor = new Editor(document);
const playground = new Playground(document, new URL(".", location.href));
lab.editor = editor;
lab.playground = playground;

function show(panel) {
  for (const tab of document.querySelectorAll("nav button")) {
    const selected = tab.dataset.panel === panel;
    tab.setAttribute("aria-selected", String(selected));
    document.getElementById(tab.dataset.panel).hidden = !selected;
  }
  if (panel === "playground") playground.open();
}
for (const tab of document.querySelectorAll("nav button")) {
  tab.addEventListener("click", () => {
    history.replaceState(null, "", tab.dataset.panel === "playground" ? "#playground" : "#");
    show(tab.dataset.panel);
  });
}
if (location.hash === "#playground") show("playground");

async function start() {
  const [{ pyodide, manifest }, viz] = await Promise.all([
    startPython(new URL(".", location.href), lab.timings),
    // Imported here, not above, so that Python's download need not wait for its 1.4 MB.
    import("./viz/viz.js")
      .then((module) => module.instance())
      .then((viz) => ((lab.timings.viz = performance.now()), viz)),
  ]);
  lab.timings.python = performance.now();
  // The one seam: autograd_engine's drawings call Graphviz through this function here,
  // where the `dot` program cannot run. Same DOT in, viz-js's layout out.
  pyodide.registerJsModule("lab_graphviz", {
    render: (dot) => viz.renderString(dot, { format: "svg", engine: "dot" }),
  });
  pyodide.runPython(
    "from autograd_engine.viz import set_dot_renderer\n" +
      "from lab_graphviz import render\n" +
      "set_dot_renderer(lambda dot: str(render(dot)))\n",
  );
  lab.pyodide = pyodide;
  say(`Python ready (Pyodide ${manifest.versions.pyodide}, Graphviz via viz-js ${manifest.versions["@viz-js/viz"]})`);
  await editor.attach(pyodide);
  lab.timings.interactive = performance.now();
  lab.ready = true;
  playground.attach(pyodide);
}

start().catch((error) => {
  say(`Could not start Python: ${error.message}`, true);
  console.error(error);
});
