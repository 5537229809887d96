import { fail, ok, type Result } from "../../../shared/validation/field-error.js";
import { checkMaxLength, checkNotEmpty, requireString } from "../../../shared/validation/strings.js";

const FIELD = "externalRef";
export const MAX_EXTERNAL_REF_LENGTH = 128;

/**
 * The backend's own identifier. Restricted to printable ASCII without spaces so that it survives URLs,
 * logs, CSV and every database collation unchanged; case is significant and kept.
 */
const EXTERNAL_REF = /^[A-Za-z0-9\-_.:/@]+$/;

export function cleanExternalRef(raw: unknown): Result<string> {
  const required = requireString(FIELD, raw);
  if (!required.ok) return required;
  const value = required.value.trim();
  const present = checkNotEmpty(FIELD, value);
  if (!present.ok) return present;
  const limited = checkMaxLength(FIELD, value, MAX_EXTERNAL_REF_LENGTH);
  if (!limited.ok) return limited;
  if (!EXTERNAL_REF.test(value)) {
    return fail(
      FIELD,
      "INVALID_EXTERNAL_REF",
      "externalRef must contain only ASCII letters, digits and the characters - _ . : / @",
    );
  }
  return ok(value);
}
