"""Benchmarks for hostaway-mcp against the sandbox: `uv run python -m bench` (see README.md)."""
