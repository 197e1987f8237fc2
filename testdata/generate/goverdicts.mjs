// Adds to every case of vectors.json the verdict of another build of the
// official Go library, asked through the conformance protocol: the field
// goes right after "go", and the corpus's "verdicts" table names it.
// Usage: node goverdicts.mjs ../../conformance/vectors.json FIELD LABEL COMMAND...
// (COMMAND: the official adapter built with -modfile=go.v1.99.1.mod).
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const [file, field, label, ...command] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(file, "utf8"));
const input = corpus.cases
  .map(({ name, kind, category, secret, headers, body_b64, now_ms }) =>
    JSON.stringify({ name, kind, category, secret, headers, body_b64, now_ms }))
  .join("\n") + "\n";
const run = spawnSync(command[0], command.slice(1), { input, maxBuffer: 1 << 26, stdio: ["pipe", "pipe", "inherit"] });
if (run.status !== 0) {
  throw new Error(`${command.join(" ")} exited ${run.status}`);
}
const verdicts = run.stdout.toString().split("\n").slice(0, corpus.cases.length);
if (verdicts.length !== corpus.cases.length || verdicts.some((v) => !/^[a-z_]+$/.test(v))) {
  throw new Error(`${command.join(" ")}: ${verdicts.length} answers for ${corpus.cases.length} cases, or an answer that is no verdict`);
}
// Rebuild each case with the field after "go", replacing an earlier value.
corpus.cases = corpus.cases.map((c, i) => {
  const out = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === field) continue;
    out[k] = v;
    if (k === "go") out[field] = verdicts[i];
  }
  return out;
});
corpus.verdicts = { ...corpus.verdicts, [field]: label };
writeFileSync(file, JSON.stringify(corpus, null, 1) + "\n");
console.error(`added ${field} verdicts (${label}) to ${corpus.cases.length} cases`);
