"""The official Python SDK client, as a new user would write it, against our conformance server:
elicitation and sampling answered by callbacks in the middle of tool calls, and a tool that
closes its stream mid-call (SSE polling) whose result still arrives after the SDK resumes.

    python_ask_client.py URL     # URL of examples/conformance_server's /mcp
"""
import asyncio
import sys

from mcp import Client, types

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:39221/mcp"

asked = {"elicitation": 0, "sampling": 0}


async def on_elicit(context, params):
    asked["elicitation"] += 1
    print("elicitation:", params.message, flush=True)
    schema = params.requested_schema
    assert set(schema["properties"]) == {"username", "email"}, schema
    return types.ElicitResult(
        action="accept", content={"username": "ada", "email": "ada@example.com"}
    )


async def on_sample(context, params):
    asked["sampling"] += 1
    question = params.messages[0].content.text
    print("sampling:", question, flush=True)
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=f"an answer to {question!r}"),
        model="test-model",
        stop_reason="endTurn",
    )


def text(result):
    assert not result.is_error, result
    return result.content[0].text


async def main():
    async with Client(
        URL, elicitation_callback=on_elicit, sampling_callback=on_sample
    ) as client:
        answer = text(await client.call_tool("test_elicitation", {"message": "Who are you?"}))
        print("elicit ->", answer, flush=True)
        assert answer == (
            'User response: action=accept, content={"username":"ada","email":"ada@example.com"}'
        ), answer

        answer = text(await client.call_tool("test_sampling", {"prompt": "What is 2+2?"}))
        print("sample ->", answer, flush=True)
        assert answer == "LLM response: an answer to 'What is 2+2?'", answer

        answer = text(
            await asyncio.wait_for(client.call_tool("test_reconnection", {}), timeout=20)
        )
        print("resumed ->", answer, flush=True)
        assert answer == "Reconnection test completed successfully", answer

    assert asked == {"elicitation": 1, "sampling": 1}, asked
    print("OK python ask client")


asyncio.run(main())
