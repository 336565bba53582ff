// SPDX-License-Identifier: LGPL-2.1-or-later
// certificates.js: the trust manager — refused (untrusted) and trusted
// server certificates per profile, with trust and untrust.

import { api, el, clear, button, table, showSuccess, formatTime } from "./common.js";
import { certificateDetails } from "./profiles.js";

const _ = cockpit.gettext;

export class CertificatesTab {
    constructor(panel) {
        this.panel = panel;
    }

    async show() {
        const [untrusted, trusted] = await Promise.all([api.listUntrusted(), api.listTrusted("")]);
        clear(this.panel).append(
            el("h2", { class: "pf-c-title pf-m-lg" }, _("Refused certificates")),
            untrusted.length === 0
                ? el("p", { id: "no-untrusted" }, _("No server certificate was refused."))
                : table([_("Profile"), _("Certificate"), _("Last seen"), ""],
                        untrusted.map(c => el("tr", { dataset: { profile: c.profile, fingerprint: c["sha256-fingerprint"] } },
                            el("td", {}, c.profile), el("td", {}, certificateDetails(c)),
                            el("td", {}, formatTime(c["last-seen"])),
                            el("td", {}, button(_("Trust"), async () => {
                                await api.trust(c.profile, c["sha256-fingerprint"]);
                                showSuccess(cockpit.format(_("Trusted for $0."), c.profile));
                                await this.show();
                            }, "warning", { dataset: { action: "trust" } })))),
                        { id: "untrusted" }),
            el("h2", { class: "pf-c-title pf-m-lg" }, _("Trusted keys")),
            trusted.length === 0
                ? el("p", { id: "no-trusted" }, _("No key is pinned."))
                : table([_("Profile"), _("Public key pin"), _("Certificate"), _("Trusted"), ""],
                        trusted.map(c => el("tr", { dataset: { profile: c.profile, pin: c["spki-pin"] } },
                            el("td", {}, c.profile), el("td", {}, el("code", {}, c["spki-pin"])),
                            el("td", {}, c.subject ? certificateDetails(c) : ""),
                            el("td", {}, formatTime(c["trusted-at"])),
                            el("td", {}, button(_("Untrust"), async () => {
                                await api.untrust(c.profile, c["sha256-fingerprint"] || c["spki-pin"]);
                                showSuccess(cockpit.format(_("No longer trusted for $0."), c.profile));
                                await this.show();
                            }, "secondary", { dataset: { action: "untrust" } })))),
                        { id: "trusted" }));
    }
}
