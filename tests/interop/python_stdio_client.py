"""The official Python SDK's stdio client against examples/stdio_server: the SDK starts the server
as a child process, lists the tools, calls `add`, and receives every `process_files` log and
progress notification live, before the result.

    python python_stdio_client.py target/debug/examples/stdio_server
"""
import asyncio
import sys
import time

from mcp import Client, StdioServerParameters

COMMAND = sys.argv[1] if len(sys.argv) > 1 else "target/debug/examples/stdio_server"
ITEMS = ["a.pdf", "b.pdf", "c.pdf"]
DELAY_MS = 300


async def main():
    t0 = time.monotonic()
    events = []

    async def on_log(params):
        events.append(("log", time.monotonic() - t0, params.data))
        print(f"[{time.monotonic() - t0:6.2f}s] log {params.level}: {params.data}", flush=True)

    async def on_progress(progress, total, message):
        events.append(("progress", time.monotonic() - t0, progress))
        print(f"[{time.monotonic() - t0:6.2f}s] progress {progress}/{total} {message}", flush=True)

    server = StdioServerParameters(command=COMMAND, args=sys.argv[2:])
    async with Client(server, logging_callback=on_log, log_level="debug") as client:
        print("connected:", client.server_info.name if client.server_info else "?", client.protocol_version)
        tools = await client.list_tools()
        names = [t.name for t in tools.tools]
        for t in tools.tools:
            print("tool", t.name, "-", t.description)
        assert names == ["add", "process_files"], names

        r = await client.call_tool("add", {"a": 2, "b": 3})
        print("add ->", r.content[0].text, r.is_error)
        assert r.content[0].text == "5" and not r.is_error, r

        r = await client.call_tool(
            "process_files",
            {"items": ITEMS, "delay_ms": DELAY_MS},
            progress_callback=on_progress,
        )
        t_result = time.monotonic() - t0
        print(f"[{t_result:6.2f}s] result", r.content[0].text)
        assert r.content[0].text == "Processing complete!", r

        logs = [e for e in events if e[0] == "log"]
        progress = [e for e in events if e[0] == "progress"]
        assert len(logs) == len(ITEMS) and len(progress) == len(ITEMS), events
        assert [e[2] for e in logs] == [
            f"Processing document {i}/{len(ITEMS)}: {item}" for i, item in enumerate(ITEMS, 1)
        ], logs
        assert [e[2] for e in progress] == [1, 2, 3], progress
        assert all(e[1] <= t_result for e in events), "a notification arrived after the result"
        # Live, not batched: the first notification came while the tool was still working.
        assert events[0][1] < t_result - (len(ITEMS) - 1) * DELAY_MS / 1000 * 0.8, (events, t_result)
        print("OK python stdio client")


asyncio.run(main())
