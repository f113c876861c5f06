// A connection's delivery (docs/settings-ui.md), from the runtime's own data
// (GET /api/connections/<name>/delivery, asked every 2 s while it is shown): delivered,
// failed, retrying and dead-lettered per minute over the last hour as an inline SVG chart
// (drawn here: no library), their totals and the current rate; the latest failures grouped
// by code, each with samples (the event, the redacted request, the response); the dead
// letters, replayed all at once or by code (POST …/replay).

import { h } from "./dom.js";

const POLL_MS = 2000;
const KINDS = [
  ["delivered", "Delivered"],
  ["failed", "Failed"],
  ["retrying", "Retrying"],
  ["dead_lettered", "Dead-lettered"],
];
const WIDTH = 600;
const HEIGHT = 120;
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

function say(element, kind, ...text) {
  element.className = `message ${kind}`;
  element.replaceChildren(...text);
}

const pretty = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

/**
 * Shows the delivery of the connection `name` in `container` until stop() is called.
 * `call(path, body?, method?)` is the page's API call.
 */
export function deliveryView(container, { call, name }) {
  const base = `/api/connections/${encodeURIComponent(name)}`;
  const totals = h("dl", { class: "totals", "aria-label": "Last hour" });
  const rate = h("p", { class: "rate" });
  const chart = h("figure", { class: "chart" });
  const status = h("p", { class: "message", role: "status" });
  const failures = h("div", { class: "failure-groups" });
  const replayed = h("p", { class: "message", role: "status", id: "replay-status" });
  const replayButtons = h("div", { class: "buttons" });
  const deadLetters = h("div", { class: "dead-letters" });
  container.replaceChildren(
    h("h3", {}, "Last hour"),
    totals,
    rate,
    chart,
    status,
    h("h3", {}, "Latest failures"),
    failures,
    h("h3", {}, "Dead letters"),
    replayButtons,
    replayed,
    deadLetters,
  );
  let stopped = false;
  let timer;
  const shown = { failures: "", deadLetters: "" }; // what is drawn, to leave an unchanged list (and what is expanded) alone

  async function tick() {
    const { status: code, data } = await call(`${base}/delivery`);
    if (stopped) return;
    if (data.error) say(status, "fail", `${data.error.code}: ${data.error.message}`);
    else {
      say(status, "", "");
      render(data);
    }
    if (code !== 404) timer = setTimeout(tick, POLL_MS);
  }

  function render(data) {
    const series = data.series ?? [];
    totals.replaceChildren(
      ...KINDS.flatMap(([kind, label]) => [
        h("dt", { class: `kind-${kind}` }, label),
        h("dd", { "data-count": kind }, String(series.reduce((sum, minute) => sum + (minute[kind] ?? 0), 0))),
      ]),
    );
    const perMinute = Number(data.rate_per_minute ?? 0);
    rate.textContent = `Current rate: ${perMinute.toFixed(perMinute < 10 ? 1 : 0)} per minute`;
    chart.replaceChildren(drawChart(series), h("figcaption", {}, "Per minute, the last 60 minutes"));
    const failureText = JSON.stringify(data.failures ?? []);
    if (failureText !== shown.failures) {
      shown.failures = failureText;
      renderFailures(data.failures ?? []);
    }
    const deadText = JSON.stringify(data.dead_letters ?? []);
    if (deadText !== shown.deadLetters) {
      shown.deadLetters = deadText;
      renderDeadLetters(data.dead_letters ?? []);
    }
  }

  function renderFailures(groups) {
    const open = new Set([...failures.querySelectorAll("details[open]")].map((item) => item.dataset.code));
    if (groups.length === 0) {
      failures.replaceChildren(h("p", { class: "help" }, "No failure."));
      return;
    }
    failures.replaceChildren(
      ...groups.map((group) =>
        h(
          "details",
          { class: "failure-group", "data-code": group.code, open: open.has(group.code) },
          h("summary", {}, h("code", {}, group.code), ` (${group.count})`),
          ...(group.samples ?? []).map(renderSample),
        ),
      ),
    );
  }

  function renderDeadLetters(letters) {
    const codes = [...new Set(letters.map((letter) => letter.code))];
    replayButtons.replaceChildren(
      ...(letters.length === 0
        ? []
        : [replayButton("Replay all", undefined), ...codes.map((code) => replayButton(`Replay ${code}`, code))]),
    );
    if (letters.length === 0) {
      deadLetters.replaceChildren(h("p", { class: "help" }, "No dead letter."));
      return;
    }
    const head = h("tr", {}, ...["Failed at", "Message ID", "Code", "Message"].map((title) => h("th", {}, title)));
    const rows = letters.map((letter) =>
      h(
        "tr",
        { "data-dead-letter": letter.id },
        h("td", {}, letter.failed_at ?? ""),
        h("td", {}, h("code", {}, letter.message_id ?? "")),
        h("td", {}, h("code", {}, letter.code)),
        h("td", {}, letter.message ?? ""),
      ),
    );
    deadLetters.replaceChildren(h("table", { "aria-label": "Dead letters" }, h("thead", {}, head), h("tbody", {}, ...rows)));
  }

  function replayButton(label, code) {
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(replayed, "pending", "Replaying…");
      const { data } = await call(`${base}/replay`, code === undefined ? {} : { code });
      button.disabled = false;
      if (data.error) say(replayed, "fail", `${data.error.code}: ${data.error.message}`);
      else say(replayed, "ok", `Replayed ${data.replayed} dead letter${data.replayed === 1 ? "" : "s"}.`);
      clearTimeout(timer);
      if (!stopped) tick();
    });
    return button;
  }

  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The four counts per minute as lines, on a shared scale, with a legend. */
