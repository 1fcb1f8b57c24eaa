// A minimal MCP Apps host, built on the reference host bridge (AppBridge) from @modelcontextprotocol/ext-apps.
// It renders a ui:// resource the way chat hosts do: a sandboxed iframe without same-origin access, the
// tool's input and result delivered over postMessage, and the view's tools/call requests proxied to the
// MCP server — here through `hostCallTool`, which the test exposes from its real MCP client session.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

const HOST_INFO = { name: "arize-mcp test host", version: "1.0.0" };
let bridge = null;
let context = null;

window.host = {
  // Shows the view for one tool call; `result` is optional (a call still in flight).
  async show({ html, tool, input, result, theme, width, serverTools }) {
    document.body.classList.toggle("dark", theme === "dark");
    document.getElementById("slot").style.setProperty("--slot-width", `${width}px`);
    const frame = document.createElement("iframe");
    frame.title = "Task run";
    frame.setAttribute("sandbox", "allow-scripts");
    document.getElementById("slot").replaceChildren(frame);

    context = { theme, displayMode: "inline", platform: "web", locale: "en-US", timeZone: "UTC", toolInfo: { tool } };
    const capabilities = serverTools ? { serverTools: {}, logging: {} } : { logging: {} };
    bridge = new AppBridge(null, HOST_INFO, capabilities, { hostContext: context });
    bridge.oncalltool = (params) => window.hostCallTool(params.name, params.arguments ?? {});
    bridge.onsizechange = ({ height }) => {
      if (height) frame.style.height = `${height}px`;
    };
    const initialized = new Promise((resolve) => {
      bridge.oninitialized = resolve;
    });
    await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
    frame.srcdoc = html;
    await initialized;
    await bridge.sendToolInput({ arguments: input });
    if (result) await bridge.sendToolResult(result);
  },
  sendToolResult(result) {
    return bridge.sendToolResult(result);
  },
  setTheme(theme) {
    document.body.classList.toggle("dark", theme === "dark");
    context = { ...context, theme };
    bridge.setHostContext(context);
  },
};
window.hostReady = true;
