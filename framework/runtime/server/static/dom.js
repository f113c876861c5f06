// Building DOM nodes without HTML strings: text is always set as text, never parsed, so
// nothing a destination, a settings file or an event contains can inject markup.

let counter = 0;

/** A fresh element id with the given prefix. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * An element: `h("label", {for: "x", class: "big"}, "text", child)`.
 * Attributes that are undefined, null or false are left out; `true` sets an empty one;
 * `on<event>` attributes add listeners.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((child) => child !== undefined && child !== null));
  return element;
}

/** Calls `action` once input has paused for `delay` ms (each call restarts the wait). */
export function debounce(action, delay = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...args), delay);
  };
}
