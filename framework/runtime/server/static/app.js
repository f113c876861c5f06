// The settings page: pick a destination, fill its settings form (rendered from the
// committed schema by form.js), test the connection, edit each action's mapping, and run
// an event through the destination as a dry run. An action whose preset is off by default
// has an "Enable" box: only when it is ticked is its mapping sent, which turns it on, as
// `actions send --mapping` does. Every check is the server's, which runs the framework's
// own validation. Fields with dynamic choices ask the server for them (form.js); a
// destination that connects with OAuth 2.0 has Connect controls (connect.js).

import { connectControls } from "./connect.js";
import { debounce, h } from "./dom.js";
import { renderForm } from "./form.js";

const $ = (id) => document.getElementById(id);

const page = {
  slug: null,
  details: null,
  form: null,
  connect: null, // the Connect controls, for a destination that connects with OAuth 2.0
  mappings: new Map(), // action slug -> {area, problems, generation, enable (box or null)}
  generation: 0, // bumped on each settings check, so a late answer never overwrites a newer
};

async function call(path, body) {
  const options =
    body === undefined
      ? {}
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    return { status: 0, data: { error: { code: "UNREACHABLE", message: `the settings server did not answer (${error.message})` } } };
  }
  try {
    return { status: response.status, data: await response.json() };
  } catch {
    return { status: response.status, data: { error: { code: "BAD_RESPONSE", message: `HTTP ${response.status}` } } };
  }
}

function say(element, kind, ...text) {
  element.className = `message ${kind}`;
  element.replaceChildren(...text);
}

const endpoint = (operation) => `/api/destinations/${encodeURIComponent(page.slug)}/${operation}`;

// Destinations -------------------------------------------------------------------------

async function start() {
  const { data } = await call("/api/destinations");
  const picker = $("destination");
  for (const destination of data.destinations) {
    picker.append(h("option", { value: destination.slug }, destination.name));
  }
  picker.addEventListener("change", () => open(picker.value));
  const wanted = decodeURIComponent(location.hash.slice(1));
  const known = data.destinations.some((destination) => destination.slug === wanted);
  if (data.destinations.length > 0) open(known ? wanted : data.destinations[0].slug);
  else say($("page-error"), "fail", "No destination is registered (see `actions list`).");
  loadSamples();
}

async function open(slug) {
  $("destination").value = slug;
  history.replaceState(null, "", `#${encodeURIComponent(slug)}`);
  const { data } = await call(`/api/destinations/${encodeURIComponent(slug)}`);
  if (data.error) {
    say($("page-error"), "fail", `${data.error.code}: ${data.error.message}`);
    return;
  }
  say($("page-error"), "", "");
  page.slug = slug;
  page.details = data;
  $("destination-description").textContent = data.description;
  page.form = renderForm(data.settings_schema, $("settings-form"), { choices: listChoices });
  const tokenField = data.oauth && page.form.field(data.oauth.setting);
  page.connect = tokenField
    ? connectControls({ oauth: data.oauth, field: tokenField, call, connectPath: endpoint("connect") })
    : null;
  for (const id of ["settings-status", "connection-result", "file-status", "results"]) $(id).replaceChildren();
  renderMappings(data.actions);
}

// Settings -----------------------------------------------------------------------------

/** A dynamic field's choices, listed by the destination's API with the current settings. */
async function listChoices(field) {
  const { data } = await call(endpoint("choices"), { settings: page.form.value(), field });
  return data.error ? { ok: false, code: data.error.code, message: data.error.message } : data;
}

async function checkSettings() {
  const generation = ++page.generation;
  const { data } = await call(endpoint("validate-settings"), { settings: page.form.value() });
  if (generation !== page.generation) return false;
  if (data.error) {
    say($("settings-status"), "fail", `${data.error.code}: ${data.error.message}`);
    return false;
  }
  page.form.showProblems(data.problems);
  const count = data.problems.length;
  if (count === 0) say($("settings-status"), "ok", "Settings are valid.");
  else say($("settings-status"), "fail", `${count} problem${count > 1 ? "s" : ""}: see the fields marked in red.`);
  return data.ok;
}

/** Shows a 422 INVALID_SETTINGS answer on the form; true when the answer was one. */
function settingsRefused(data) {
  if (data.error?.code !== "INVALID_SETTINGS") return false;
  page.generation += 1;
  page.form.showProblems(data.error.problems ?? []);
  say($("settings-status"), "fail", "The settings are invalid: see the fields marked in red.");
  return true;
}

