// Adds to every case of vectors.json the verdict of the official JavaScript
// library, npm svix 2.5.0, with Date.now mocked to the case's clock, under
// FIELD (default js), and names the library LABEL in the verdicts table.
// Usage: node verdicts.mjs ../../conformance/vectors.json [FIELD LABEL]
// (with SVIX_FROM=sw130/package.json for standardwebhooks 1.3.0)
import { readFileSync, writeFileSync } from "node:fs";
import { jsVerdict } from "./jsverdict.mjs";

const file = process.argv[2];
const corpus = JSON.parse(readFileSync(file, "utf8"));
const field = process.argv[3] ?? "js";
const label = process.argv[4] ?? "svix JS 2.5.0 + standardwebhooks 1.1.1";
for (const c of corpus.cases) {
  c[field] = jsVerdict(c);
}
corpus.verdicts = { ...corpus.verdicts, [field]: label };
writeFileSync(file, JSON.stringify(corpus, null, 1) + "\n");
console.error(`added ${field} verdicts to ${corpus.cases.length} cases`);
