import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevToken } from "../../scripts/commands/token.js";
import { startTestStack, type TestStack } from "../helpers/stack.js";

let stack: TestStack;
const SECRETS = [
  "Quetzalcoatl",
  "Xochiquetzal",
  "quetzal.secret",
  "fault-test.example",
  "1977-07-07",
  "555 0142",
];

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.close();
});

describe("privacy when things fail", () => {
  it("logs none of a batch's personal values when the subgraph behind the gateway is down", async () => {
    const token = await createDevToken(stack.config, { roles: ["ingestor"] });
    const identity = stack.services.find((s) => s.name === "identity")!;
    await identity.stop();
    stack.logs.lines.length = 0;
    const { body } = await stack.gql(
      `mutation($batch: [VerifiedUserInput!]!) { ingestVerifiedUsers(batch: $batch) { created } }`,
      {
        batch: [
          {
            externalRef: "fault-1",
            firstName: "Quetzalcoatl",
            lastName: "Xochiquetzal",
            email: "quetzal.secret@fault-test.example",
            dateOfBirth: "1977-07-07",
            phoneNumber: "+1 415 555 0142",
          },
        ],
      },
      { authorization: `Bearer ${token}` },
    );
    expect(body.errors?.[0]?.extensions?.code).toMatch(/SERVICE_UNAVAILABLE|INTERNAL/);
    await new Promise((r) => setTimeout(r, 100));
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(stack.logs.leaked(SECRETS)).toEqual([]);
    for (const value of SECRETS) expect(JSON.stringify(body), value).not.toContain(value);
  });
});
