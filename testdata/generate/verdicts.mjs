// Adds to every case of vectors.json the verdict of the official JavaScript
// library, npm svix 2.5.0, with Date.now mocked to the case's clock.
// Usage: node verdicts.mjs ../../conformance/vectors.json
import { readFileSync, writeFileSync } from "node:fs";
import { jsVerdict } from "./jsverdict.mjs";

const file = process.argv[2];
const corpus = JSON.parse(readFileSync(file, "utf8"));
for (const c of corpus.cases) {
  c.js = jsVerdict(c);
}
corpus.verdicts = { ...corpus.verdicts, js: "svix JS 2.5.0" };
writeFileSync(file, JSON.stringify(corpus, null, 1) + "\n");
console.error(`added js verdicts to ${corpus.cases.length} cases`);
