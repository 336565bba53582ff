// SPDX-License-Identifier: LGPL-2.1-or-later
// common.js: the D-Bus client, error texts, and small DOM helpers shared by
// the tabs of Herald's Cockpit page.

const _ = cockpit.gettext;

const NAME = "org.herald.Gateway1";
const PATH = "/org/herald/Gateway1";
const IFACE = "org.herald.Gateway1";
const ERROR_PREFIX = "org.herald.Gateway1.Error.";

const client = cockpit.dbus(NAME, { bus: "system", superuser: "try" });

// Values of a{sv} arrive as {t, v}; the page works with plain values.
export function plain(value) {
    if (value === null || typeof value !== "object")
        return value;
    if (Array.isArray(value))
        return value.map(plain);
    if ("t" in value && "v" in value && Object.keys(value).length === 2)
        return plain(value.v);
    const out = {};
    for (const [key, inner] of Object.entries(value))
        out[key] = plain(inner);
    return out;
}

export function variant(type, value) {
    return { t: type, v: value };
}

async function call(method, signature, args, options = {}) {
    const reply = await client.call(PATH, IFACE, method, args, { type: signature, ...options });
    return plain(reply);
}

// A sign-in returns when the person has approved it or it ended: the
// provider gives about 15 minutes for a code, so wait longer than that
// (the bridge's default is 25 seconds).
const SIGN_IN_TIMEOUT_MS = 20 * 60 * 1000;

export const api = {
    async version() {
        const proxy = client.proxy(IFACE, PATH);
        await proxy.wait();
        if (!proxy.valid)
            throw new Error(_("The gateway did not answer."));
        return proxy.Version;
    },
    async transports() {
        const proxy = client.proxy(IFACE, PATH);
        await proxy.wait();
        return proxy.Transports || [];
    },
    listProfiles: () => call("ListProfiles", "", []).then(r => r[0]),
    getProfile: name => call("GetProfile", "s", [name]).then(r => r[0]),
    profileKeys: transport => call("GetProfileKeys", "s", [transport]).then(r => r[0]),
    addProfile: (name, settings) => call("AddProfile", "sa{sv}", [name, settings]),
    updateProfile: (name, settings) => call("UpdateProfile", "sa{sv}", [name, settings]),
    removeProfile: name => call("RemoveProfile", "s", [name]),
    setSecret: (profile, key, value) => call("SetSecret", "sss", [profile, key, value]),
    testProfile: (profile, recipient) => call("TestProfile", "ss", [profile, recipient]).then(r => r[0]),
    send: notification => call("Send", "a{sv}", [notification]).then(r => r[0]),
    getDelivery: id => call("GetDelivery", "s", [id]).then(r => r[0]),
    listDeliveries: filter => call("ListDeliveries", "a{sv}", [filter]).then(r => r[0]),
    cancel: id => call("Cancel", "s", [id]),
    retry: id => call("Retry", "s", [id]),
    getRoutes: () => call("GetRoutes", "", []).then(r => r[0]),
    setRoutes: json => call("SetRoutes", "s", [json]),
    checkRoute: notification => call("CheckRoute", "a{sv}", [notification]).then(r => r[0]),
    listUntrusted: () => call("ListUntrustedCertificates", "", []).then(r => r[0]),
    listTrusted: profile => call("ListTrustedCertificates", "s", [profile]).then(r => r[0]),
    trust: (profile, fingerprint) => call("TrustCertificate", "ss", [profile, fingerprint]),
    untrust: (profile, fingerprint) => call("UntrustCertificate", "ss", [profile, fingerprint]),
    signIn: (profile, flow) => call("SignIn", "sa{sv}", [profile, { flow: variant("s", flow) }],
                                    { timeout: SIGN_IN_TIMEOUT_MS }).then(r => r[0]),
    cancelSignIn: profile => call("CancelSignIn", "s", [profile]),
    // SignInProgress is sent to the caller of SignIn alone (a unicast
    // signal to this page's bridge connection); the bridge hands it to this
    // subscription like any signal from the gateway.
    onSignInProgress(handler) {
        return client.subscribe({ interface: IFACE, member: "SignInProgress", path: PATH },
                                (path, iface, signal, args) => handler(args[0], args[1], plain(args[2])));
    },
    // DeliveriesChanged carries a window's changes, [id, state, details]
    // each, in order (it replaced DeliveryChanged, one signal per change, in
    // Herald 0.1.0); the handler sees them one by one, as before.
    onDeliveryChanged(handler) {
        client.subscribe({ interface: IFACE, member: "DeliveriesChanged", path: PATH },
                         (path, iface, signal, args) => {
                             for (const [id, state] of args[0])
                                 handler(id, state);
                         });
    },
};

// What each of Herald's D-Bus errors means, in the user's language; the
// daemon's own message (in the daemon's language) follows it.
const ERROR_TEXTS = {
    NotAuthorized: () => _("You are not allowed to do this."),
    NoSuchProfile: () => _("There is no such profile."),
    ProfileExists: () => _("A profile of that name exists already."),
    InvalidSetting: () => _("A setting is not valid."),
    InvalidArgument: () => _("A value is not valid."),
    InvalidAddress: () => _("An address is not valid."),
    NoRecipients: () => _("The notification has no recipients."),
    NoSuchDelivery: () => _("There is no such delivery."),
    InvalidState: () => _("The delivery is not in a state that allows this."),
    TooLarge: () => _("The notification is too large."),
    TransportUnavailable: () => _("The profile's transport is not installed."),
    NotSupported: () => _("This is not supported."),
    QuotaExceeded: () => _("A quota is exceeded."),
    Failed: () => _("The gateway failed."),
    SignInFailed: () => _("The sign-in failed."),
};

