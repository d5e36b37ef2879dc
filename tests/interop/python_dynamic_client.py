"""The official Python SDK's client against examples/plugin_host: tools registered at run time
(`word_count` from the builder, `reverse` added through a ServerHandle after start-up) are
listed and called like any tool, on the stateless 2026-07-28 wire and in a 2025 session."""
import asyncio, sys
from mcp import Client

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/mcp"


async def run(mode, expected_version):
    logs = []

    async def on_log(params):
        logs.append(params.data)

    async with Client(URL, mode=mode, logging_callback=on_log, log_level="info") as client:
        assert client.protocol_version == expected_version, client.protocol_version
        # `reverse` arrives 200 ms after the server starts: wait for it a little.
        for _ in range(50):
            tools = {t.name: t for t in (await client.list_tools()).tools}
            if "reverse" in tools:
                break
            await asyncio.sleep(0.1)
        assert set(tools) == {"word_count", "reverse"}, tools
        wc = tools["word_count"]
        assert wc.description == "Count the words of a text.", wc
        assert wc.input_schema["required"] == ["text"], wc.input_schema
        r = await client.call_tool("word_count", {"text": "one two  three"})
        assert not r.is_error and r.content[0].text == "3", r
        assert logs == ["counted 3 words"], logs
        r = await client.call_tool("reverse", {"text": "stressed"})
        assert not r.is_error and r.content[0].text == "desserts", r
        # The arguments are checked against the tool's input schema, as for #[mcp_tool] tools.
        r = await client.call_tool("word_count", {"text": 7})
        assert r.is_error and "`text`" in r.content[0].text, r
        print(f"{client.protocol_version}: listed {sorted(tools)}, called word_count and reverse")


async def main():
    await run("auto", "2026-07-28")
    await run("legacy", "2025-11-25")
    print("OK python dynamic tools client")


asyncio.run(main())
