// The official TypeScript SDK client against our server: list, call, live notifications.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const url = process.argv[2] ?? "http://127.0.0.1:8000/mcp";
const t0 = performance.now();
const at = () => ((performance.now() - t0) / 1000).toFixed(2).padStart(6);
const client = new Client({ name: "ts-interop", version: "1.0.0" });
const events = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
  events.push(["log", performance.now()]);
  console.log(`[${at()}s] log ${n.params.level}: ${n.params.data}`);
});
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
console.log("negotiated", client.getServerVersion());
const { tools } = await client.listTools();
for (const t of tools) console.log("tool", t.name, JSON.stringify(t.inputSchema));
const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
console.log("add ->", sum.content[0].text);
const result = await client.callTool(
  { name: "process_files", arguments: { items: ["a.pdf", "b.pdf", "c.pdf"], delay_ms: 300 } },
  undefined,
  { onprogress: (p) => { events.push(["progress", performance.now()]); console.log(`[${at()}s] progress ${p.progress}/${p.total} ${p.message ?? ""}`); } },
);
const done = performance.now();
console.log(`[${at()}s] result ${result.content[0].text}`);
const logs = events.filter((e) => e[0] === "log");
const progress = events.filter((e) => e[0] === "progress");
if (logs.length !== 3 || progress.length !== 3) throw new Error(`expected 3+3 notifications, got ${JSON.stringify(events)}`);
if (!(logs[0][1] < done - 500)) throw new Error("first notification arrived late");
await client.close();
console.log("OK typescript client");
