"""The official Python SDK's server (MCPServer, mcp 2.x) for OUR client to talk to: `process_files`
sends a log message and a progress update per item, `delay_ms` apart, before its result.

    python python_server.py http 39219     # Streamable HTTP at http://127.0.0.1:39219/mcp
    python python_server.py stdio          # stdio (for `client --stdio python python_server.py stdio --`)
"""
import sys
import warnings

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ElicitRequest, ElicitRequestFormParams, InputRequiredResult

# Logging is deprecated in 2026-07-28 but still works; the SDK warns on every log message.
warnings.simplefilter("ignore", DeprecationWarning)

server = MCPServer("python-interop-server")


@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def process_files(items: list[str], ctx: Context, delay_ms: int = 0) -> str:
    """Process documents one by one, reporting each as a log message and a progress update."""
    n = len(items)
    for i, item in enumerate(items):
        await ctx.info(f"Processing document {i + 1}/{n}: {item}")
        await ctx.report_progress(i + 1, n, f"processed {item}")
        if delay_ms:
            await anyio.sleep(delay_ms / 1000)
    return "Processing complete!"


@server.tool()
async def greet(ctx: Context):
    """Ask the user for a name (2026-07-28: an input_required result, answered on the retry)."""
    answers = ctx.input_responses
    if not answers or "who" not in answers:
        ask = ElicitRequest(
            params=ElicitRequestFormParams(
                message="Who are you?",
                requested_schema={
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                },
            )
        )
        return InputRequiredResult(input_requests={"who": ask}, request_state="asked-once")
    answer = answers["who"]
    assert ctx.request_state == "asked-once", ctx.request_state
    if answer.action != "accept":
        return f"no name ({answer.action})"
    return f"hello {answer.content['name']}"


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "http":
        port = int(sys.argv[2]) if len(sys.argv) > 2 else 39219
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run("stdio")
