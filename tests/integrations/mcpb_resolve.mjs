// Resolves an unpacked bundle's mcp_config with getMcpConfigForManifest from the mcpb library,
// the code Claude Desktop uses to start bundles, and prints it as JSON: `null` when Claude Desktop
// would not start the server (a required setting is missing).
//
//   node mcpb_resolve.mjs <mcpb dist/index.js> <unpacked bundle> <user config JSON>
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [mcpbModule, extensionPath, userConfigJson] = process.argv.slice(2);
const { getMcpConfigForManifest } = await import(pathToFileURL(mcpbModule).href);
const home = homedir();
const config = await getMcpConfigForManifest({
  manifest: JSON.parse(readFileSync(join(extensionPath, "manifest.json"), "utf8")),
  extensionPath,
  systemDirs: {
    HOME: home,
    DESKTOP: join(home, "Desktop"),
    DOCUMENTS: join(home, "Documents"),
    DOWNLOADS: join(home, "Downloads"),
  },
  userConfig: JSON.parse(userConfigJson),
  pathSeparator: "/",
});
process.stdout.write(JSON.stringify(config ?? null));
