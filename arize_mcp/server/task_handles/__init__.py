"""Task handles: the MCP Tasks extension (`io.modelcontextprotocol/tasks`), with the Arize run as the task.

negotiation.py says whether a request may get one; ids.py signs the stateless ids; extension.py
serves `tasks/get`, `tasks/update`, `tasks/cancel` and answers `tools/call` with task handles.
"""
