"""The MCP surface beyond tools: resources and prompts (design §4).

Server side, like `server.py` and `tools/`: these modules import the `mcp` SDK. The rest of the
package (gateway, domain, revenue, sandbox, models) does not; ruff's TID251 holds that line.
"""
