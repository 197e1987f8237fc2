// Writes ../v1a.json: v1a (ed25519) signatures made by Node's crypto with the
// secret key of the Svix server's own v1a test (shared/reference/svix-scheme.md),
// over id "." timestamp "." body, as the Svix server signs. No official Svix
// library verifies v1a yet, so these come from Node's independent ed25519.
// Usage: node v1a.mjs ../v1a.json
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { writeFileSync } from "node:fs";

const secretKey = Buffer.from("6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==", "base64");
const seed = secretKey.subarray(0, 32);
const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
const priv = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
const publicKey = "whpk_" + spki.subarray(spki.length - 32).toString("base64");

// a small deterministic generator (xorshift32), so the file is reproducible
let state = 0x2545f491;
const next = () => ((state ^= state << 13), (state ^= state >>> 17), (state ^= state << 5), state >>> 0);
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => next() & 0xff));

const bodies = [
  Buffer.from('{"test": 2432232314}'),
  Buffer.alloc(0),
  Buffer.from('{"type":"user.created","data":{"display_name":"Zoë 山田"}}'),
  bytes(300),
  bytes(5000),
];
const cases = [];
for (let i = 0; i < 40; i++) {
  const id = "msg_" + bytes(12).toString("hex");
  const ts = 1_600_000_000 + (next() % 300_000_000);
  const body = bodies[i % bodies.length];
  const content = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
  const sig = sign(null, content, priv).toString("base64");
  cases.push({ id, timestamp: String(ts), body_b64: body.toString("base64"), signature: `v1a,${sig}` });
}
writeFileSync(process.argv[2], JSON.stringify({
  source: "node:crypto ed25519 (Node " + process.version + "), key of the Svix server's v1a test",
  public_key: publicKey,
  cases,
}, null, 1) + "\n");
console.error(`wrote ${cases.length} v1a cases; public key ${publicKey}`);
