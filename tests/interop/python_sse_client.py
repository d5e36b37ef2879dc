"""The official Python SDK's legacy HTTP+SSE client (MCP 2024-11-05 transport) against our
server's `/sse` + `/messages` endpoints: connect, list the tools, call `add`, and receive every
`process_files` log and progress notification on the SSE stream, live, before the result.

    python python_sse_client.py http://127.0.0.1:8000/sse
"""
import asyncio
import sys
import time

from mcp import ClientSession
from mcp.client.sse import sse_client

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/sse"
ITEMS = ["a.pdf", "b.pdf", "c.pdf"]
DELAY_MS = 300


async def main():
    t0 = time.monotonic()
    events = []
    sessions = []

    def now():
        return time.monotonic() - t0

    async def on_log(params):
        events.append(("log", now(), params.data))
        print(f"[{now():6.2f}s] log {params.level}: {params.data}", flush=True)

    async def on_progress(progress, total, message):
        events.append(("progress", now(), progress))
        print(f"[{now():6.2f}s] progress {progress}/{total} {message}", flush=True)

    async with sse_client(URL, on_session_created=sessions.append) as (read, write):
        async with ClientSession(read, write, logging_callback=on_log) as session:
            init = await session.initialize()
            print("connected:", init.server_info.name, init.protocol_version, "connection", sessions)
            assert len(sessions) == 1 and len(sessions[0]) == 32, sessions

            tools = await session.list_tools()
            names = [t.name for t in tools.tools]
            assert names == ["add", "process_files"], names
            for t in tools.tools:
                print("tool", t.name, "-", t.description)

            r = await session.call_tool("add", {"a": 2, "b": 3})
            print("add ->", r.content[0].text, r.is_error)
            assert r.content[0].text == "5" and not r.is_error, r

            r = await session.call_tool(
                "process_files",
                {"items": ITEMS, "delay_ms": DELAY_MS},
                progress_callback=on_progress,
            )
            t_result = now()
            print(f"[{t_result:6.2f}s] result", r.content[0].text)
            assert r.content[0].text == "Processing complete!", r

            logs = [e for e in events if e[0] == "log"]
            progress = [e for e in events if e[0] == "progress"]
            assert [e[2] for e in logs] == [
                f"Processing document {i}/{len(ITEMS)}: {item}" for i, item in enumerate(ITEMS, 1)
            ], logs
            assert [e[2] for e in progress] == [1.0, 2.0, 3.0], progress
            # Every notification arrived before the result, the first one while the tool ran.
            assert all(e[1] <= t_result for e in events), events
            assert logs[0][1] < t_result - 2 * DELAY_MS / 1000 + 0.1, "the first notification arrived late"
            print("OK python legacy SSE client")


asyncio.run(main())
