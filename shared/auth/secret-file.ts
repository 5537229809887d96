import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A development secret under the data directory (0600), made on first use and shared by every local process.
 * Several services start together, so creation must be atomic *with its content*: a plain `wx` write lets a
 * second process read the file between its creation and its write (an empty secret). The content is written
 * to a private temporary file first and then hard-linked into place, which fails with EEXIST for the loser.
 */
export function readOrCreateSecretFile(dir: string, name: string, create: () => string): string {
  const file = join(dir, name);
  const existing = readSecretFile(dir, name);
  if (existing !== null) return existing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${name}.${randomUUID()}`);
  writeFileSync(temporary, create(), { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(file, "utf8");
}

/** The file's content, or null when it does not exist yet. */
export function readSecretFile(dir: string, name: string): string | null {
  try {
    return readFileSync(join(dir, name), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
