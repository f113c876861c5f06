// The mapping of one action, field by field (docs/settings-ui.md). Each field of the
// action's schema is a row: its label, type and required mark, and its source: a path
// picked from the sample event's (or typed), a template, or a literal value of the field's
// type. A field whose mapping is more than that (@if, @first, …) is edited in the JSON view,
// which shows the whole mapping and stays in step with the rows. Beside each field, the
// value it resolves to in the sample event and its problem, as the server resolves them
// while you type (a late answer never overwrites a newer one). "Reset" returns a field to
// its default mapping. The mapping the editor gives holds only its overrides: the fields
// whose mapping differs from their default.

import { combobox } from "./combo.js";
import { debounce, h, uid } from "./dom.js";

const KINDS = {
  path: "Path",
  template: "Template",
  literal: "Value",
  mapping: "Mapping (JSON view)",
  none: "Not mapped",
};
const MAX_PATHS = 1000; // the picker lists at most this many of the sample event's paths

/**
 * Mounts the editor of `action` (an action of /api/destinations/<slug>: {slug, title,
 * schema, mapping (its default mapping)}) in `container`, showing `mapping` (overrides).
 * `sample()`: the sample event (an object; null when there is none);
 * `resolve(mapping, event)`: a promise of the server's answer for the whole mapping,
 * {fields: {name: {value, problem}}} or {error: {code, message, problems?}};
 * `onChange(overrides)`: called after each change made in the editor.
 * Returns {value() -> {mapping: overrides} or {error}, setMapping(overrides) (no onChange),
 * refresh() (the sample changed: resolve again)}.
 */
export function mountMappingEditor(container, { action, mapping = {}, sample, resolve, onChange = () => {} }) {
  const defaults = action.mapping ?? {};
  const properties = action.schema?.properties ?? {};
  const required = new Set(action.schema?.required ?? []);
  const order = (action.schema?.["x-order"] ?? Object.keys(properties)).filter((name) => name in properties);
  let current = merged(defaults, mapping);
  let generation = 0; // bumped on each change, so a late answer never overwrites a newer one

  const readSample = () => {
    try {
      const event = sample();
      return isObject(event) ? event : null;
    } catch {
      return null;
    }
  };
  const paths = async () => {
    const event = readSample();
    if (event === null) {
      return { ok: false, code: "NO_SAMPLE_EVENT", message: "the Event tester below holds no event (a JSON object)" };
    }
    return { ok: true, choices: eventPaths(event).map((path) => ({ value: path, label: path })) };
  };

  const status = h("p", { class: "mapping-status", role: "status" });
  const json = jsonView(action.title, (parsed) => {
    current = merged(defaults, parsed);
    rows.forEach((row) => row.show(current[row.name]));
    changed();
  });
  const rows = order.map((name) =>
    fieldRow({
      name,
      property: properties[name],
      required: required.has(name),
      fallback: defaults[name],
      paths,
      openJson: json.open,
      edit: (value) => {
        if (value === undefined) delete current[name];
        else current[name] = value;
        json.show(current);
        changed();
      },
    }),
  );

  const overrides = () =>
    Object.fromEntries(Object.entries(current).filter(([name, value]) => canonical(value) !== canonical(defaults[name])));
  const value = () => {
    const error = [...rows.map((row) => row.error()), json.error()].find(Boolean);
    return error ? { error } : { mapping: overrides() };
  };
  const resolveNow = async () => {
    const mine = ++generation;
    const event = readSample();
    if (event === null) {
      rows.forEach((row) => row.showResolved(undefined));
      status.textContent = "No sample event: write or choose one in the Event tester to see the values.";
      return;
    }
    let answer;
    try {
      answer = await resolve(current, event);
    } catch (error) {
      answer = { error: { code: "UNREACHABLE", message: error.message } };
    }
    if (mine !== generation) return;
    showAnswer(answer, rows, status);
  };
  const resolveSoon = debounce(resolveNow);
  const refresh = () => {
    generation += 1;
    resolveSoon();
  };
  const mark = () => rows.forEach((row) => row.mark(canonical(current[row.name]) === canonical(defaults[row.name])));
  function changed() {
    mark();
    refresh();
    const { mapping: changes } = value();
    if (changes !== undefined) onChange(changes);
  }
  const setMapping = (overridden) => {
    current = merged(defaults, overridden);
    rows.forEach((row) => row.show(current[row.name]));
    mark();
    json.show(current);
    refresh();
  };

  container.replaceChildren(
    h(
      "div",
      { class: "mapping-editor", "data-action": action.slug },
      h("div", { class: "mapping-fields" }, ...rows.map((row) => row.element)),
      status,
      json.element,
    ),
  );
  setMapping(mapping);
  return { value, setMapping, refresh };
}

