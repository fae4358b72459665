import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from "./signing.js";

// The example of the Standard Webhooks specification (and its reference libraries' tests).
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signing", () => {
  it("matches the specification's test vector", () => {
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it("sends one signature per secret while a secret rotates, each verifiable", () => {
    const next = generateWebhookSecret();
    const headers = webhookHeaders([next, SPEC.secret], SPEC.id, SPEC.timestamp, SPEC.body);
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(SPEC.signature);
    const given = { id: SPEC.id, timestamp: String(SPEC.timestamp), signature: headers["webhook-signature"] };
    const now = SPEC.timestamp * 1000;
    expect(verifyWebhook(SPEC.secret, given, SPEC.body, { now })).toBe(true);
    expect(verifyWebhook(next, given, SPEC.body, { now })).toBe(true);
    expect(verifyWebhook(generateWebhookSecret(), given, SPEC.body, { now })).toBe(false);
  });

  it("refuses an altered body and a stale timestamp", () => {
    const given = { id: SPEC.id, timestamp: String(SPEC.timestamp), signature: SPEC.signature };
    expect(verifyWebhook(SPEC.secret, given, '{"test": 1}', { now: SPEC.timestamp * 1000 })).toBe(false);
    expect(verifyWebhook(SPEC.secret, given, SPEC.body, { now: (SPEC.timestamp + 3600) * 1000 })).toBe(false);
  });

  it("makes whsec_ secrets of 24 random bytes", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});
