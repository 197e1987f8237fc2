// Adds to every case of vectors.json the verdict of the official JavaScript
// library, npm svix 2.5.0, with Date.now mocked to the case's clock.
// Usage: node verdicts.mjs ../vectors.json
import { readFileSync, writeFileSync } from "node:fs";
import { Webhook } from "svix";

const file = process.argv[2];
const corpus = JSON.parse(readFileSync(file, "utf8"));

const messages = new Map([
  ["Missing required headers", "missing_headers"],
  ["Invalid Signature Headers", "invalid_headers"],
  ["Message timestamp too old", "too_old"],
  ["Message timestamp too new", "too_new"],
  ["No matching signature found", "no_match"],
]);

const realNow = Date.now;
for (const c of corpus.cases) {
  let wh;
  try {
    wh = new Webhook(c.secret);
  } catch {
    c.js = "invalid_secret";
    continue;
  }
  Date.now = () => c.now_ms;
  try {
    // A Buffer, as a Node server receives the body: the library turns it
    // into a string, which changes bytes that are not UTF-8.
    wh.verify(Buffer.from(c.body_b64, "base64"), c.headers);
    c.js = "ok";
  } catch (e) {
    c.js = messages.get(e.message) ?? "error: " + e.message;
  } finally {
    Date.now = realNow;
  }
}
writeFileSync(file, JSON.stringify(corpus, null, 1) + "\n");
console.error(`added js verdicts to ${corpus.cases.length} cases`);
