// Validates GraphQL documents against GitHub's published schema (@octokit/graphql-schema, pinned
// in package.json). Reads a JSON array of documents on stdin; prints one line per invalid one
// (its errors) and exits 1 if any is invalid, 0 when all are valid.
import { readFileSync } from "node:fs";
import { schema as github } from "@octokit/graphql-schema";
import { buildClientSchema, parse, validate } from "graphql";

// The introspection result, as the package's own validator reads it (its SDL repeats two fields).
const schema = buildClientSchema(github.json);
const documents = JSON.parse(readFileSync(0, "utf8"));
let invalid = 0;
for (const source of documents) {
  let errors;
  try {
    errors = validate(schema, parse(source)).map((e) => e.message);
  } catch (e) {
    errors = [String(e.message ?? e)];
  }
  if (errors.length > 0) {
    invalid += 1;
    console.log(JSON.stringify({ document: source, errors }));
  }
}
console.log(`${documents.length - invalid} of ${documents.length} documents valid`);
process.exit(invalid > 0 ? 1 : 0);
