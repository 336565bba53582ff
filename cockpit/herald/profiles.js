// SPDX-License-Identifier: LGPL-2.1-or-later
// profiles.js: the Profiles tab — list, add and edit with the fields the
// gateway declares (GetProfileKeys), write-only secrets, delete with a
// confirmation, Test with one-click trust of a refused certificate, and
// OAuth 2.0 sign-in (signin.js).

import {
    api, el, clear, button, dialog, formGroup, textInput, selectInput, table,
    showError, showSuccess, errorText, variant, formatTime,
} from "./common.js";
import { signIn, usesOAuth } from "./signin.js";

const _ = cockpit.gettext;

function target(profile) {
    if (profile["maildir-path"])
        return profile["maildir-path"];
    if (profile.host)
        return profile.port ? `${profile.host}:${profile.port}` : profile.host;
    if (profile["fax-host"])
        return profile["fax-host"];
    return profile["fax-api-url"] || "";
}

// The gateway's word on the profile: sign-in required, else how its last
// Test went (kept by the gateway, so it survives a reload of the page).
function profileState(profile) {
    if (profile.state === "sign-in-required")
        return el("span", { class: "herald-state", dataset: { state: "failed", profileState: "sign-in-required" } },
                  _("sign-in required"));
    const test = profile["last-test"];
    if (!test)
        return el("span", { dataset: { profileState: "not-tested" } }, _("not tested"));
    const verdict = test.ok ? "passed" : "failed";
    return el("div", { class: "herald-last-test", dataset: { lastTest: verdict } },
              el("span", { class: "herald-state", dataset: { state: test.ok ? "sent" : "failed" } },
                 test.ok ? _("last test passed") : _("last test failed")),
              el("div", { class: "herald-field-help" },
                 formatTime(test.time),
                 test["tls-failure"] ? " · " + _("certificate refused") : "",
                 test.summary ? el("div", { class: "herald-last-test-summary" }, test.summary) : null));
}

// One form control per declared key; secrets are write-only.
function fieldFor(spec, profile) {
    const current = profile ? profile[spec.key] : undefined;
    const attributes = { name: spec.key, dataset: { key: spec.key, type: spec.type } };
    if (spec.secret) {
        const set = profile && profile[spec.key + "-set"];
        return el("input", {
            class: "pf-c-form-control", type: "password", autocomplete: "new-password", ...attributes,
            placeholder: set ? _("set — type to replace") : _("not set"),
        });
    }
    if (spec.type === "boolean") {
        const value = current !== undefined ? current : spec.default === "true";
        return selectInput([["true", _("yes")], ["false", _("no")]], value ? "true" : "false", attributes);
    }
    if (spec.type === "enum") {
        const options = (spec.values || []).map(v => [v, v]);
        if (!spec.default)
            options.unshift(["", _("(not set)")]);
        return selectInput(options, current !== undefined ? String(current) : (spec.default || ""), attributes);
    }
    let value = current;
    if (Array.isArray(value))
        value = value.join(", ");
    const input = textInput({ ...attributes, value: value !== undefined ? String(value) : "" });
    if (spec.default)
        input.placeholder = spec.default;
    if (spec.type === "uint") {
        input.type = "number";
        input.min = String(spec.min);
        input.max = String(spec.max);
    }
    return input;
}

function settingValue(spec, text) {
    if (spec.type === "boolean")
        return variant("b", text === "true");
    if (spec.type === "uint")
        return variant("t", Number(text));
    if (spec.type === "pins" || spec.type === "string-list")
        return variant("as", text.split(/[\s,]+/).filter(Boolean));
    return variant("s", text);
}

export class ProfilesTab {
    constructor(panel) {
        this.panel = panel;
    }

    async show() {
        const profiles = await api.listProfiles();
        clear(this.panel).append(
            el("div", { class: "herald-toolbar" },
               button(_("Add profile"), () => this.edit(null), "primary", { id: "add-profile" })),
            table([_("Name"), _("Transport"), _("Server or target"), _("State"), ""],
                  profiles.map(profile => el("tr", { dataset: { profile: profile.name } },
                      el("td", { "data-label": _("Name") }, profile.name,
                         profile.default ? el("span", { class: "pf-c-label pf-m-compact" }, " ", _("default")) : null),
                      el("td", { "data-label": _("Transport") }, profile.transport),
                      el("td", { "data-label": _("Server or target") }, target(profile)),
                      el("td", { "data-label": _("State") }, profileState(profile)),
                      el("td", { class: "herald-actions" },
                         usesOAuth(profile)
                             ? button(_("Sign in"), () => signIn(profile.name, () => this.show().catch(showError)),
                                      profile.state === "sign-in-required" ? "primary" : "secondary",
                                      { dataset: { action: "sign-in" } })
                             : null,
                         button(_("Test"), () => this.test(profile.name), "secondary", { dataset: { action: "test" } }),
                         button(_("Edit"), () => this.edit(profile.name), "link", { dataset: { action: "edit" } }),
                         button(_("Delete"), () => this.remove(profile.name), "link pf-m-danger",
                                { dataset: { action: "delete" } })))),
                  { id: "profiles" }));
    }

