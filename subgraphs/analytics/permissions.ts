import type { PermissionMap } from "../../shared/security/permissions.js";
import { fields, hasRole } from "../../shared/security/rules.js";

/**
 * Who may see what in the analytics subgraph: analysts and admins. Every field of every type has a rule here;
 * a test fails on any field without one.
 */
const analysts = hasRole("admin", "analyst");

export const analyticsPermissions: PermissionMap = {
  Query: { analytics: analysts },
  Analytics: fields(["k", "series"], analysts),
  AnalyticsCell: fields(["bucket", "dimension", "count", "suppressed"], analysts),
};
