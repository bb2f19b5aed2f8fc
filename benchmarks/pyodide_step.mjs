// One fresh Pyodide under Node, for benchmarks/pyodide.py: reads a job as JSON on stdin,
//   {"indexURL": ".../lab/node_modules/pyodide/", "files": {"/path/in/pyodide": "text"},
//    "paths": ["/dir/for/sys.path"], "code": "python source whose last line is a str"}
// loads Pyodide's core from indexURL (no package is loaded, nothing is fetched), writes the
// files into Pyodide's in-memory file system, runs the code and prints what it evaluates to
// on stdout, as the last line. Python's own print() goes to stderr, so stdout stays parseable.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

const job = JSON.parse(readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(`${job.indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide({
  indexURL: job.indexURL,
  // Any package request would go here, not to a CDN: there is nothing else to load.
  packageBaseUrl: job.indexURL,
  stdout: (line) => process.stderr.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
for (const [path, text] of Object.entries(job.files)) {
  pyodide.FS.mkdirTree(dirname(path));
  pyodide.FS.writeFile(path, text, { encoding: "utf8" });
}
const sys = pyodide.pyimport("sys");
for (const path of [...job.paths].reverse()) sys.path.insert(0, path);
try {
  process.stdout.write(`${pyodide.runPython(job.code)}\n`);
} catch (error) {
  // A Python exception's message is its traceback; Node's own report would print the
  // minified line of Pyodide's runtime that rethrew it instead.
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
