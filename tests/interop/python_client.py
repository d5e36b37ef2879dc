"""The official Python SDK's high-level client against our server: list, call, live notifications."""
import asyncio, sys, time
from mcp import Client

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/mcp"

async def main():
    t0 = time.monotonic()
    events = []
    async def on_log(params):
        events.append(("log", time.monotonic() - t0))
        print(f"[{time.monotonic()-t0:6.2f}s] log {params.level}: {params.data}", flush=True)
    async def on_progress(progress, total, message):
        events.append(("progress", time.monotonic() - t0))
        print(f"[{time.monotonic()-t0:6.2f}s] progress {progress}/{total} {message}", flush=True)
    async with Client(URL, logging_callback=on_log, log_level="debug") as client:
        print("connected on", client.protocol_version)
        # Our server serves the stateless 2026-07-28 wire beside 2025 sessions; the SDK's
        # default mode picks it.
        assert client.protocol_version == "2026-07-28", client.protocol_version
        tools = await client.list_tools()
        for t in tools.tools:
            print("tool", t.name, "-", t.description, t.input_schema)
        r = await client.call_tool("add", {"a": 2, "b": 3})
        print("add ->", r.content[0].text, r.is_error)
        t_start = time.monotonic() - t0
        r = await client.call_tool("process_files", {"items": ["a.pdf", "b.pdf", "c.pdf"], "delay_ms": 300}, progress_callback=on_progress)
        tr = time.monotonic() - t0
        print(f"[{tr:6.2f}s] result", r.content[0].text)
        logs = [e for e in events if e[0] == "log"]
        progs = [e for e in events if e[0] == "progress"]
        assert len(logs) == 3 and len(progs) == 3, events
        assert logs[0][1] < tr - 0.5, "first notification arrived late"
    # Without a log level the client asked for nothing, so no log is sent (2026: logging is
    # opt-in per request), while progress still arrives.
    quiet_logs, quiet_progress = [], []
    async def quiet_log(params):
        quiet_logs.append(params)
    async def quiet_prog(progress, total, message):
        quiet_progress.append(progress)
    async with Client(URL, logging_callback=quiet_log) as client:
        r = await client.call_tool("process_files", {"items": ["a.pdf", "b.pdf"], "delay_ms": 50}, progress_callback=quiet_prog)
        print("quiet result", r.content[0].text)
        assert quiet_logs == [], quiet_logs
        assert len(quiet_progress) == 2, quiet_progress
    print("OK python client")

asyncio.run(main())
