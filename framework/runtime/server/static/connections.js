// The stored connections (docs/settings-ui.md), shown when the server runs the delivery
// runtime: a list (GET /api/connections) with an Enabled box per connection, and the
// connection being edited, whose settings and mappings are the page's own forms
// (app.js's `editor`). New: POST; saved: PUT with the version loaded, so an edit made
// elsewhere meanwhile is refused (409 VERSION_CONFLICT), never overwritten. A stored
// secret is never sent to the page ({"secret": true}): its field shows "set", and sends
// {"secret": true} back unless something is typed in it. Connections of the configuration
// file are read-only. An open, saved connection shows its delivery (delivery.js).

import { deliveryView } from "./delivery.js";
import { h } from "./dom.js";

const $ = (id) => document.getElementById(id);
const LIST = "/api/connections";
// What a stored secret's field holds instead of the secret: kept in the form's memory
// (never shown), and sent back as {"secret": true}.
const STORED = "\u2063stored-secret\u2063";
const FIELDS = ["name", "source"]; // the connection's own fields with an error slot

const path = (name) => `${LIST}/${encodeURIComponent(name)}`;

function say(element, kind, ...text) {
  element.className = `message ${kind}`;
  element.replaceChildren(...text);
}

const isSecretMark = (value) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && value.secret === true && Object.keys(value).length === 1;

/** `value` with each stored-secret mark replaced by `replace(mark)`, and each string by `text(string)`. */
function mapLeaves(value, mark, text) {
  if (isSecretMark(value)) return mark;
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) return value.map((item) => mapLeaves(item, mark, text));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapLeaves(item, mark, text)]));
  }
  return value;
}

const reveal = (settings) => mapLeaves(settings, STORED, (text) => text);
const conceal = (settings) => mapLeaves(settings, { secret: true }, (text) => (text === STORED ? { secret: true } : text));

/**
 * Shows the connections, if the server has them (a 404 means no runtime: nothing shown).
 * `call(path, body?, method?)` is the page's API call.
 */
export async function connectionsView({ call, editor }) {
  const { status } = await call(LIST);
  if (status === 404) return;
  const view = new Connections(call, editor);
  $("connections").hidden = false;
  await view.refresh();
}

class Connections {
  constructor(call, editor) {
    this.call = call;
    this.editor = editor;
    this.current = null; // the connection open: the document loaded, or {} for a new one
    this.delivery = null;
    $("new-connection").addEventListener("click", () => this.create());
    $("save-connection").addEventListener("click", () => this.save());
    $("delete-connection").addEventListener("click", () => this.remove());
    $("close-connection").addEventListener("click", () => this.close());
  }

  async refresh() {
    const { data } = await this.call(LIST);
    if (data.error) {
      say($("connections-status"), "fail", `${data.error.code}: ${data.error.message}`);
      return;
    }
    const connections = data.connections ?? [];
    const sources = data.sources ?? [...new Set(connections.map((connection) => connection.source))];
    $("connection-sources").replaceChildren(...sources.map((source) => h("option", { value: source })));
    $("connection-list").tBodies[0].replaceChildren(...connections.map((connection) => this.row(connection)));
    const none = connections.length === 0 ? "No connection yet: create one with New connection." : "";
    say($("connections-status"), "", none);
  }

  row(connection) {
    const { name } = connection;
    const open = h("button", { type: "button", class: "link", "aria-label": `Open ${name}` }, name);
    open.addEventListener("click", () => this.open(name));
    const enabled = h("input", {
      type: "checkbox",
      "aria-label": `${name} enabled`,
      checked: connection.enabled,
      disabled: connection.readonly,
    });
    enabled.addEventListener("change", () => this.toggle(name, enabled));
    const badge = connection.readonly ? h("span", { class: "badge", title: "defined by the configuration file" }, "read-only") : null;
    return h(
      "tr",
      { "data-connection": name },
      h("td", {}, open, " ", badge),
      h("td", {}, connection.source),
      h("td", {}, connection.destination),
      h("td", {}, enabled),
      h("td", {}, String(connection.version)),
    );
  }

  /** A new connection, of the destination picked above, from its default settings. */
  async create() {
    this.stopDelivery();
    this.current = {};
    this.editor.useStored(null);
    this.editor.lockDestination(false);
    await this.editor.open(this.editor.slug());
    this.fill({ name: "", source: $("connection-source").value, enabled: true, readonly: false });
    $("connection-heading").textContent = "New connection";
    $("connection-name").focus();
  }

  async open(name) {
    const { data } = await this.call(path(name));
    if (data.error) {
      say($("connections-status"), "fail", `${data.error.code}: ${data.error.message}`);
      return;
    }
    await this.load(data);
    this.stopDelivery();
    $("delivery").hidden = false;
    this.delivery = deliveryView($("delivery-view"), { call: this.call, name });
  }

  /** Puts a stored connection in the forms. */
  async load(connection) {
    this.current = connection;
    this.editor.useStored({ name: connection.name, conceal });
    this.editor.lockDestination(true);
    await this.editor.open(connection.destination);
    this.editor.setSettings(reveal(connection.settings ?? {}));
    this.editor.setMappings(connection.mappings ?? {});
    this.fill(connection);
    $("connection-heading").textContent = `Connection ${connection.name}`;
  }

