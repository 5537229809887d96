import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The source folders tsc compiles (tsconfig.json's `include`). */
const SOURCE_DIRS = ["gateway", "subgraphs", "shared", "db", "scripts"];

/**
 * The compiled file a worker thread runs, next to the module that starts it (`sibling`, e.g. `./x-worker.js`).
 * Worker threads run plain JavaScript: when the caller itself runs from TypeScript sources (the test runner),
 * the worker is the same module compiled by `make build` under dist/, which `make test` builds first. A source
 * newer than the last build is refused rather than silently run as the old code on the worker side.
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
  const buildInfo = join(root, "dist", ".tsbuildinfo");
  if (!existsSync(compiled) || !existsSync(buildInfo)) {
    throw new Error(`worker script ${compiled} is missing: run \`make build\``);
  }
  // tsc rewrites its build info only when an output changed; `make build` touches dist/.built after every run.
  const marker = join(root, "dist", ".built");
  const built = Math.max(statSync(buildInfo).mtimeMs, existsSync(marker) ? statSync(marker).mtimeMs : 0);
  const stale = SOURCE_DIRS.flatMap((dir) => newerSources(join(root, dir), built));
  if (stale.length > 0) {
    throw new Error(`${relative(root, stale[0]!)} changed after the last build: run \`make build\``);
  }
  return pathToFileURL(compiled).href;
}

function newerSources(dir: string, than: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return newerSources(path, than);
    return entry.name.endsWith(".ts") && statSync(path).mtimeMs > than ? [path] : [];
  });
}
