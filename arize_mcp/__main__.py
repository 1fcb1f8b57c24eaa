from arize_mcp.cli import main

raise SystemExit(main())
