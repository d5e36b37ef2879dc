// The official TypeScript SDK's server (McpServer) for OUR client to talk to: `process_files`
// sends a log message and a progress update per item, `delay_ms` apart, before its result.
//
//   node typescript_server.mjs http 39220   # Streamable HTTP (sessions) at http://127.0.0.1:39220/mcp
//   node typescript_server.mjs stdio        # stdio
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

function makeServer() {
  const server = new McpServer(
    { name: "typescript-interop-server", version: "1.0.0" },
    { capabilities: { logging: {} } },
  );
  server.registerTool(
    "add",
    { description: "Add two integers.", inputSchema: { a: z.number().int(), b: z.number().int() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool(
    "process_files",
    {
      description: "Process documents one by one, reporting each as a log message and a progress update.",
      inputSchema: { items: z.array(z.string()), delay_ms: z.number().int().optional() },
    },
    async ({ items, delay_ms }, extra) => {
      const n = items.length;
      const token = extra._meta?.progressToken;
      for (let i = 0; i < n; i++) {
        await extra.sendNotification({
          method: "notifications/message",
          params: { level: "info", data: `Processing document ${i + 1}/${n}: ${items[i]}` },
        });
        if (token !== undefined) {
          await extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken: token, progress: i + 1, total: n, message: `processed ${items[i]}` },
          });
        }
        if (delay_ms) await new Promise((resolve) => setTimeout(resolve, delay_ms));
      }
      return { content: [{ type: "text", text: "Processing complete!" }] };
    },
  );
  return server;
}

const mode = process.argv[2] ?? "http";
if (mode === "stdio") {
  await makeServer().connect(new StdioServerTransport());
} else {
  const port = Number(process.argv[3] ?? 39220);
  const app = createMcpExpressApp();
  const transports = {};
  app.post("/mcp", async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = sid ? transports[sid] : undefined;
    if (!transport) {
      if (sid || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: "2.0", error: { code: -32000, message: "Bad Request: no valid session" }, id: null });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => { transports[id] = transport; },
      });
      transport.onclose = () => { if (transport.sessionId) delete transports[transport.sessionId]; };
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });
  const existing = async (req, res) => {
    const transport = transports[req.headers["mcp-session-id"]];
    if (!transport) {
      res.status(404).json({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null });
      return;
    }
    await transport.handleRequest(req, res);
  };
  app.get("/mcp", existing);
  app.delete("/mcp", existing);
  app.listen(port, "127.0.0.1", () => console.error(`typescript server at http://127.0.0.1:${port}/mcp`));
}
