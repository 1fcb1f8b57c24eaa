// The TypeScript requester of the MCP Tasks extension (@modelcontextprotocol/ext-tasks) against
// arize-mcp, over stdio or Streamable HTTP. Prints one JSON line per flow on stdout; the Python test
// (test_tasks_requester.py) starts this script, reads the lines and checks them.
//
//   node tasks_requester.mjs complete|cancel stdio <python> <args...>   (environment passed through)
//   node tasks_requester.mjs complete|cancel http <url>
//
// `complete` follows wait_for_task_run and trigger_task(wait=true) tasks to their end; `cancel`
// cancels a trigger_task(wait=true) task mid-run (the test makes runs long for it).
//
// The ext-tasks client needs a raw request path for 2026-07-28 task traffic (the SDK client's codecs
// take neither `resultType: "task"` nor tasks/*): `rawDispatch` below sends such requests on the
// client's own transport with ids of its own and routes their responses back, past the SDK client.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createTaskSessionFromClient, resultFromTaskOutcome } from "@modelcontextprotocol/ext-tasks/client";

const [flows, mode, ...rest] = process.argv.slice(2);
const inner =
  mode === "stdio"
    ? new StdioClientTransport({ command: rest[0], args: rest.slice(1), env: process.env, stderr: "inherit" })
    : new StreamableHTTPClientTransport(new URL(rest[0]));

// A transport that lets raw requests share the connection: their responses never reach the SDK client.
const pending = new Map();
let rawIds = 0;
const transport = {
  start: () => inner.start(),
  close: () => inner.close(),
  send: (message, options) => inner.send(message, options),
  setProtocolVersion: (version) => inner.setProtocolVersion?.(version),
  get sessionId() {
    return inner.sessionId;
  },
  set onmessage(handler) {
    inner.onmessage = (message, extra) => {
      const waiter = message.id !== undefined && message.method === undefined ? pending.get(message.id) : undefined;
      if (waiter === undefined) return handler(message, extra);
      pending.delete(message.id);
      waiter(message);
    };
  },
  set onclose(handler) {
    inner.onclose = handler;
  },
  set onerror(handler) {
    inner.onerror = handler;
  },
};

async function rawDispatch(request) {
  const id = `raw-${++rawIds}`;
  const response = new Promise((resolve) => pending.set(id, resolve));
  await inner.send({ jsonrpc: "2.0", id, ...request });
  const message = await response;
  return message.error !== undefined ? { kind: "error", error: message.error } : { kind: "result", result: message.result };
}

const client = new Client(
  { name: "ext-tasks-requester-test", version: "0" },
  { versionNegotiation: { mode: { pin: "2026-07-28" } } },
);
await client.connect(transport);
const session = createTaskSessionFromClient(client, {
  endpointId: `arize-mcp-${mode}`,
  rawDispatch,
  v2RequestFraming: {
    protocolVersion: "2026-07-28",
    clientInfo: { name: "ext-tasks-requester-test", version: "0" },
    clientCapabilities: {},
  },
});

function report(flow, fields) {
  process.stdout.write(`${JSON.stringify({ flow, ...fields })}\n`);
}

async function settled(execution) {
  const seen = [];
  const { outcome } = await execution.settle({
    onEvent: (event) => {
      if (event.type === "task") seen.push(event.task.status);
    },
  });
  return { outcome, seen };
}

async function complete() {
  const started = await client.callTool({ name: "trigger_task", arguments: { task_name: "Hallucination check" } });
  const runId = started.structuredContent.run.id;

  const waited = await session.callTool("wait_for_task_run", { run_id: runId });
  const waitedHandle = waited.kind === "task" ? waited.handle.taskId : null;
  const waitedDone = await settled(waited);
  report("wait_for_task_run", {
    kind: waited.kind,
    taskId: waitedHandle,
    status: waitedDone.outcome.status,
    seen: waitedDone.seen,
    result: resultFromTaskOutcome(waitedDone.outcome),
  });

  const triggered = await session.callTool("trigger_task", { task_name: "Hallucination check", wait: true });
  const triggeredDone = await settled(triggered);
  report("trigger_task", {
    kind: triggered.kind,
    status: triggeredDone.outcome.status,
    result: resultFromTaskOutcome(triggeredDone.outcome),
  });

}

async function cancel() {
  const doomed = await session.callTool("trigger_task", { task_name: "Hallucination check", wait: true });
  const first = await doomed.updates()[Symbol.asyncIterator]().next();
  await doomed.cancel();
  report("cancel", {
    kind: doomed.kind,
    taskId: doomed.kind === "task" ? doomed.handle.taskId : null,
    before: first.value?.type === "task" ? first.value.task.status : null,
  });
}

try {
  report("era", { era: client.getProtocolEra() });
  await (flows === "cancel" ? cancel() : complete());
} finally {
  await session.close();
  await client.close();
}
