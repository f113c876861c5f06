// Connecting a destination with OAuth 2.0 (docs/settings-ui.md): beside its token setting,
// a button ("Connect with Perkville") opens the provider's authorization page in a new
// window, and the page asks the server how the connection went until it is connected or
// failed. The setting then holds the connection reference ("oauth:<id>"): the server
// never answers a token, and the reference, like any secret, lives only in the form's
// memory, never shown. Connected: "Reconnect" authorizes the same connection again,
// "Disconnect" clears the setting. Pasting a token in the field stays possible.

import { h } from "./dom.js";

const PREFIX = "oauth:";
const POLL_MS = 500; // between two questions to the server while the user authorizes
const WINDOW = "popup,width=600,height=720";

/**
 * The Connect controls of `field` (the form's token setting: {element, control, get, set}),
 * placed under its input. `call(path, body?)` is the page's API call; `connectPath` the
 * destination's POST .../connect. Returns {refresh()}, to call when the form was set.
 */
export function connectControls({ oauth, field, call, connectPath }) {
  const connect = h("button", { type: "button" }, oauth.label);
  const state = h("span", { class: "oauth-state" }, "Connected");
  const reconnect = h("button", { type: "button", class: "link" }, "Reconnect");
  const disconnect = h("button", { type: "button", class: "link" }, "Disconnect");
  const hint = h("span", { class: "help" }, "or paste a token above");
  const message = h("p", { class: "message oauth-message", role: "status" });
  const element = h("div", { class: "oauth" }, h("div", { class: "oauth-line" }, connect, hint, state, reconnect, disconnect), message);

  const connected = () => String(field.get() ?? "").startsWith(PREFIX);
  const say = (kind, ...text) => {
    message.className = `message oauth-message ${kind}`;
    message.replaceChildren(...text);
  };
  const refresh = () => {
    const isConnected = connected();
    for (const part of [state, reconnect, disconnect]) part.hidden = !isConnected;
    for (const part of [connect, hint]) part.hidden = isConnected;
    field.element.classList.toggle("oauth-connected", isConnected);
  };
  const busy = (on) => {
    for (const button of [connect, reconnect, disconnect]) button.disabled = on;
  };
  const changed = () => field.element.dispatchEvent(new Event("change", { bubbles: true }));

  async function start(reuse) {
    // Opened now, while the click counts as the user's (a popup blocker allows it), and
    // cut off from this page before it goes to the provider.
    const popup = window.open("", "_blank", WINDOW);
    if (popup) popup.opener = null;
    busy(true);
    say("pending", `Waiting for the authorization in the other window…`);
    const { data } = await call(connectPath, reuse ? { connection: reuse } : {});
    if (data.error) {
      popup?.close();
      busy(false);
      say("fail", `Cannot connect: ${data.error.code}: ${data.error.message}`);
      return;
    }
    if (popup) popup.location.href = data.authorize_url;
    else {
      const link = h("a", { href: data.authorize_url, target: "_blank", rel: "noopener" }, "the authorization page");
      say("pending", "The browser blocked the new window: open ", link, " to authorize; this page waits for it.");
    }
    await follow(data.flow, popup);
    busy(false);
  }

  /** Asks how the flow went until it is over (or this form is gone). */
  async function follow(flow, popup) {
    const path = `/api/connect/${encodeURIComponent(flow)}`;
    for (;;) {
      const closed = popup !== null && popup.closed; // looked at first: a late answer still counts
      const { data } = await call(path);
      if (!element.isConnected) return;
      if (data.error) {
        say("fail", `Not connected: ${data.error.code}: ${data.error.message}`);
        return;
      }
      if (data.status === "connected") {
        field.set(data.connection);
        say("", "");
        changed();
        return;
      }
      if (data.status === "failed") {
        say("fail", `Not connected: ${data.code}: ${data.message}`);
        return;
      }
      if (closed) {
        say("fail", "Not connected: the authorization window was closed first.");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  connect.addEventListener("click", () => start(null));
  reconnect.addEventListener("click", () => start(field.get()));
  disconnect.addEventListener("click", () => {
    field.set(undefined);
    say("", "Disconnected.");
    changed();
  });
  field.element.addEventListener("input", refresh);
  field.element.addEventListener("change", refresh);
  field.control.after(element);
  refresh();
  return { refresh };
}