/** `overrides` over `defaults`, fields equal to their default or not. */
function merged(defaults, overrides) {
  return structuredClone({ ...defaults, ...(isObject(overrides) ? overrides : {}) });
}

// One field ----------------------------------------------------------------------------

/**
 * A field's row. `fallback`: its default mapping (undefined: none); `edit(mapping)`: the
 * user changed its mapping (undefined: not mapped). Returns {name, element, show(mapping),
 * mark(atDefault), showResolved(entry), error()}.
 */
function fieldRow({ name, property, required, fallback, paths, openJson, edit }) {
  const title = property.title ?? name;
  const labelId = uid("mapping-label");
  const type = fieldType(property);
  const kind = h("select", { "aria-label": `${title} source` });
  const slot = h("div", { class: "mapping-control" });
  const reset = h("button", { type: "button", class: "link", title: `Reset ${title} to its default mapping` }, "Reset");
  const state = h("span", { class: "mapping-state" });
  const output = h("output", { class: "mapping-value", "aria-label": `${title} resolves to` });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const rowError = h("p", { class: "error", role: "alert", hidden: true });
  const element = h(
    "div",
    { class: "mapping-field", role: "group", "aria-labelledby": labelId, "data-field": name },
    h(
      "div",
      { class: "label-line mapping-head" },
      h("span", { class: "label", id: labelId }, title),
      required ? h("span", { class: "required", title: "required", "aria-hidden": "true" }, "*") : null,
      h("span", { class: "mapping-type" }, type.text),
      state,
    ),
    property.description ? h("p", { class: "help" }, property.description) : null,
    h("div", { class: "mapping-source" }, kind, slot, reset, rowError),
    h("div", { class: "mapping-result" }, h("span", { class: "mapping-arrow", "aria-hidden": "true" }, "→"), output, problem),
  );
  let control; // {element, read() -> {mapping} or {error}, text (what a path or template holds)}
  let invalid = null; // what the control holds when it is not a mapping (a literal that is not JSON)

  const build = (chosen, value) => {
    const options = Object.keys(KINDS).filter(
      (option) => (option !== "mapping" || chosen === "mapping") && (option !== "none" || fallback === undefined),
    );
    kind.replaceChildren(...options.map((option) => h("option", { value: option }, KINDS[option])));
    kind.value = chosen;
    control = sourceControl(chosen, value, { title, type, paths, openJson, input: changed });
    slot.replaceChildren(control.element);
    showError(null);
  };
  const showError = (error) => {
    invalid = error;
    rowError.textContent = error ?? "";
    rowError.hidden = error === null;
  };
  function changed() {
    const read = control.read();
    showError(read.error ?? null);
    if (read.error === undefined) edit(read.mapping);
  }
  kind.addEventListener("change", () => {
    build(kind.value, seed(kind.value, control.text, type));
    changed();
  });
  reset.addEventListener("click", () => {
    build(kindOf(fallback, type), fallback);
    edit(structuredClone(fallback));
  });
  return {
    name,
    element,
    show: (value) => build(kindOf(value, type), value),
    mark: (atDefault) => {
      reset.disabled = atDefault;
      state.textContent = atDefault ? "default" : "changed";
      state.className = `mapping-state ${atDefault ? "" : "changed"}`;
    },
    showResolved: (entry) => {
      const known = entry !== undefined;
      output.textContent = !known ? "" : entry.value === null || entry.value === undefined ? "no value" : JSON.stringify(entry.value);
      output.classList.toggle("absent", known && (entry.value === null || entry.value === undefined));
      problem.textContent = entry?.problem ?? "";
      problem.hidden = !entry?.problem;
      element.classList.toggle("invalid", Boolean(entry?.problem));
    },
    error: () => (invalid === null ? null : `${title}: ${invalid}`),
  };
}

/** The kind of source a field's mapping is, as its row edits it. */
function kindOf(mapping, type) {
  if (mapping === undefined) return "none";
  if (isObject(mapping)) {
    const keys = Object.keys(mapping);
    if (keys.length === 1 && keys[0] === "@path" && typeof mapping["@path"] === "string") return "path";
    if (keys.length === 1 && keys[0] === "@template" && typeof mapping["@template"] === "string") return "template";
    if (keys.length === 1 && keys[0] === "@literal" && fitsLiteral(mapping["@literal"], type.literal)) return "literal";
    return "mapping";
  }
  return fitsLiteral(mapping, type.literal) && !Array.isArray(mapping) ? "literal" : "mapping";
}

