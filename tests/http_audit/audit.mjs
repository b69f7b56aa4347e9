// The GraphQL-over-HTTP spec's own audit (graphql-http's auditServer) against a
// served endpoint:
//
//   node tests/http_audit/audit.mjs http://127.0.0.1:8000/graphql/
//
// Prints one JSON array: each audit's id, name and status ("ok", "notice",
// "warn" or "error"), with the reason and the answer for every one not ok.
// tests/core/test_http_audit.py runs it and asserts there is no warning and no
// error. Node packages: `npm ci` here (scripts/services.sh node_tools does it).
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql endpoint URL>");
  process.exit(2);
}

// auditServer starts every request at once; a few at a time is kinder to a
// test server (and to the database connections behind it).
const MAX_IN_FLIGHT = 4;
let inFlight = 0;
const waiting = [];

async function limitedFetch(...args) {
  while (inFlight >= MAX_IN_FLIGHT) {
    await new Promise((resolve) => waiting.push(resolve));
  }
  inFlight += 1;
  try {
    return await fetch(...args);
  } finally {
    inFlight -= 1;
    waiting.shift()?.();
  }
}

async function describeResponse(response) {
  if (!response) return null;
  let body = null;
  try {
    body = await response.text();
  } catch {
    // The audit already read the body.
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body,
  };
}

const results = await auditServer({ url, fetchFn: limitedFetch });
const report = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.response = await describeResponse(result.response);
  }
  report.push(entry);
}
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
