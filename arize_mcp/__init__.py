"""arize-mcp: an MCP tool server for Arize evaluation and experiment tasks."""

__version__ = "0.1.0"
