// SPDX-License-Identifier: LGPL-2.1-or-later
// routes.js: the Routes tab — the routing rules as JSON (GetRoutes and
// SetRoutes validate them), and "check route" for a sample notification.

import {
    api, el, clear, button, formGroup, textInput, selectInput, table, showSuccess, variant,
} from "./common.js";

const _ = cockpit.gettext;

export class RoutesTab {
    constructor(panel) {
        this.panel = panel;
    }

    async show() {
        const json = await api.getRoutes();
        let pretty = json;
        try {
            pretty = JSON.stringify(JSON.parse(json), null, 2);
        } catch (ex) {
            // shown as stored
        }
        const editor = el("textarea", { class: "pf-c-form-control herald-json", id: "routes-json",
                                        spellcheck: "false" });
        editor.value = pretty;
        const to = textInput({ id: "check-to", placeholder: "ops@example.org" });
        const category = textInput({ id: "check-category", placeholder: "device.error" });
        const urgency = selectInput([["1", _("normal")], ["0", _("low")], ["2", _("critical")]], "1",
                                    { id: "check-urgency" });
        const app = textInput({ id: "check-app" });
        const tags = textInput({ id: "check-tags", placeholder: "backup, nightly" });
        const result = el("div", { id: "check-result" });
        const check = async () => {
            const n = { urgency: variant("y", Number(urgency.value)) };
            if (to.value.trim())
                n.to = variant("as", to.value.split(/[\s,]+/).filter(Boolean));
            if (category.value.trim())
                n.category = variant("s", category.value.trim());
            if (app.value.trim())
                n["app-name"] = variant("s", app.value.trim());
            if (tags.value.trim())
                n.tags = variant("as", tags.value.split(/[\s,]+/).filter(Boolean));
            const jobs = await api.checkRoute(n);
            clear(result).append(table([_("Profile"), _("Rule"), _("Recipients")],
                jobs.map(job => el("tr", { dataset: { profile: job.profile } },
                    el("td", {}, job.profile), el("td", {}, job.rule || ""),
                    el("td", {}, [...(job.to || []), ...(job.cc || []), ...(job.bcc || []), ...(job.fax || [])].join(", ")))),
                { id: "check-jobs" }));
        };
        clear(this.panel).append(
            el("h2", { class: "pf-c-title pf-m-lg" }, _("Routing rules")),
            el("p", { class: "herald-field-help" },
               _("Ordered rules: the first that matches picks the profiles. See the administrator's guide for the fields.")),
            editor,
            el("div", { class: "herald-toolbar" },
               button(_("Save rules"), async () => {
                   await api.setRoutes(editor.value);
                   showSuccess(_("Routing rules saved."));
               }, "primary", { id: "save-routes" })),
            el("h2", { class: "pf-c-title pf-m-lg" }, _("Check route")),
            el("div", { class: "herald-toolbar" },
               formGroup(_("To"), to), formGroup(_("Category"), category), formGroup(_("Urgency"), urgency),
               formGroup(_("Application"), app), formGroup(_("Tags"), tags),
               button(_("Check"), check, "secondary", { id: "check-route" })),
            result);
    }
}
