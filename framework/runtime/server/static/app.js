// The settings page: pick a destination, fill its settings form (rendered from the
// committed schema by form.js), test the connection, edit each action's mapping, and run
// an event through the destination as a dry run. An action whose preset is off by default
// has an "Enable" box: only when it is ticked is its mapping sent, which turns it on, as
// `actions send --mapping` does. Every check is the server's, which runs the framework's
// own validation. Fields with dynamic choices ask the server for them (form.js); a
// destination that connects with OAuth 2.0 has Connect controls (connect.js). With a
// runtime (`actions serve --config`), the same forms edit the stored connections
// (connections.js) and show their delivery (delivery.js). A server with an admin token
// answers 401 until the token is given: the page asks for it once, then retries.

import { connectControls } from "./connect.js";
import { connectionsView } from "./connections.js";
import { debounce, h } from "./dom.js";
import { renderForm } from "./form.js";
import { mountMappingEditor } from "./mapping-editor.js";

const $ = (id) => document.getElementById(id);

const page = {
  slug: null,
  details: null,
  form: null,
  connect: null, // the Connect controls, for a destination that connects with OAuth 2.0
  stored: null, // the saved connection open ({name, conceal}): the server fills its secrets in
  mappings: new Map(), // action slug -> {editor, problems, generation, enable (box or null)}
  generation: 0, // bumped on each settings check, so a late answer never overwrites a newer
};

/** The JSON API: GET without a body, POST with one, or `method`; {status, data}. */
async function call(path, body, method) {
  const options = { method: method ?? (body === undefined ? "GET" : "POST") };
  if (body !== undefined) {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    return { status: 0, data: { error: { code: "UNREACHABLE", message: `the settings server did not answer (${error.message})` } } };
  }
  if (response.status === 401 && path.startsWith("/api/") && path !== SESSION) {
    await signIn();
    return call(path, body, method);
  }
  try {
    return { status: response.status, data: await response.json() };
  } catch {
    return { status: response.status, data: { error: { code: "BAD_RESPONSE", message: `HTTP ${response.status}` } } };
  }
}

// The admin token ----------------------------------------------------------------------

const SESSION = "/api/session";
let signingIn = null; // the one sign-in under way: every refused call waits for it

