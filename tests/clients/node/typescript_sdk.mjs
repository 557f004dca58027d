// The TypeScript SDK's stdio client against hostaway-mcp: every tool's structured output is
// checked against the outputSchema the server lists, by the SDK itself (callTool validates) and
// again by Ajv (JSON Schema 2020-12, formats on), and a write called without confirmation must
// change nothing the client can see.
//
// Usage: node typescript_sdk.mjs PLAN.json   (written by test_typescript_sdk.py)
// PLAN: {server: {command, args, env}, calls: [{tool, arguments}], every_tool, unchanged?: {write, probe}}
// Prints one JSON line: what was checked and every problem found.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

const client = new Client({ name: "hostaway-mcp-client-suite", version: "1.0.0" });
const transport = new StdioClientTransport({ ...plan.server, stderr: "inherit" });
const problems = [];
const checked = {};

await client.connect(transport);
const { tools } = await client.listTools();
const validators = new Map(tools.map((tool) => [tool.name, tool.outputSchema && ajv.compile(tool.outputSchema)]));

async function call(tool, args) {
  // callTool throws when structuredContent does not match the listed outputSchema.
  let result;
  try {
    result = await client.callTool({ name: tool, arguments: args });
  } catch (error) {
    problems.push(`${tool}: the SDK rejected the call or its result: ${error.message}`);
    return null;
  }
  if (result.isError) {
    problems.push(`${tool}: returned an error: ${JSON.stringify(result.content).slice(0, 500)}`);
    return null;
  }
  const validate = validators.get(tool);
  if (!validate) {
    problems.push(`${tool}: lists no outputSchema`);
  } else if (result.structuredContent === undefined) {
    problems.push(`${tool}: returned no structuredContent`);
  } else if (!validate(result.structuredContent)) {
    problems.push(`${tool}: structuredContent fails its outputSchema: ${ajv.errorsText(validate.errors)}`);
  } else {
    checked[tool] = (checked[tool] ?? 0) + 1;
  }
  return result.structuredContent ?? null;
}

const planned = new Set(plan.calls.map((c) => c.tool));
for (const tool of plan.every_tool ? tools : []) {
  if (!planned.has(tool.name)) problems.push(`${tool.name}: listed by the server but the plan has no call for it`);
}
for (const { tool, arguments: args } of plan.calls) await call(tool, args);

let unchanged = null;
if (plan.unchanged) {
  const { write, probe } = plan.unchanged;
  const before = await call(probe.tool, probe.arguments);
  const preview = await call(write.tool, write.arguments);
  const after = await call(probe.tool, probe.arguments);
  unchanged = { preview, same: isDeepStrictEqual(before, after) && before !== null };
}

await client.close();
const server = client.getServerVersion();
console.log(JSON.stringify({ server, tools: tools.map((t) => t.name), checked, problems, unchanged }));