function drawChart(series) {
  const top = Math.max(1, ...series.flatMap((minute) => KINDS.map(([kind]) => minute[kind] ?? 0)));
  const step = series.length > 1 ? WIDTH / (series.length - 1) : WIDTH;
  const y = (value) => (HEIGHT - (value / top) * HEIGHT).toFixed(1);
  const lines = KINDS.map(([kind, label]) => {
    const points = series.map((minute, index) => `${(index * step).toFixed(1)},${y(minute[kind] ?? 0)}`);
    return svg("polyline", { class: `line kind-${kind}`, points: points.join(" ") }, svg("title", {}, label));
  });
  const grid = [0, 0.5, 1].map((share) =>
    svg("line", { class: "grid", x1: 0, x2: WIDTH, y1: y(top * share), y2: y(top * share) }),
  );
  const scale = svg("text", { class: "scale", x: 4, y: 12 }, `${top}`);
  const first = series[0]?.minute ?? "";
  const last = series.at(-1)?.minute ?? "";
  const label = `Deliveries per minute from ${first} to ${last}; highest ${top}`;
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label, preserveAspectRatio: "none", class: "chart-lines" },
    ...grid,
    ...lines,
    scale,
  );
}

function renderSample(sample) {
  const parts = [];
  if (sample.at) parts.push(h("p", { class: "help" }, sample.at));
  parts.push(h("figure", {}, h("figcaption", {}, "Event"), h("pre", {}, pretty(sample.event ?? ""))));
  if (sample.request) parts.push(h("figure", {}, h("figcaption", {}, "Request"), h("pre", {}, describeRequest(sample.request))));
  if (sample.response) parts.push(h("figure", {}, h("figcaption", {}, "Response"), h("pre", {}, describeResponse(sample.response))));
  return h("article", { class: "sample" }, ...parts);
}

function describeRequest(request) {
  if (typeof request !== "object" || request.method === undefined) return pretty(request);
  const headers = Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  const body = request.json !== undefined ? pretty(request.json) : (request.body ?? "");
  return [`${request.method} ${request.url}`, ...headers, "", body].join("\n");
}

function describeResponse(response) {
  // the outcome the runtime recorded: the destination's answer (or why there was none) and its code
  if (typeof response !== "object" || response === null) return pretty(response);
  const { code, message, ...rest } = response;
  const head = [message, code ? `(${code})` : null].filter(Boolean).join(" ");
  return Object.keys(rest).length > 0 ? `${head}\n${pretty(rest)}` : head;
}
