import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The compiled file a worker thread runs, next to the module that starts it (`sibling`, e.g. `./x-worker.js`).
 * Worker threads run plain JavaScript: when the caller itself runs from TypeScript sources (the test runner),
 * the worker is the same module compiled by `make build` under dist/, which `make test` builds first.
 */
export function workerScript(callerUrl: string, sibling: string): string {
  const callerPath = fileURLToPath(callerUrl);
  if (!callerPath.endsWith(".ts")) return new URL(sibling, callerUrl).href;
  let root = dirname(callerPath);
  while (!existsSync(join(root, "package.json"))) {
    const up = dirname(root);
    if (up === root) throw new Error("no package.json above the worker's caller");
    root = up;
  }
  const compiled = join(root, "dist", relative(root, dirname(callerPath)), sibling);
  if (!existsSync(compiled)) throw new Error(`worker script ${compiled} is missing: run \`make build\``);
  return pathToFileURL(compiled).href;
}