    async edit(name) {
        const profile = name ? await api.getProfile(name) : null;
        const transports = await api.transports();
        const nameInput = textInput({ id: "profile-name", value: name || "", disabled: !!name });
        const transport = selectInput(transports.map(t => [t, t]), profile ? profile.transport : "smtp",
                                      { id: "profile-transport", disabled: !!name });
        const fields = el("div", { class: "pf-c-form", id: "profile-fields" });
        let specs = [];
        const build = async () => {
            specs = (await api.profileKeys(transport.value))
                .filter(spec => spec.key !== "transport");
            clear(fields).append(...specs.map(spec =>
                formGroup(spec.key, fieldFor(spec, profile), spec.description)));
        };
        transport.addEventListener("change", () => build().catch(showError));
        await build();
        const body = el("form", { class: "pf-c-form", onsubmit: e => e.preventDefault() },
                        formGroup(_("Name"), nameInput), formGroup(_("Transport"), transport), fields);
        const save = async () => {
            const settings = {};
            const secrets = [];
            for (const spec of specs) {
                const input = fields.querySelector(`[data-key="${spec.key}"]`);
                const text = input.value.trim();
                const before = profile ? profile[spec.key] : undefined;
                if (spec.secret) {
                    if (text)
                        secrets.push([spec.key, input.value]);
                    continue;
                }
                const beforeText = Array.isArray(before) ? before.join(", ") : (before === undefined ? "" : String(before));
                if (text === beforeText || (text === "" && !profile))
                    continue;
                if (text === "" && spec.type !== "enum")
                    continue;   // clearing a key is not offered: defaults apply when unset
                settings[spec.key] = settingValue(spec, text);
            }
            const target = nameInput.value.trim();
            if (!profile) {
                settings.transport = variant("s", transport.value);
                await api.addProfile(target, settings);
            } else if (Object.keys(settings).length > 0) {
                await api.updateProfile(target, settings);
            }
            for (const [key, value] of secrets)
                await api.setSecret(target, key, value);
            close();
            showSuccess(cockpit.format(_("Profile $0 saved."), target));
            await this.show();
        };
        const close = dialog(name ? cockpit.format(_("Edit profile $0"), name) : _("Add profile"), body, [
            button(_("Save"), save, "primary", { id: "profile-save" }),
            button(_("Cancel"), () => close(), "link"),
        ], "profile-dialog");
    }

    async remove(name) {
        const close = dialog(cockpit.format(_("Delete profile $0?"), name),
                             el("p", {}, _("Its settings and stored secrets are removed. Deliveries already queued for it fail.")), [
                                 button(_("Delete"), async () => {
                                     await api.removeProfile(name);
                                     close();
                                     showSuccess(cockpit.format(_("Profile $0 deleted."), name));
                                     await this.show();
                                 }, "danger", { id: "confirm-delete" }),
                                 button(_("Cancel"), () => close(), "link"),
                             ], "delete-dialog");
    }

    async test(name) {
        const recipient = textInput({ id: "test-recipient", type: "email", placeholder: "admin@example.org" });
        const result = el("div", { id: "test-result" });
        const run = async () => {
            clear(result).append(el("p", {}, _("Testing…")));
            let outcome;
            try {
                outcome = await api.testProfile(name, recipient.value.trim());
            } catch (ex) {
                clear(result).append(el("p", { class: "herald-state", dataset: { state: "failed" } }, errorText(ex)));
                return;
            }
            this.renderTest(name, outcome, result, run);
            this.show().catch(showError);
        };
        const close = dialog(cockpit.format(_("Test profile $0"), name),
                             el("div", {}, formGroup(_("Recipient"), recipient,
                                                     _("A real test message is sent to this address now.")), result), [
                                 button(_("Run test"), run, "primary", { id: "run-test" }),
                                 button(_("Close"), () => close(), "link", { id: "close-test" }),
                             ], "test-dialog");
    }

    renderTest(name, outcome, result, run) {
        clear(result);
        result.dataset.ok = outcome.ok ? "true" : "false";
        result.append(el("p", { class: "herald-state", id: "test-verdict", dataset: { state: outcome.ok ? "sent" : "failed" } },
                         outcome.ok ? _("The server accepted the test message.") : _("The test failed.")));
        if (outcome.error)
            result.append(el("p", { id: "test-error" }, outcome.error));
        if (outcome.reply)
            result.append(el("p", {}, _("Server reply:"), " ", el("code", { id: "test-reply" }, outcome.reply)));
        if (outcome.tls)
            result.append(el("p", {}, _("TLS:"), " ", outcome.tls));
        const certificate = outcome.certificate;
        if (certificate && certificate["sha256-fingerprint"]) {
            result.append(el("h3", { class: "pf-c-title pf-m-md" }, _("The server's certificate was refused")),
                          certificateDetails(certificate),
                          button(_("Trust this certificate"), async () => {
                              await api.trust(name, certificate["sha256-fingerprint"]);
                              showSuccess(_("The certificate is trusted for this profile. Test again to check."));
                              result.append(el("p", { id: "trusted-note" }, _("Trusted. Run the test again.")));
                          }, "warning", { id: "trust-certificate" }),
                          " ",
                          button(_("Test again"), run, "secondary", { id: "test-again" }));
        }
        if (outcome.transcript && outcome.transcript.length)
            result.append(el("details", { class: "herald-details" },
                             el("summary", {}, _("Transcript (secrets masked)")),
                             el("pre", { class: "herald-transcript", id: "test-transcript" },
                                outcome.transcript.join("\n"))));
    }
}

export function certificateDetails(certificate) {
    const rows = [
        [_("Subject"), certificate.subject],
        [_("Issuer"), certificate.issuer],
        [_("Valid from"), formatTime(certificate["not-before"])],
        [_("Valid until"), formatTime(certificate["not-after"])],
        [_("SHA-256 fingerprint"), certificate["sha256-fingerprint"]],
        [_("Public key pin"), certificate["spki-pin"]],
        [_("Server"), certificate.host ? `${certificate.host}:${certificate.port}` : ""],
        [_("Problems"), (certificate.errors || []).join(", ")],
    ];
    return el("dl", { class: "herald-certificate", dataset: { fingerprint: certificate["sha256-fingerprint"] } },
              rows.filter(([, value]) => value).flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
}