function fitsLiteral(value, literal) {
  if (literal === "json") return value !== null && typeof value === "object";
  return typeof value === literal;
}

/** A new source's first value: a path becomes a template with one placeholder and back. */
function seed(chosen, text, type) {
  const path = /^\{\{\{?\s*([^{}]+?)\s*\}?\}\}$/.exec(text ?? "");
  if (chosen === "path") return { "@path": path ? `$.${path[1].replace(/^\$\.?/, "")}` : (text ?? "") };
  if (chosen === "template") return { "@template": text && !path ? `{{${text.replace(/^\$\.?/, "")}}}` : (text ?? "") };
  if (chosen === "literal") return { boolean: false, number: 0, string: "", json: { "@literal": {} } }[type.literal];
  return undefined;
}

/** The control of one kind of source, holding `value` (the field's mapping). */
function sourceControl(kind, value, { title, type, paths, openJson, input }) {
  if (kind === "path") {
    const combo = combobox({
      attributes: { "aria-label": `${title} path`, placeholder: "$.properties.email", spellcheck: "false" },
      label: title,
      choices: paths,
    });
    combo.show(value["@path"]);
    combo.input.addEventListener("input", input);
    combo.input.addEventListener("change", input);
    const read = () => {
      const path = combo.input.value.trim();
      return path === "" ? { error: "choose or type a path" } : { mapping: { "@path": path } };
    };
    return { element: combo.element, text: value["@path"], read };
  }
  if (kind === "template") {
    const field = h("input", {
      type: "text",
      "aria-label": `${title} template`,
      placeholder: "{{properties.email}}",
      spellcheck: "false",
      oninput: input,
    });
    field.value = value["@template"];
    return { element: field, text: value["@template"], read: () => ({ mapping: { "@template": field.value } }) };
  }
  if (kind === "literal") return literalControl(isObject(value) ? value["@literal"] : value, { title, type, input });
  if (kind === "mapping") {
    const open = h("button", { type: "button", class: "link", onclick: openJson }, "Edit in the JSON view");
    return {
      element: h("div", { class: "mapping-custom" }, h("code", { title: JSON.stringify(value) }, summary(value)), " ", open),
      read: () => ({ mapping: value }),
    };
  }
  return { element: h("span", { class: "help" }, "Not mapped: the field is left out."), read: () => ({ mapping: undefined }) };
}

