// The verdict of the official JavaScript library, npm svix 2.5.0, on one
// case of the corpus, with Date.now mocked to the case's clock: shared by
// verdicts.mjs (which records it in the corpus) and adapter.mjs (the
// conformance protocol).
import { Webhook } from "svix";

const messages = new Map([
  ["Missing required headers", "missing_headers"],
  ["Invalid Signature Headers", "invalid_headers"],
  ["Message timestamp too old", "too_old"],
  ["Message timestamp too new", "too_new"],
  ["No matching signature found", "no_match"],
]);

export function jsVerdict(c) {
  let wh;
  try {
    wh = new Webhook(c.secret);
  } catch {
    return "invalid_secret";
  }
  const realNow = Date.now;
  Date.now = () => c.now_ms;
  try {
    // A Buffer, as a Node server receives the body: the library turns it
    // into a string, which changes bytes that are not UTF-8.
    wh.verify(Buffer.from(c.body_b64, "base64"), c.headers);
    return "ok";
  } catch (e) {
    return messages.get(e.message) ?? "error: " + e.message;
  } finally {
    Date.now = realNow;
  }
}
