import type { KeyObject } from "node:crypto";
import { inspect } from "node:util";

/**
 * A data subject's unwrapped data key. It lives for one request or one ingest batch, in memory only, and
 * never prints: logging one by mistake shows the subject id, not the key.
 */
export class DataKey {
  /** The subject id's bytes, bound into every field's associated data (computed once per key). */
  readonly subjectIdBytes: Buffer;

  constructor(
    readonly subjectId: string,
    readonly key: KeyObject,
  ) {
    this.subjectIdBytes = Buffer.from(subjectId, "utf8");
  }

  toJSON(): { subjectId: string } {
    return { subjectId: this.subjectId };
  }

  [inspect.custom](): string {
    return `DataKey(${this.subjectId})`;
  }
}
