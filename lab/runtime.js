// Starting Python in the browser: Pyodide from the site's own pyodide/ folder, then this
// project's wheels and the lab's Python modules unpacked into its file system. Nothing is
// fetched from anywhere but the page's own origin (manifest.json lists what to unpack).
import { loadPyodide } from "./pyodide/pyodide.mjs";

export async function startPython(base, timings = {}) {
  const url = (path) => new URL(path, base).href;
  const manifest = await (await fetch(url("manifest.json"))).json();
  // The wheels download while Pyodide compiles.
  const wheels = manifest.wheels.map((name) =>
    fetch(url("wheels/" + name)).then((r) => {
      if (!r.ok) throw new Error(`wheels/${name}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }),
  );
  const modules = manifest.python.map((name) =>
    fetch(url("python/" + name)).then((r) => r.text()),
  );
  const pyodide = await loadPyodide({ indexURL: url("pyodide/") });
  timings.pyodide = performance.now();
  for (const buffer of await Promise.all(wheels)) pyodide.unpackArchive(buffer, "wheel");
  pyodide.FS.mkdirTree("/lab");
  const texts = await Promise.all(modules);
  manifest.python.forEach((name, i) => pyodide.FS.writeFile("/lab/" + name, texts[i]));
  pyodide.runPython("import sys; sys.path.insert(0, '/lab')");
  timings.packages = performance.now();
  return { pyodide, manifest };
}
