// The verdict of the official JavaScript library, npm svix 2.5.0, on one
// case of the corpus, with Date.now mocked to the case's clock: shared by
// verdicts.mjs (which records it in the corpus) and adapter.mjs (the
// conformance protocol). svix 2.5.0 verifies through npm standardwebhooks,
// whose version npm chooses: this folder's lock pins 1.1.1; with
// SVIX_FROM=sw130/package.json the copy installed in sw130/ is used, with
// standardwebhooks 1.3.0, as a fresh install takes it since 2026-11-17.
import { createRequire } from "node:module";
import { resolve } from "node:path";

const require = createRequire(process.env.SVIX_FROM ? resolve(process.env.SVIX_FROM) : import.meta.url);
const { Webhook } = require("svix");

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
