#!/bin/sh
# Registers arize-mcp with Claude Code for this project (writes .mcp.json). The single quotes keep
# ${ARIZE_API_KEY} a reference that Claude Code expands at launch, so the key never lands in a file.
claude mcp add arize --scope project -e 'ARIZE_API_KEY=${ARIZE_API_KEY}' -- arize-mcp