/** A mapping in brief: its directive and the paths it reads (`@first of $.email, $.traits.email`). */
function summary(mapping) {
  const read = new Set();
  const walk = (value) => {
    if (isObject(value) && typeof value["@path"] === "string") read.add(value["@path"]);
    if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(mapping);
  const head = isObject(mapping) && Object.keys(mapping).length === 1 ? Object.keys(mapping)[0] : "a mapping";
  return read.size > 0 ? `${head} of ${[...read].join(", ")}` : head;
}

/** A literal value typed as the field's type: a box, a number, a text, or JSON. */
function literalControl(value, { title, type, input }) {
  const label = `${title} value`;
  if (type.literal === "boolean") {
    const box = h("input", { type: "checkbox", "aria-label": label, onchange: input });
    box.checked = value;
    return { element: h("label", { class: "mapping-box" }, box, " true"), read: () => ({ mapping: box.checked }) };
  }
  if (type.literal === "json") {
    const area = h("textarea", { rows: 3, spellcheck: "false", "aria-label": label, oninput: input });
    area.value = JSON.stringify(value, null, 2);
    return { element: area, read: () => parseLiteral(area.value) };
  }
  const numeric = type.literal === "number";
  const field = h("input", { type: "text", "aria-label": label, inputmode: numeric ? "decimal" : null, oninput: input });
  field.value = String(value);
  const read = () => {
    if (!numeric) return { mapping: field.value };
    const number = Number(field.value);
    return field.value.trim() !== "" && Number.isFinite(number) ? { mapping: number } : { error: "not a number" };
  };
  return { element: field, read };
}

function parseLiteral(text) {
  try {
    return { mapping: { "@literal": JSON.parse(text) } };
  } catch (error) {
    return { error: `not valid JSON: ${error.message}` };
  }
}

/** {text (shown), literal (the editor of its values: boolean, number, string or json)}. */
function fieldType(property) {
  const inner = Array.isArray(property.anyOf) ? (property.anyOf.find((option) => option.type !== "null") ?? {}) : property;
  const type = [inner.type].flat().find((name) => name !== "null") ?? "any";
  const items = type === "array" && inner.items?.type ? ` of ${inner.items.type}` : "";
  const format = inner.format ? ` (${inner.format})` : "";
  const literal = { boolean: "boolean", number: "number", integer: "number", string: "string" }[type] ?? "json";
  return { text: `${type}${items}${format}`, literal };
}

// The answer ---------------------------------------------------------------------------

/** Each field's resolved value and problem; problems of no field, and errors, under the rows. */
function showAnswer(answer, rows, status) {
  if (answer?.fields) {
    rows.forEach((row) => row.showResolved(answer.fields[row.name] ?? { value: null, problem: null }));
    status.textContent = "";
    return;
  }
  const error = answer?.error ?? { code: "BAD_RESPONSE", message: "the server's answer holds no fields" };
  const problems = error.problems ?? [];
  const left = problems.filter((p) => !rows.some((row) => fieldOf(p.location) === row.name));
  rows.forEach((row) => {
    const mine = problems.filter((p) => fieldOf(p.location) === row.name);
    const text = mine.map((p) => `${p.location}: ${p.message}`).join("; ");
    row.showResolved(mine.length > 0 ? { value: null, problem: text } : undefined);
  });
  const rest = left.map((p) => `${p.location || "/"}: ${p.message}`).join("; ");
  status.textContent = `Could not resolve the mapping: ${error.code}: ${rest || error.message}`;
}

/** The field a problem's JSON pointer (`/email/@path`) is about. */
function fieldOf(location) {
  return (location ?? "").split("/")[1]?.replaceAll("~1", "/").replaceAll("~0", "~");
}

// The JSON view ------------------------------------------------------------------------

/**
 * The whole mapping as JSON, behind a "JSON" toggle; `edited(object)` when what is typed
 * is a JSON object. Returns {element, show(mapping), open(), error()}.
 */
function jsonView(title, edited) {
  const id = uid("mapping-json");
  const toggle = h("button", { type: "button", class: "link", "aria-pressed": "false", "aria-controls": `${id}-view` }, "JSON");
  const area = h("textarea", { id, rows: 12, spellcheck: "false", "aria-describedby": `${id}-help ${id}-error` });
  const problem = h("p", { class: "error", id: `${id}-error`, role: "alert", hidden: true });
  const view = h(
    "div",
    { class: "mapping-json", id: `${id}-view`, hidden: true },
    h("label", { for: id }, `${title} mapping (JSON)`),
    h(
      "p",
      { class: "help", id: `${id}-help` },
      "The whole mapping, in the mapping language (@if, @arrayPath, …). A field left out keeps its default.",
    ),
    area,
    problem,
  );
  let invalid = null;
  const showError = (error) => {
    invalid = error;
    problem.textContent = error ?? "";
    problem.hidden = error === null;
    area.toggleAttribute("aria-invalid", error !== null);
  };
  const setOpen = (open) => {
    view.hidden = !open;
    toggle.setAttribute("aria-pressed", String(open));
  };
  toggle.addEventListener("click", () => setOpen(view.hidden));
  area.addEventListener("input", () => {
    let parsed;
    try {
      parsed = JSON.parse(area.value);
    } catch (error) {
      showError(`not valid JSON: ${error.message}`);
      return;
    }
    if (!isObject(parsed)) {
      showError("must be a JSON object of fields");
      return;
    }
    showError(null);
    edited(parsed);
  });
  return {
    element: h("div", { class: "mapping-json-toggle" }, h("div", { class: "buttons" }, toggle), view),
    show: (mapping) => {
      area.value = JSON.stringify(mapping, null, 2);
      showError(null);
    },
    open: () => {
      setOpen(true);
      area.focus();
    },
    error: () => (invalid === null ? null : `The JSON view: ${invalid}`),
  };
}

// The sample event's paths -------------------------------------------------------------

/** Every path of `event` (objects and arrays too, before what they hold), as `$.a.b[0]`. */
function eventPaths(event) {
  const found = [];
  const walk = (value, path) => {
    if (found.length >= MAX_PATHS) return;
    if (path !== "$") found.push(path);
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
    else if (isObject(value)) Object.entries(value).forEach(([key, item]) => walk(item, `${path}${step(key)}`));
  };
  walk(event, "$");
  return found;
}

/** One key of a path: `.key`, or `["key"]` when it is not a plain name. */
function step(key) {
  return /^[A-Za-z_$@][\w$@-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

// Values -------------------------------------------------------------------------------

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** JSON text with the keys of every object sorted: equal mappings give equal text. */
function canonical(value) {
  if (value === undefined) return undefined;
  return JSON.stringify(value, (_, item) =>
    isObject(item) ? Object.fromEntries(Object.keys(item).sort().map((key) => [key, item[key]])) : item,
  );
}
