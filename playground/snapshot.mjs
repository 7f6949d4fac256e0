// Build step (run by tools/build_playground.py with node): start Pyodide from a built
// playground folder, unpack its wheels, import what the first view needs and draw the
// default view once, then save the WebAssembly memory as SITE/pyodide-snapshot.bin. The
// page restores it instead of starting Python from nothing: the interpreter's start-up and
// our imports are then already done. Pyodide's memory snapshots are an experimental,
// undocumented option of this pinned version (_makeSnapshot, _loadSnapshot); the page falls
// back to a plain start when the file is missing or does not restore.
//
//   node playground/snapshot.mjs SITE
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const site = path.resolve(process.argv[2] ?? "");
if (process.argv.length !== 3 || !fs.existsSync(path.join(site, "wheels.json"))) {
  console.error("usage: node snapshot.mjs SITE (a built playground folder, with wheels.json)");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(path.join(site, "pyodide", "pyodide.mjs")).href);
let sitePackages = null;
const pyodide = await loadPyodide({
  indexURL: path.join(site, "pyodide") + path.sep,
  _makeSnapshot: true,
  fsInit: async (_fs, info) => { sitePackages = info.sitePackages; },
});
const listing = JSON.parse(fs.readFileSync(path.join(site, "wheels.json"), "utf-8"));
for (const name of listing.wheels) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(site, "wheels", path.basename(name))));
  pyodide.unpackArchive(bytes, "wheel", { extractDir: sitePackages });
}
// The same import the page runs, and one default view: module-level and first-use caches
// fill here, once, instead of in every learner's browser.
pyodide.runPython([
  "import json",
  "from visualize.playground import Playground",
  "_warm = Playground()",
  "_shown = _warm.update(_warm.query('')['state'], False, False)",
  "_warm.frame('main', _shown['frames'] - 1)",
  "del _warm, _shown",
].join("\n"));
const snapshot = pyodide.makeMemorySnapshot();
fs.writeFileSync(path.join(site, "pyodide-snapshot.bin"), snapshot);
console.log(`pyodide-snapshot.bin: ${snapshot.length} bytes`);
