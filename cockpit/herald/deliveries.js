// SPDX-License-Identifier: LGPL-2.1-or-later
// deliveries.js: the Deliveries tab (a live list that follows
// DeliveriesChanged, filters, details with attempts and per-recipient results,
// cancel and retry) and the Outgoing log tab (every attempt, filtered).

import {
    api, el, clear, button, formGroup, selectInput, table, textInput,
    showError, showSuccess, variant, formatTime, stateLabel, STATES,
} from "./common.js";

const _ = cockpit.gettext;

function recipientsOf(delivery) {
    return (delivery.recipients || []).map(r => r.address).join(", ");
}

async function filterControls(onchange, withSince) {
    const profiles = await api.listProfiles();
    const state = selectInput([["", _("All states")], ...STATES.map(s => [s, s])], "",
                              { id: "filter-state", onchange });
    const profile = selectInput([["", _("All profiles")], ...profiles.map(p => [p.name, p.name])], "",
                                { id: "filter-profile", onchange });
    const since = withSince
        ? selectInput([["", _("Any time")], ["3600", _("Last hour")], ["86400", _("Last day")],
                       ["604800", _("Last week")]], "", { id: "filter-since", onchange })
        : null;
    const filter = () => {
        const f = { limit: variant("u", 200) };
        if (state.value)
            f.state = variant("s", state.value);
        if (profile.value)
            f.profile = variant("s", profile.value);
        if (since && since.value)
            f.since = variant("x", (Date.now() - Number(since.value) * 1000) * 1000);
        return f;
    };
    const controls = el("div", { class: "herald-toolbar" },
                        formGroup(_("State"), state), formGroup(_("Profile"), profile),
                        since ? formGroup(_("Accepted"), since) : null);
    return { controls, filter };
}

export class DeliveriesTab {
    constructor(panel) {
        this.panel = panel;
        this.visible = false;
        this.selected = null;
    }

    async show() {
        this.visible = true;
        const { controls, filter } = await filterControls(() => this.refresh().catch(showError), false);
        this.filter = filter;
        this.list = el("div", { id: "deliveries-list" });
        this.details = el("div", { id: "delivery-details" });
        clear(this.panel).append(controls, this.list, this.details);
        await this.refresh();
    }

    async refresh() {
        const deliveries = await api.listDeliveries(this.filter());
        clear(this.list).append(table([_("Accepted"), _("Subject"), _("Recipients"), _("Profile"), _("State"), ""],
            deliveries.map(d => el("tr", { dataset: { delivery: d.id, state: d.state } },
                el("td", { "data-label": _("Accepted") }, formatTime(d.created)),
                el("td", { "data-label": _("Subject") }, d.subject || ""),
                el("td", { "data-label": _("Recipients") }, recipientsOf(d)),
                el("td", { "data-label": _("Profile") }, (d.profiles || [d.profile]).join(", ")),
                el("td", { "data-label": _("State") }, stateLabel(d.state)),
                el("td", { class: "pf-c-table__action" },
                   button(_("Details"), () => this.showDetails(d.id), "link", { dataset: { action: "details" } })))),
            { id: "deliveries" }));
        if (this.selected)
            await this.showDetails(this.selected);
    }

    deliveryChanged(id) {
        if (!this.visible || this.panel.hidden)
            return;
        // Coalesce a burst of signals into one refresh.
        if (this.pending)
            return;
        this.pending = window.setTimeout(() => {
            this.pending = null;
            this.refresh().catch(showError);
        }, 200);
        if (id === this.selected)
            this.showDetails(id).catch(showError);
    }

    async showDetails(id) {
        this.selected = id;
        const d = await api.getDelivery(id);
        const actions = [];
        if (["queued", "deferred", "submitted"].includes(d.state))
            actions.push(button(_("Cancel delivery"), async () => {
                await api.cancel(id);
                showSuccess(_("Delivery cancelled."));
                await this.refresh();
            }, "danger", { id: "cancel-delivery" }));
        if (["deferred", "failed", "partial"].includes(d.state))
            actions.push(button(_("Retry now"), async () => {
                await api.retry(id);
                showSuccess(_("Delivery queued again."));
                await this.refresh();
            }, "secondary", { id: "retry-delivery" }));
        clear(this.details).append(
            el("h2", { class: "pf-c-title pf-m-lg" }, _("Delivery"), " ", el("code", {}, id)),
            el("p", {}, stateLabel(d.state), d.reason ? " — " + d.reason : ""),
            d.reply ? el("p", {}, _("Last reply:"), " ", el("code", {}, d.reply)) : null,
            el("p", {}, actions),
            el("h3", { class: "pf-c-title pf-m-md" }, _("Recipients")),
            table([_("Address"), _("Kind"), _("State"), _("Reply")],
                  (d.recipients || []).map(r => el("tr", {},
                      el("td", {}, r.address), el("td", {}, r.kind), el("td", {}, stateLabel(r.state)),
                      el("td", {}, r.reply || "")))),
            el("h3", { class: "pf-c-title pf-m-md" }, _("Attempts")),
            table([_("Started"), _("Profile"), _("Result"), _("Reply"), _("Duration")],
                  (d.log || []).map(a => el("tr", {},
                      el("td", {}, formatTime(a.started)), el("td", {}, a.profile),
                      el("td", {}, stateLabel(a.result)), el("td", {}, a.reply || ""),
                      el("td", {}, cockpit.format(_("$0 ms"), a["duration-ms"]))))));
    }
}

export class LogTab {
    constructor(panel) {
        this.panel = panel;
    }

    async show() {
        const { controls, filter } = await filterControls(() => this.refresh().catch(showError), true);
        this.filter = () => ({ ...filter(), log: variant("b", true) });
        this.search = textInput({ id: "log-search", placeholder: _("Recipient or reply contains…"),
                                  oninput: () => this.render() });
        controls.append(formGroup(_("Search"), this.search));
        this.list = el("div", { id: "log-list" });
        clear(this.panel).append(controls, this.list);
        await this.refresh();
    }

    async refresh() {
        this.deliveries = await api.listDeliveries(this.filter());
        this.render();
    }

    render() {
        const needle = this.search.value.trim().toLowerCase();
        const rows = [];
        for (const d of this.deliveries)
            for (const a of d.log || []) {
                const text = `${(a.recipients || []).join(", ")} ${a.reply || ""}`;
                if (needle && !text.toLowerCase().includes(needle))
                    continue;
                rows.push([a.started, el("tr", { dataset: { delivery: d.id, result: a.result } },
                    el("td", {}, formatTime(a.started)), el("td", {}, a.profile),
                    el("td", {}, (a.recipients || []).join(", ")), el("td", {}, stateLabel(a.result)),
                    el("td", {}, a.reply || ""), el("td", {}, cockpit.format(_("$0 ms"), a["duration-ms"])))]);
            }
        rows.sort((x, y) => y[0] - x[0]);
        clear(this.list).append(table([_("Started"), _("Profile"), _("Recipients"), _("Result"), _("Reply"), _("Duration")],
                                      rows.map(r => r[1]), { id: "log" }));
    }
}
