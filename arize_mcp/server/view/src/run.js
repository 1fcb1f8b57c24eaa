// The run view's behaviour. It speaks the MCP Apps postMessage protocol (JSON-RPC 2.0 with its
// host, the parent window) itself: the reference in-iframe library is far bigger than this view.
// It renders the run from the tool result the host hands it, then reads the run again through the
// host (tools/call get_task_run) at the interval the server plans, until the run has ended.
"use strict";
(() => {
  const PROTOCOL_VERSION = "2026-01-26";
  const META_KEY = "arize-mcp/run-view";
  const TERMINAL = new Set(["completed", "failed", "cancelled"]);
  const CALL_TIMEOUT_MS = 60000;
  const FALLBACK_POLL_SECONDS = 5;
  const MAX_POLL_FAILURES = 5; // then stop and offer Refresh, rather than poll a broken link forever
  const RESULT_GRACE_MS = 1500; // a tool given a run id may answer at once; poll only if it does not

  const LABELS = {
    pending: "Pending",
    running: "Running",
    completed: "Completed",
    failed: "Failed",
    cancelled: "Cancelled",
  };
  const TASK_TYPES = {
    template_evaluation: "Template evaluation",
    code_evaluation: "Code evaluation",
    run_experiment: "Experiment run",
  };
  // 16×16 outline icons, so a status reads by shape as well as by colour.
  const ICONS = {
    pending: '<circle cx="8" cy="8" r="6.5"/><path d="M8 4.5V8l2.5 1.5"/>',
    running: '<path d="M8 1.5A6.5 6.5 0 1 1 1.5 8"/>',
    completed: '<circle cx="8" cy="8" r="6.5"/><path d="m5 8.2 2 2 4-4.4"/>',
    failed: '<circle cx="8" cy="8" r="6.5"/><path d="m5.5 5.5 5 5m0-5-5 5"/>',
    cancelled: '<circle cx="8" cy="8" r="6.5"/><path d="m3.4 3.4 9.2 9.2"/>',
    loading: '<circle cx="8" cy="8" r="6.5" stroke-dasharray="2 2.6"/>',
    error: '<path d="M8 1.8 14.6 13.6H1.4Z"/><path d="M8 6.2v3.4m0 1.9v.1"/>',
  };

  const $ = (id) => document.getElementById(id);
  const view = $("view");

  const state = {
    run: null, // the latest TaskRun
    runId: null, // known from the tool's arguments before any run arrives
    toolName: null,
    task: null, // {name, type} once known
    taskLookedUp: null, // task_id whose name was asked for, so it is asked once
    bound: null, // {count, exact}
    readOnly: true, // until the server says cancel_task_run exists
    pollSeconds: null,
    failures: 0,
    timer: null,
    graceTimer: null,
    clock: null,
    busy: false, // a call of ours is in flight
    canCall: true, // the host proxies tools/call to the server (hostCapabilities.serverTools)
    closed: false,
    locale: undefined,
    timeZone: undefined,
  };

  // ---- the host link: JSON-RPC 2.0 over postMessage to the parent window ----

  let nextId = 1;
  const waiting = new Map();

  function post(message) {
    // The view runs in an opaque-origin sandbox and cannot know its host's origin; the host
    // checks the source window of what it receives, as this view does below.
    window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  }

  function request(method, params) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the host did not answer ${method} within ${CALL_TIMEOUT_MS / 1000} s`));
      }, CALL_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      post({ id, method, params });
    });
  }

  function notify(method, params) {
    post({ method, params });
  }

  function callTool(name, args) {
    return request("tools/call", { name, arguments: args });
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      const call = waiting.get(message.id);
      if (!call) return;
      waiting.delete(message.id);
      clearTimeout(call.timer);
      if (message.error) call.reject(new Error(message.error.message || "the host reported an error"));
      else call.resolve(message.result);
    } else if (message.id !== undefined) {
      answerHost(message);
    } else {
      onNotification(message.method, message.params || {});
    }
  });

  function answerHost(message) {
    if (message.method === "ui/resource-teardown") {
      stop();
      post({ id: message.id, result: {} });
    } else if (message.method === "ping") {
      post({ id: message.id, result: {} });
    } else {
      post({ id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } });
    }
  }

  function onNotification(method, params) {
    switch (method) {
      case "ui/notifications/tool-input":
        onToolInput(params.arguments || {});
        break;
      case "ui/notifications/tool-result":
        clearTimeout(state.graceTimer);
        accept(params);
        break;
      case "ui/notifications/tool-cancelled":
        onToolCancelled(params.reason);
        break;
      case "ui/notifications/host-context-changed":
        applyHostContext(params);
        break;
    }
  }

  async function connect() {
    applyHostContext({});
    try {
      const init = await request("ui/initialize", {
        appInfo: { name: "arize-mcp-run-view", version: "1.0.0" },
        appCapabilities: { availableDisplayModes: ["inline"] },
        protocolVersion: PROTOCOL_VERSION,
      });
      applyHostContext((init && init.hostContext) || {});
      state.canCall = Boolean(init && init.hostCapabilities && init.hostCapabilities.serverTools);
      if (!state.canCall) showNotice("This host does not let the view call the server: it shows the run as the tool returned it.");
      notify("ui/notifications/initialized", {});
    } catch (error) {
      showNotice(`Could not connect to the host: ${error.message}`);
    }
    watchSize();
  }

  function watchSize() {
    let last = "";
    let queued = false;
    const measure = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        const root = document.documentElement;
        const size = { width: Math.ceil(window.innerWidth), height: Math.ceil(root.getBoundingClientRect().height) };
        const key = `${size.width}x${size.height}`;
        if (key !== last) {
          last = key;
          notify("ui/notifications/size-changed", size);
        }
      });
    };
    measure();
    new ResizeObserver(measure).observe(document.body);
  }

  function applyHostContext(context) {
    const root = document.documentElement;
    if (context.theme === "light" || context.theme === "dark") {
      root.dataset.theme = context.theme;
    } else if (!root.dataset.theme) {
      root.dataset.theme = window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    const variables = context.styles && context.styles.variables;
    if (variables) {
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value === "string" && name.startsWith("--")) root.style.setProperty(name, value);
      }
    }
    if (typeof context.locale === "string") {
      state.locale = context.locale;
      root.lang = context.locale;
    }
    if (typeof context.timeZone === "string") state.timeZone = context.timeZone;
    if (state.run) render();
  }

  // ---- what the host hands us ----

  function onToolInput(args) {
    if (typeof args.run_id === "string" && !state.run) {
      state.runId = args.run_id;
      setStatus("loading", "Reading the run…");
      // wait_for_task_run may hold its result for a long time: show the run meanwhile.
      clearTimeout(state.graceTimer);
      state.graceTimer = setTimeout(() => {
        if (!state.run) poll();
      }, RESULT_GRACE_MS);
    } else if (!state.run) {
      setStatus("loading", "Starting the run…");
    }
  }

  function onToolCancelled(reason) {
    if (state.run && !TERMINAL.has(state.run.status)) return; // our own polling carries on
    if (!state.run && state.runId) {
      poll();
      return;
    }
    if (!state.run) {
      setStatus("error", "No result");
      showNotice(`The tool call was cancelled${reason ? ` (${reason})` : ""}.`);
    }
  }

  // A tool result: a TaskRun, or {run, terminal, …} from a wait. Returns whether it held a run.
  function accept(result) {
    const content = result && result.structuredContent;
    const run = content && (content.run || content);
    if (!result || result.isError || !run || typeof run.id !== "string" || typeof run.status !== "string") {
      if (!state.run) {
        setStatus("error", "Error");
        showNotice(textOf(result) || "The tool returned no task run.");
      }
      return false;
    }
    const meta = (result._meta && result._meta[META_KEY]) || null;
    if (state.run && state.run.id !== run.id) {
      state.task = null;
      state.bound = null;
    }
    if (meta) {
      state.readOnly = meta.readOnly !== false;
      state.pollSeconds = typeof meta.pollSeconds === "number" ? meta.pollSeconds : null;
      if (meta.task) state.task = { name: meta.task.name, type: meta.task.type };
      if (meta.bound) state.bound = meta.bound;
    } else {
      state.pollSeconds = null;
    }
    state.run = run;
    state.runId = run.id;
    view.removeAttribute("aria-busy");
    render();
    schedule();
    lookUpTask(run.task_id);
    return true;
  }

  function textOf(result) {
    const blocks = (result && result.content) || [];
    return blocks
      .filter((block) => block && block.type === "text")
      .map((block) => block.text)
      .join("\n");
  }

  async function lookUpTask(taskId) {
    if (!state.canCall || state.task || state.taskLookedUp === taskId) return;
    state.taskLookedUp = taskId;
    try {
      const result = await callTool("get_task", { task_id: taskId });
      const task = result && !result.isError && result.structuredContent;
      if (task && typeof task.name === "string" && state.run && state.run.task_id === taskId) {
        state.task = { name: task.name, type: task.type };
        render();
      }
    } catch (_) {
      // The name is a nicety; the task id stays on show.
    }
  }

  // ---- keeping current ----

  function schedule() {
    clearTimeout(state.timer);
    if (state.closed || !state.run || TERMINAL.has(state.run.status)) {
      stopClock();
      return;
    }
    startClock();
    if (!state.canCall) return;
    const seconds = state.pollSeconds || FALLBACK_POLL_SECONDS;
    state.timer = setTimeout(poll, seconds * 1000);
  }

  async function poll() {
    const runId = state.runId;
    if (state.closed || state.busy || !runId || !state.canCall) return;
    state.busy = true;
    let held = false;
    let problem = "";
    try {
      const result = await callTool("get_task_run", { run_id: runId });
      if (result && !result.isError) held = accept(result);
      else problem = textOf(result) || "the server reported an error";
    } catch (error) {
      problem = error.message;
    } finally {
      state.busy = false;
    }
    if (held) {
      state.failures = 0;
      hideNotice();
      return;
    }
    state.failures += 1;
    if (state.failures >= MAX_POLL_FAILURES) {
      showNotice(`Stopped refreshing after ${state.failures} failed reads: ${problem}`);
      $("refresh").hidden = false;
      stopClock();
      return;
    }
    showNotice(`Could not refresh the run (${problem}); trying again.`);
    clearTimeout(state.timer);
    const base = state.pollSeconds || FALLBACK_POLL_SECONDS;
    state.timer = setTimeout(poll, Math.min(60, base * 2 ** state.failures) * 1000);
  }

  function stop() {
    state.closed = true;
    clearTimeout(state.timer);
    clearTimeout(state.graceTimer);
    stopClock();
  }

  function startClock() {
    if (!state.clock) state.clock = setInterval(renderTime, 1000);
  }

  function stopClock() {
    clearInterval(state.clock);
    state.clock = null;
  }

  // ---- cancelling ----

  $("cancel").addEventListener("click", () => {
    $("cancel").hidden = true;
    $("confirm").hidden = false;
    $("confirm-yes").focus();
  });

  $("confirm-no").addEventListener("click", closeConfirm);

  $("confirm").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeConfirm();
  });

  function closeConfirm() {
    $("confirm").hidden = true;
    renderActions();
    if (!$("cancel").hidden) $("cancel").focus();
  }

  $("confirm-yes").addEventListener("click", async () => {
    const runId = state.runId;
    $("confirm-yes").disabled = true;
    $("confirm-no").disabled = true;
    showNotice("Cancelling the run…");
    try {
      const result = await callTool("cancel_task_run", { run_id: runId });
      if (result && !result.isError) {
        hideNotice();
        accept(result);
      } else {
        showNotice(textOf(result) || "The run could not be cancelled.");
        poll();
      }
    } catch (error) {
      showNotice(`The run could not be cancelled: ${error.message}`);
    } finally {
      $("confirm-yes").disabled = false;
      $("confirm-no").disabled = false;
      $("confirm").hidden = true;
      renderActions();
    }
  });

  $("refresh").addEventListener("click", () => {
    state.failures = 0;
    $("refresh").hidden = true;
    hideNotice();
    poll();
  });

  // ---- rendering: text always through textContent, never markup from data ----

  function number(value) {
    return new Intl.NumberFormat(state.locale).format(value);
  }

  function format(iso, parts) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const options = { ...parts, hour: "2-digit", minute: "2-digit", timeZone: state.timeZone, timeZoneName: "short" };
    try {
      return new Intl.DateTimeFormat(state.locale, options).format(date);
    } catch (_) {
      return date.toISOString(); // an unknown locale or time zone from the host
    }
  }

  function when(iso) {
    return format(iso, { year: "numeric", month: "short", day: "numeric" });
  }

  function day(iso) {
    try {
      return new Intl.DateTimeFormat(state.locale, { dateStyle: "medium", timeZone: state.timeZone }).format(new Date(iso));
    } catch (_) {
      return iso.slice(0, 10);
    }
  }

  // "Nov 30, 2026, 03:30 UTC → 05:30 UTC" within one day, both dates in full otherwise.
  function windowText(start, end) {
    return `${when(start)} → ${day(start) === day(end) ? format(end, {}) : when(end)}`;
  }

  function span(seconds) {
    const total = Math.max(0, Math.round(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = total % 60;
    if (hours) return `${hours} h ${minutes} min`;
    if (minutes) return `${minutes} min ${rest} s`;
    return `${rest} s`;
  }

  function setStatus(status, text) {
    view.dataset.status = status;
    $("status-icon").innerHTML =
      `<svg viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" ` +
      `stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${ICONS[status] || ICONS.loading}</svg>`;
    $("status-text").textContent = text;
  }

  function showNotice(text) {
    $("notice").textContent = text;
    $("notice").hidden = false;
  }

  function hideNotice() {
    $("notice").hidden = true;
  }

  function render() {
    const run = state.run;
    setStatus(run.status, LABELS[run.status] || run.status);
    const task = state.task;
    $("task-name").textContent = task ? task.name : `Task ${run.task_id}`;
    const kind = task ? TASK_TYPES[task.type] || task.type : "";
    $("task-detail").textContent = [kind, `run ${run.id}`].filter(Boolean).join(" · ");

    $("num-successes").textContent = number(run.num_successes);
    $("num-errors").textContent = number(run.num_errors);
    $("num-skipped").textContent = number(run.num_skipped);
    renderProgress(run);

    const ended = run.status === "failed" || run.status === "cancelled";
    $("reason").hidden = !ended;
    if (ended) {
      $("reason-title").textContent = run.status === "failed" ? "Why it failed" : "Why it was cancelled";
      $("reason-text").textContent = run.failure_reason || "Arize gave no reason.";
    }

    const windowKnown = Boolean(run.data_start_time && run.data_end_time);
    $("window-row").hidden = !windowKnown;
    if (windowKnown) $("window").textContent = windowText(run.data_start_time, run.data_end_time);
    $("experiment-row").hidden = !run.experiment_id;
    $("experiment").textContent = run.experiment_id || "";
    $("created").textContent = when(run.created_at);
    renderTime();
    renderActions();
  }

  function renderProgress(run) {
    const done = run.num_successes + run.num_errors + run.num_skipped;
    const bar = $("progress");
    const bound = state.bound;
    const finished = run.status === "completed";
    let fraction = null;
    let text;
    if (finished) {
      fraction = 1;
      text = `${number(done)} items processed`;
    } else if (bound) {
      fraction = Math.min(1, done / bound.count);
      text = bound.exact
        ? `${number(done)} of ${number(bound.count)} items (${Math.floor(fraction * 100)}%)`
        : `${number(done)} items processed, up to ${number(bound.count)}`;
    } else if (TERMINAL.has(run.status)) {
      fraction = 0;
      text = `${number(done)} items processed before it stopped`;
    } else {
      text = run.status === "pending" ? "Waiting to start" : `${number(done)} items processed so far`;
    }
    const indeterminate = fraction === null;
    // A run that stopped with no known size has nothing to fill a bar against: say it in words only.
    bar.hidden = fraction === 0 && !bound;
    bar.classList.toggle("indeterminate", indeterminate);
    $("progress-fill").style.width = indeterminate ? "" : `${(fraction * 100).toFixed(1)}%`;
    if (indeterminate) {
      bar.removeAttribute("aria-valuenow");
      bar.removeAttribute("aria-valuemax");
    } else {
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    }
    bar.dataset.mode = indeterminate ? "indeterminate" : bound && !finished ? (bound.exact ? "exact" : "cap") : "done";
    $("progress-text").textContent = text;
  }

  function renderTime() {
    const run = state.run;
    if (!run) return;
    const now = Date.now();
    let label;
    let seconds = null;
    if (run.run_started_at) {
      const started = Date.parse(run.run_started_at);
      const ended = run.run_finished_at ? Date.parse(run.run_finished_at) : null;
      label = ended ? "Duration" : "Elapsed";
      seconds = ((ended || now) - started) / 1000;
    } else {
      label = TERMINAL.has(run.status) ? "Duration" : "Waiting for";
      seconds = TERMINAL.has(run.status) ? null : (now - Date.parse(run.created_at)) / 1000;
    }
    $("time-label").textContent = label;
    $("time").textContent = seconds === null ? "–" : span(seconds);
  }

  function renderActions() {
    const run = state.run;
    const open = Boolean(run) && !TERMINAL.has(run.status);
    const confirming = !$("confirm").hidden;
    $("cancel").hidden = state.readOnly || !state.canCall || !open || confirming;
    if (!open) $("confirm").hidden = true;
  }

  connect();
})();