/** Resolves once the server took the admin token typed in the header's prompt (it sets a cookie). */
function signIn() {
  signingIn ??= new Promise((resolve) => {
    const form = $("token-form");
    const input = $("admin-token");
    form.hidden = false;
    input.focus();
    const submit = async (event) => {
      event.preventDefault();
      say($("token-status"), "pending", "Signing in…");
      const { status, data } = await call(SESSION, { token: input.value });
      if (status < 200 || status >= 300) {
        say($("token-status"), "fail", status === 401 ? "Wrong token." : `${data.error?.code}: ${data.error?.message}`);
        return;
      }
      input.value = "";
      say($("token-status"), "", "");
      form.hidden = true;
      form.removeEventListener("submit", submit);
      signingIn = null;
      resolve();
    };
    form.addEventListener("submit", submit);
  });
  return signingIn;
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
  if (data.destinations.length > 0) await open(known ? wanted : data.destinations[0].slug);
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
  const { data } = await call(endpoint("choices"), { ...settingsBody(), field });
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

/**
 * The settings to send: the form's; with a saved connection open, its stored secrets left
 * as {"secret": true} and the connection named ("stored"), so that the server fills them in.
 */
function settingsBody() {
  const settings = page.form.value();
  const stored = page.stored;
  return stored ? { settings: stored.conceal(settings), stored: stored.name } : { settings };
}

async function testConnection() {
  const result = $("connection-result");
  say(result, "pending", "Testing the connection…");
  const { data } = await call(endpoint("test-connection"), settingsBody());
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

/** Each action's mapping editor (mapping-editor.js), whose values resolve from the tester's event. */
function renderMappings(actions) {
  page.mappings.clear();
  const container = $("mappings");
  container.replaceChildren();
  for (const action of actions) {
    const id = `mapping-${action.slug}`;
    const holder = h("div", { class: "mapping-holder" });
    const problems = h("ul", { class: "problems", id: `${id}-problems`, role: "alert" });
    const reset = h("button", { type: "button", class: "link" }, "Reset every field to its default");
    const enable = action.on_by_default ? null : h("input", { type: "checkbox", id: `${id}-enabled` });
    const entry = { editor: null, problems, generation: 0, enable };
    const check = debounce(() => checkMapping(action.slug, entry));
    entry.editor = mountMappingEditor(holder, {
      action,
      sample: () => JSON.parse($("event").value),
      resolve: async (mapping, event) => {
        const body = { action: action.slug, mapping, event, settings: page.form.value() };
        return (await call(endpoint("resolve"), body)).data;
      },
      onChange: check,
    });
    reset.addEventListener("click", () => {
      entry.editor.setMapping({});
      checkMapping(action.slug, entry);
    });
    page.mappings.set(action.slug, entry);
    container.append(
      h(
        "section",
        { class: "action", "aria-labelledby": `${id}-title` },
        h("h3", { id: `${id}-title` }, action.title),
        h("p", { class: "help" }, action.description, " ", describeWhen(action)),
        enable && h("p", { class: "enable" }, enable, " ", h("label", { for: enable.id }, `Enable ${action.title}`)),
        holder,
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

/** The mapping's overrides of the action's default: {mapping} or {error}. */
const parseMapping = (entry) => entry.editor.value();

function showMappingProblems(entry, lines) {
  entry.problems.replaceChildren(...lines.map((line) => h("li", {}, line)));
}

/** Problems of a 422 INVALID_MAPPING answer, each under its action's mapping. */
function showActionProblems(problems) {
  for (const [slug, entry] of page.mappings) {
    const mine = problems.filter((p) => p.action === slug);
    showMappingProblems(entry, mine.map((p) => `${p.location || "/"}: ${p.message}`));
  }
}

/**
 * The mappings a connection stores: per action, the fields that differ from its default
 * mapping; an off-by-default action's only when its box is ticked (naming it enables it).
 * {mappings}, or {error} when a mapping cannot be read (shown under it).
 */
function changedMappings() {
  const mappings = {};
  for (const [slug, entry] of page.mappings) {
    const { mapping, error } = parseMapping(entry);
    if (error) {
      showMappingProblems(entry, [error]);
      return { error: `Fix the mapping of ${slug} first.` };
    }
    if (entry.enable ? entry.enable.checked : Object.keys(mapping).length > 0) mappings[slug] = mapping;
  }
  return { mappings };
}

/** Shows a connection's mappings (each over its action's default); an action named is enabled. */
function setMappings(mappings) {
  for (const [slug, entry] of page.mappings) {
    entry.editor.setMapping(mappings[slug] ?? {});
    if (entry.enable) entry.enable.checked = slug in mappings;
    checkMapping(slug, entry);
  }
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
    if (picker.value === "") return;
    $("event").value = JSON.stringify(data.samples[Number(picker.value)].event, null, 2);
    refreshMappings();
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
  const { data } = await call(endpoint("dry-run"), { ...settingsBody(), mappings, event });
  if (settingsRefused(data)) {
    say(results, "fail", "The settings are invalid: fix them first.");
  } else if (data.error?.code === "INVALID_MAPPING") {
    showActionProblems(data.error.problems);
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

// Connections --------------------------------------------------------------------------

/** What connections.js needs of the forms above: a destination's, filled and read. */
const editor = {
  slug: () => page.slug,
  open,
  lockDestination: (locked) => {
    $("destination").disabled = locked;
  },
  settings: () => page.form.value(),
  setSettings: (values) => {
    const unknown = page.form.set(values);
    page.connect?.refresh();
    checkSettings();
    return unknown;
  },
  settingsRefused,
  showSettingsProblems: (problems) => {
    page.generation += 1;
    page.form.showProblems(problems);
    say($("settings-status"), "fail", "The settings are invalid: see the fields marked in red.");
  },
  mappings: changedMappings,
  setMappings,
  showActionProblems,
  useStored: (stored) => {
    page.stored = stored; // {name, conceal} of the saved connection open, or null
  },
};

// Wiring -------------------------------------------------------------------------------

const recheck = debounce(checkSettings);
$("settings-form").addEventListener("input", recheck);
$("settings-form").addEventListener("change", recheck);
$("test-connection").addEventListener("click", testConnection);
$("save-settings").addEventListener("click", saveSettings);
$("load-settings").addEventListener("change", loadSettings);
$("run-event").addEventListener("click", runEvent);
const refreshMappings = debounce(() => {
  for (const entry of page.mappings.values()) entry.editor.refresh();
});
$("event").addEventListener("input", refreshMappings);
start().then(() => connectionsView({ call, editor }));
