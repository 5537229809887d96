export type { FieldError, FieldErrorCode, Result } from "../../../shared/validation/field-error.js";
export {
  ageInYears,
  type CalendarDate,
  cleanDateOfBirth,
  type DateOfBirthOptions,
  daysInMonth,
  formatDate,
  isCalendarDate,
  utcCalendarDate,
} from "./date-of-birth.js";
export { cleanEmail, MAX_EMAIL_OCTETS, MAX_LOCAL_PART_OCTETS, normaliseEmailForIndex } from "./email.js";
export { cleanExternalRef, MAX_EXTERNAL_REF_LENGTH } from "./external-ref.js";
export { cleanName, MAX_NAME_CODE_POINTS } from "./name.js";
export { assertSupportedRegion, type CountryCode, cleanPhone, MAX_PHONE_INPUT_CODE_POINTS } from "./phone.js";
export {
  type CleanVerifiedUser,
  type CleanVerifiedUserOptions,
  type CleanVerifiedUserResult,
  cleanVerifiedAt,
  cleanVerifiedUser,
  VERIFIED_AT_CLOCK_SKEW_MS,
  type VerifiedUserInput,
} from "./verified-user.js";
