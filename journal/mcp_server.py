"""`ai-journal mcp`: the tools of `mcp_tools` served over stdio with the Model Context Protocol.

The `mcp` package is an optional extra (`ai-journal[mcp]`) and is imported only here, when the
server starts. A tool's `JournalError` comes back as a tool error carrying its one-line message;
anything unexpected too, with the traceback in the local log, so the server never goes down
under its client.
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

from journal import __version__, mcp_tools
from journal.errors import JournalError

INSTALL_HINT = "the MCP server needs the mcp package: pip install 'ai-journal[mcp]'"
INSTRUCTIONS = (
    "Memory of this git repository: call journal_context at the start of a session, "
    "next_task to pick work, task_update as tasks move, recall to find past sessions and commits."
)


def available() -> bool:
    return importlib.util.find_spec("mcp") is not None


def serve() -> None:
    """Serve the tools on stdin/stdout until the client closes the connection."""
    if not available():
        raise JournalError(INSTALL_HINT)
    import anyio

    anyio.run(_serve)


async def _serve() -> None:
    from mcp.server.stdio import stdio_server

    server = build()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def build() -> Any:
    """The low-level server with its two handlers (tools/list, tools/call)."""
    from mcp import types
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel import Server

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        listed = [
            types.Tool(name=t.name, description=t.description, input_schema=t.input_schema)
            for t in mcp_tools.TOOLS
        ]
        return types.ListToolsResult(tools=listed)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        import anyio.to_thread

        run = functools.partial(answer, params.name, params.arguments)
        text, data, failed = await anyio.to_thread.run_sync(run)
        content: list[types.ContentBlock] = [types.TextContent(text=text)]
        return types.CallToolResult(content=content, structured_content=data, is_error=failed)

    return Server(
        "ai-journal",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def answer(name: str, args: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None, bool]:
    """(text, JSON, is_error) for one call; never raises."""
    try:
        result = mcp_tools.call(name, args)
    except JournalError as exc:
        return f"ai-journal: {exc}", None, True
    except Exception as exc:
        return f"ai-journal: unexpected error: {exc!r}; details in {_log(exc)}", None, True
    return result.text, result.data, False


def _log(exc: BaseException) -> str:
    try:
        from journal import git, log, state

        paths = git.repo_paths()
        return str(log.record_exception(state.local_dir(paths.common_dir), exc))
    except Exception:  # outside a repository there is no local log to write to
        return "no log (not in a git repository)"