async function testConnection() {
  const result = $("connection-result");
  say(result, "pending", "Testing the connection…");
  const { data } = await call(endpoint("test-connection"), { settings: page.form.value() });
  if (settingsRefused(data)) {
    say(result, "fail", "Fix the settings first.");
  } else if (data.error) {
    say(result, "fail", `${data.error.code}: ${data.error.message}`);
  } else {
    const status = data.status ? ` (HTTP ${data.status})` : "";
    if (data.ok) say(result, "ok", `Connection succeeded: ${data.message}${status}`);
    else say(result, "fail", `Connection failed: ${data.code}: ${data.message}${status}`);
  }
}

function saveSettings() {
  const name = `${page.slug}-settings.json`;
  const text = `${JSON.stringify(page.form.value(), null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  page.form.seal();
  say($("file-status"), "ok", `Saved ${name}. Secrets stay in this page's memory and are not shown again.`);
}

async function loadSettings(event) {
  const input = event.target;
  const file = input.files[0];
  input.value = "";
  if (file === undefined) return;
  let values;
  try {
    values = JSON.parse(await file.text());
  } catch (error) {
    say($("file-status"), "fail", `${file.name} is not valid JSON: ${error.message}`);
    return;
  }
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    say($("file-status"), "fail", `${file.name} must hold a JSON object of settings.`);
    return;
  }
  const unknown = page.form.set(values);
  page.connect?.refresh();
  const ignored = unknown.length > 0 ? ` Ignored unknown settings: ${unknown.join(", ")}.` : "";
  say($("file-status"), unknown.length > 0 ? "fail" : "ok", `Loaded ${file.name}.${ignored}`);
  checkSettings();
}

// Mappings -----------------------------------------------------------------------------

function renderMappings(actions) {
  page.mappings.clear();
  const container = $("mappings");
  container.replaceChildren();
  for (const action of actions) {
    const id = `mapping-${action.slug}`;
    const area = h("textarea", { id, rows: 12, spellcheck: "false", "aria-describedby": `${id}-problems` });
    const problems = h("ul", { class: "problems", id: `${id}-problems`, role: "alert" });
    const reset = h("button", { type: "button", class: "link" }, "Reset to default");
    const enable = action.on_by_default ? null : h("input", { type: "checkbox", id: `${id}-enabled` });
    const when = describeWhen(action);
    const entry = { area, problems, generation: 0, enable };
    area.value = JSON.stringify(action.mapping, null, 2);
    const check = debounce(() => checkMapping(action.slug, entry));
    area.addEventListener("input", check);
    reset.addEventListener("click", () => {
      area.value = JSON.stringify(action.mapping, null, 2);
      checkMapping(action.slug, entry);
    });
    page.mappings.set(action.slug, entry);
    container.append(
      h(
        "section",
        { class: "action", "aria-labelledby": `${id}-title` },
        h("h3", { id: `${id}-title` }, action.title),
        h("p", { class: "help" }, action.description, " ", when),
        enable && h("p", { class: "enable" }, enable, " ", h("label", { for: enable.id }, `Enable ${action.title}`)),
        h("label", { for: id }, `${action.title} mapping (JSON)`),
        area,
        problems,
        reset,
      ),
    );
  }
}

function describeWhen(action) {
  if (action.subscriptions.length === 0) return "No preset runs it.";
  const when = action.subscriptions.join(" or ");
  return action.on_by_default ? `Runs when ${when}.` : `Off by default: once enabled, runs when ${when}.`;
}

/** Whether the action runs in a dry run: on by default, or its "Enable" box ticked. */
const runs = (entry) => entry.enable === null || entry.enable.checked;

function parseMapping(entry) {
  try {
    return { mapping: JSON.parse(entry.area.value) };
  } catch (error) {
    return { error: `not valid JSON: ${error.message}` };
  }
}

function showMappingProblems(entry, lines) {
  entry.problems.replaceChildren(...lines.map((line) => h("li", {}, line)));
  entry.area.toggleAttribute("aria-invalid", lines.length > 0);
}

async function checkMapping(slug, entry) {
  const generation = ++entry.generation;
  const { mapping, error } = parseMapping(entry);
  if (error) {
    showMappingProblems(entry, [error]);
    return;
  }
  const { data } = await call(endpoint("validate-mapping"), { action: slug, mapping });
  if (generation !== entry.generation) return;
  if (data.error) showMappingProblems(entry, [`${data.error.code}: ${data.error.message}`]);
  else showMappingProblems(entry, data.problems.map((p) => `${p.location || "/"}: ${p.message}`));
}