export function errorText(ex) {
    const name = ex.name || "";
    const message = ex.message || String(ex);
    if (ex.problem === "not-found" || name === "org.freedesktop.DBus.Error.ServiceUnknown")
        return _("Herald is not running on the system bus.");
    if (!name.startsWith(ERROR_PREFIX))
        return message;
    const short = name.slice(ERROR_PREFIX.length);
    const text = ERROR_TEXTS[short] ? ERROR_TEXTS[short]() : _("The gateway refused this.");
    if (short === "NotAuthorized") {
        const action = /org\.herald\.gateway\.[a-z-]+/.exec(message);
        if (action)
            return text + " " + cockpit.format(_("It needs the polkit action $0."), action[0]) +
                   " (" + message + ")";
    }
    return text + " (" + message + ")";
}

export function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
        if (value === undefined || value === null || value === false)
            continue;
        if (key.startsWith("on"))
            node.addEventListener(key.slice(2), value);
        else if (key === "dataset")
            Object.assign(node.dataset, value);
        else if (key === "class")
            node.className = value;
        else if (key === "value")
            node.value = value;
        else
            node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false)
            continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}

export function clear(node) {
    while (node.firstChild)
        node.firstChild.remove();
    return node;
}

// An open dialog shows its own alerts; the page's alerts are behind it.
function alertBox() {
    const body = document.querySelector("#dialogs .pf-c-modal-box__body");
    if (!body)
        return document.getElementById("alerts");
    let box = body.querySelector(".pf-c-alert-group");
    if (!box) {
        box = el("ul", { class: "pf-c-alert-group" });
        body.prepend(box);
    }
    return box;
}

function alert(kind, title, text) {
    const box = alertBox();
    const item = el("li", { class: "pf-c-alert-group__item" },
                    el("div", { class: `pf-c-alert pf-m-${kind} pf-m-inline`, dataset: { kind } },
                       el("p", { class: "pf-c-alert__title" }, title),
                       text ? el("div", { class: "pf-c-alert__description" }, text) : null,
                       el("div", { class: "pf-c-alert__action" },
                          el("button", { class: "pf-c-button pf-m-plain", "aria-label": _("Close"),
                                         onclick: () => item.remove() }, "×"))));
    box.append(item);
    return item;
}

export function showError(ex) {
    console.warn(ex);
    alert("danger", _("Error"), errorText(ex));
}

export function showSuccess(text) {
    const item = alert("success", text);
    window.setTimeout(() => item.remove(), 8000);
}

export function button(label, onclick, kind = "secondary", attributes = {}) {
    return el("button", { class: `pf-c-button pf-m-${kind}`, type: "button", ...attributes,
                          onclick: event => {
                              event.preventDefault();
                              Promise.resolve(onclick(event)).catch(showError);
                          } }, label);
}

// A PatternFly modal with BODY and ACTIONS (buttons); returns close().
export function dialog(title, body, actions, id) {
    const host = document.getElementById("dialogs");
    const backdrop = el("div", { class: "pf-c-backdrop herald-dialog-backdrop", id },
                        el("div", { class: "pf-l-bullseye" },
                           el("div", { class: "pf-c-modal-box pf-m-md", role: "dialog", "aria-modal": "true" },
                              el("header", { class: "pf-c-modal-box__header" },
                                 el("h1", { class: "pf-c-modal-box__title" }, title)),
                              el("div", { class: "pf-c-modal-box__body" }, body),
                              el("footer", { class: "pf-c-modal-box__footer" }, actions))));
    host.append(backdrop);
    return () => backdrop.remove();
}

export function formGroup(label, input, help) {
    const id = input.id || ("f-" + Math.random().toString(36).slice(2));
    input.id = id;
    return el("div", { class: "pf-c-form__group" },
              el("div", { class: "pf-c-form__group-label" },
                 el("label", { class: "pf-c-form__label", for: id },
                    el("span", { class: "pf-c-form__label-text" }, label))),
              el("div", { class: "pf-c-form__group-control" }, input,
                 help ? el("p", { class: "pf-c-form__helper-text herald-field-help" }, help) : null));
}

export function textInput(attributes) {
    return el("input", { class: "pf-c-form-control", type: "text", ...attributes });
}

export function selectInput(values, current, attributes = {}) {
    return el("select", { class: "pf-c-form-control", ...attributes },
              values.map(([value, label]) => el("option", { value, selected: value === current }, label)));
}

export function table(columns, rows, attributes = {}) {
    return el("table", { class: "pf-c-table pf-m-compact pf-m-grid-md", role: "grid", ...attributes },
              el("thead", {}, el("tr", {}, columns.map(c => el("th", { scope: "col" }, c)))),
              el("tbody", {}, rows));
}

export function formatTime(microseconds) {
    if (!microseconds)
        return "";
    return new Date(microseconds / 1000).toLocaleString();
}

export const STATES = ["queued", "sending", "submitted", "deferred", "sent", "partial", "failed", "cancelled"];

export function stateLabel(state) {
    const labels = {
        queued: _("queued"), sending: _("sending"), submitted: _("submitted"),
        deferred: _("deferred"), sent: _("sent"), partial: _("partly sent"),
        failed: _("failed"), cancelled: _("cancelled"),
    };
    return el("span", { class: "herald-state", dataset: { state } }, labels[state] || state);
}
