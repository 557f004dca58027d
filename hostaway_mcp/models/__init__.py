"""Result models of the tools: what the model reads, compact and typed (one module per domain)."""