  fill({ name, source, enabled, readonly }) {
    $("connection").hidden = false;
    $("connection-name").value = name;
    $("connection-name").readOnly = this.current.version !== undefined;
    $("connection-source").value = source;
    $("connection-enabled").checked = enabled;
    $("connection-readonly").hidden = !readonly;
    for (const id of ["connection-source", "connection-enabled", "save-connection"]) $(id).disabled = readonly;
    $("delete-connection").disabled = readonly || this.current.version === undefined;
    this.showFieldProblems([]);
    say($("connection-status"), "", "");
  }

  document() {
    const { mappings, error } = this.editor.mappings();
    if (error) return { error };
    return {
      name: $("connection-name").value.trim(),
      source: $("connection-source").value.trim(),
      destination: this.editor.slug(),
      settings: conceal(this.editor.settings()),
      mappings,
      subscriptions: this.current.subscriptions ?? {},
      enabled: $("connection-enabled").checked,
    };
  }

  async save() {
    const status = $("connection-status");
    const { error, ...document } = this.document();
    if (error) {
      say(status, "fail", error);
      return;
    }
    const stored = this.current.version !== undefined;
    say(status, "pending", "Saving…");
    const { data } = stored
      ? await this.call(path(document.name), { ...document, version: this.current.version }, "PUT")
      : await this.call(LIST, document);
    if (data.error) {
      this.refused(data);
      return;
    }
    if (stored) await this.load(data);
    else await this.open(data.name); // and its delivery, now that it has some
    say(status, "ok", `Saved ${data.name} (version ${data.version}).`);
    await this.refresh();
  }

  /** A refused save: each problem next to its field, or the conflict to resolve. */
  refused(data) {
    const status = $("connection-status");
    const { code, message, problems = [] } = data.error;
    this.showFieldProblems([]);
    if (code === "VERSION_CONFLICT") {
      const reload = h("button", { type: "button", class: "link" }, "Reload");
      reload.addEventListener("click", () => this.open(this.current.name));
      say(status, "fail", "Changed elsewhere: reload to see the saved connection (your changes here are lost). ", reload);
      return;
    }
    if (this.editor.settingsRefused(data)) {
      say(status, "fail", "Not saved: the settings are invalid: see the fields marked in red.");
      return;
    }
    // Each problem names its section: "name", "source", "destination", "settings",
    // "mappings" or "subscriptions" (these two with their action), and a location in it.
    const own = problems.filter((p) => FIELDS.includes(p.section));
    const ofSettings = problems.filter((p) => p.section === "settings");
    const ofMappings = problems.filter((p) => p.section === "mappings" && p.action);
    const rest = problems.filter((p) => !own.includes(p) && !ofSettings.includes(p) && !ofMappings.includes(p));
    this.showFieldProblems(own);
    this.editor.showActionProblems(ofMappings);
    if (ofSettings.length > 0) this.editor.showSettingsProblems(ofSettings);
    const where = (p) => [p.section, p.action, p.location].filter(Boolean).join(" ");
    const listed = rest.map((p) => h("li", {}, `${where(p)}: ${p.message}`));
    say(status, "fail", `Not saved: ${code}: ${message}`, listed.length > 0 ? h("ul", { class: "problems" }, ...listed) : "");
  }

  showFieldProblems(problems) {
    for (const field of FIELDS) {
      const mine = problems.filter((p) => p.section === field);
      const error = $(`connection-${field}-error`);
      error.replaceChildren(...mine.map((p) => h("span", {}, p.message)));
      error.hidden = mine.length === 0;
      $(`connection-${field}`).toggleAttribute("aria-invalid", mine.length > 0);
    }
  }

  async remove() {
    const { name, version } = this.current;
    if (!window.confirm(`Delete the connection ${name}? Its queued events are dead-lettered.`)) return;
    const { data } = await this.call(`${path(name)}?version=${version}`, undefined, "DELETE");
    if (data.error) {
      this.refused(data);
      return;
    }
    this.close();
    await this.refresh();
    say($("connections-status"), "ok", `Deleted ${name}.`);
  }

  /** The list's Enabled box: the connection saved again with only that changed. */
  async toggle(name, box) {
    const wanted = box.checked;
    box.disabled = true;
    const { data: stored } = await this.call(path(name));
    const { data } = stored.error
      ? { data: stored }
      : await this.call(path(name), { ...stored, enabled: wanted }, "PUT");
    box.disabled = false;
    if (data.error) {
      box.checked = !wanted;
      say($("connections-status"), "fail", `${name}: ${data.error.code}: ${data.error.message}`);
      return;
    }
    if (this.current?.name === name && this.current.version === stored.version) {
      this.current = { ...this.current, enabled: data.enabled, version: data.version };
      $("connection-enabled").checked = data.enabled;
    }
    await this.refresh();
    say($("connections-status"), "ok", `${name} ${data.enabled ? "enabled" : "disabled"} (version ${data.version}).`);
  }

  close() {
    this.stopDelivery();
    this.current = null;
    this.editor.useStored(null);
    $("connection").hidden = true;
    this.editor.lockDestination(false);
  }

  stopDelivery() {
    this.delivery?.stop();
    this.delivery = null;
    $("delivery").hidden = true;
  }
}
