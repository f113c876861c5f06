// A searchable dropdown over choices listed on demand (the form's fields with dynamic
// choices, docs/settings-ui.md): a text input that takes free text (ARIA combobox), over a
// listbox of the choices, labels first and values beside them, filtered by what is typed
// (label or value). The choices are asked for on focus and with "Refresh"; the chosen
// value's label shows under the input, and so does the reason when they cannot be listed.
// Mouse: click a choice; keyboard: arrows, Enter, Escape.

import { h, uid } from "./dom.js";

/**
 * `attributes`: the input's (id or aria-label, aria-describedby, bounds, placeholder);
 * `label`: the field's; `choices()`: a promise of {ok: true, choices: [{value, label}]} or
 * {ok: false, code, message}. Returns {element, input, show(value)}.
 */
export function combobox({ attributes, label, choices: listChoices }) {
  const listId = uid("choices");
  const statusId = `${listId}-status`;
  const input = h("input", {
    ...attributes,
    "aria-describedby": [attributes["aria-describedby"], statusId].filter(Boolean).join(" "),
    type: "text",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    autocomplete: "off",
    spellcheck: "false",
  });
  const list = h("ul", { id: listId, role: "listbox", class: "choices", "aria-label": "Choices", hidden: true });
  const refresh = h("button", { type: "button", class: "link", title: `List the choices of ${label} again` }, "Refresh");
  const chosen = h("span", { class: "chosen" });
  const status = h("span", { class: "choices-status", id: statusId, role: "status" });
  let choices = [];
  let shown = [];
  let active = -1;
  let filtering = false; // typed since the list opened: show only the choices that match
  let loading = null; // the request under way

  const showChosen = () => {
    const match = choices.find((choice) => String(choice.value) === input.value);
    chosen.textContent = match && match.label !== String(match.value) ? match.label : "";
  };
  const setActive = (index) => {
    active = index;
    shown.forEach((item, position) => item.setAttribute("aria-selected", String(position === index)));
    if (index < 0) input.removeAttribute("aria-activedescendant");
    else {
      input.setAttribute("aria-activedescendant", shown[index].id);
      shown[index].scrollIntoView({ block: "nearest" });
    }
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  };
  const choose = (value) => {
    input.value = value;
    filtering = false;
    close();
    showChosen();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const render = () => {
    const typed = filtering ? input.value.trim().toLowerCase() : "";
    const matches = choices.filter(
      (choice) => String(choice.label).toLowerCase().includes(typed) || String(choice.value).toLowerCase().includes(typed),
    );
    shown = matches.map((choice) => {
      const value = String(choice.value);
      const item = h(
        "li",
        { role: "option", id: uid("choice"), "aria-selected": "false", "data-value": value },
        h("span", { class: "choice-label" }, choice.label),
        ...(choice.label === value ? [] : [" ", h("span", { class: "choice-value" }, value)]),
      );
      item.addEventListener("click", () => choose(value));
      return item;
    });
    list.replaceChildren(...shown);
    const open = document.activeElement === input && shown.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    setActive(-1);
  };
  const say = (kind, text) => {
    status.className = `choices-status ${kind}`;
    status.textContent = text;
  };
  const load = async () => {
    const mine = listChoices();
    loading = mine;
    say("pending", "Listing the choices…");
    const answer = await mine;
    if (loading !== mine) return; // a later request replaced this one
    loading = null;
    if (answer.ok) {
      choices = answer.choices;
      say("", choices.length === 0 ? "No choices to list." : "");
    } else {
      choices = [];
      const waiting = answer.code === "SETTING_NEEDED"; // not wrong: another setting comes first
      say(waiting ? "pending" : "fail", `Could not list the choices: ${answer.code}: ${answer.message}`);
    }
    showChosen();
    render();
  };

  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  input.addEventListener("focus", () => {
    filtering = false;
    render();
    if (loading === null) load();
  });
  input.addEventListener("blur", close);
  input.addEventListener("input", () => {
    filtering = true;
    showChosen();
    render();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) render();
      if (shown.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(shown[active].dataset.value);
    } else if (event.key === "Escape") {
      close();
    }
  });
  refresh.addEventListener("click", () => {
    load();
    input.focus();
  });
  return {
    element: h(
      "div",
      { class: "combo" },
      h("div", { class: "combo-line" }, h("div", { class: "combo-box" }, input, list), refresh),
      h("div", { class: "combo-notes" }, chosen, status),
    ),
    input,
    show: (value) => {
      input.value = value;
      showChosen();
    },
  };
}