// Event tester -------------------------------------------------------------------------

async function loadSamples() {
  const { data } = await call("/static/sample-events.json");
  const picker = $("sample");
  data.samples.forEach((sample, index) => picker.append(h("option", { value: index }, sample.name)));
  picker.addEventListener("change", () => {
    if (picker.value !== "") $("event").value = JSON.stringify(data.samples[Number(picker.value)].event, null, 2);
  });
}

async function runEvent() {
  const results = $("results");
  let event;
  try {
    event = JSON.parse($("event").value);
  } catch (error) {
    say(results, "fail", `The event is not valid JSON: ${error.message}`);
    return;
  }
  const mappings = {};
  for (const [slug, entry] of page.mappings) {
    if (!runs(entry)) continue;
    const { mapping, error } = parseMapping(entry);
    if (error) {
      showMappingProblems(entry, [error]);
      say(results, "fail", `Fix the mapping of ${slug} first.`);
      return;
    }
    mappings[slug] = mapping;
  }
  say(results, "pending", "Running…");
  const { data } = await call(endpoint("dry-run"), { settings: page.form.value(), mappings, event });
  if (settingsRefused(data)) {
    say(results, "fail", "The settings are invalid: fix them first.");
  } else if (data.error?.code === "INVALID_MAPPING") {
    for (const [slug, entry] of page.mappings) {
      const mine = data.error.problems.filter((p) => p.action === slug);
      showMappingProblems(entry, mine.map((p) => `${p.location || "/"}: ${p.message}`));
    }
    say(results, "fail", "A mapping is invalid: see its problems above.");
  } else if (data.error) {
    say(results, "fail", `${data.error.code}: ${data.error.message}`);
  } else {
    say(results, "", ...renderOutcome(data));
  }
}

function renderOutcome(data) {
  const parts = [];
  if (data.event_problems.length > 0) {
    parts.push(
      h(
        "div",
        { class: "message warn" },
        h("p", {}, "This event departs from Segment's spec for its type (it is run anyway):"),
        h("ul", {}, ...data.event_problems.map((p) => h("li", {}, `${p.location || "/"}: ${p.message}`))),
      ),
    );
  }
  if (data.skipped) parts.push(h("p", { class: "message warn skipped" }, `Skipped: ${data.skipped}`));
  for (const result of data.results) parts.push(renderResult(result));
  return parts;
}

function renderResult(result) {
  const title = page.details.actions.find((action) => action.slug === result.action)?.title ?? result.action;
  const preset = result.name && result.name !== title ? h("small", {}, ` (${result.name})`) : null;
  const heading = h("h3", {}, title, preset);
  let match;
  if (result.subscription === null) match = "Never runs: no preset or default subscription.";
  else if (!result.enabled) match = `Off by default (not enabled above): ${result.subscription}`;
  else match = `${result.matched ? "Matched" : "Not matched"}: ${result.subscription}`;
  const parts = [heading, h("p", { class: result.matched ? "matched" : "unmatched" }, match)];
  if (result.matched) {
    parts.push(h("p", { class: `status ${result.status}` }, `Status: ${result.status.replace("_", " ")}`));
    parts.push(figure("Resolved payload", JSON.stringify(result.payload, null, 2)));
    if (result.error) {
      const retry = result.error.retryable ? " (retryable)" : "";
      parts.push(h("p", { class: "message fail" }, `${result.error.code}${retry}: ${result.error.message}`));
    }
    if (result.request) {
      const request = result.request;
      const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
      parts.push(figure("Request", [`${request.method} ${request.url}`, ...headers].join("\n")));
      parts.push(figure("Request body", JSON.stringify(request.json, null, 2)));
    }
  }
  return h("article", { class: "result", "data-action": result.action }, ...parts);
}

function figure(caption, text) {
  return h("figure", {}, h("figcaption", {}, caption), h("pre", {}, text ?? ""));
}

// Wiring -------------------------------------------------------------------------------

const recheck = debounce(checkSettings);
$("settings-form").addEventListener("input", recheck);
$("settings-form").addEventListener("change", recheck);
$("test-connection").addEventListener("click", testConnection);
$("save-settings").addEventListener("click", saveSettings);
$("load-settings").addEventListener("change", loadSettings);
$("run-event").addEventListener("click", runEvent);
start();
