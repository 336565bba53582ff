// SPDX-License-Identifier: LGPL-2.1-or-later
// herald.js: Herald's Cockpit page. Talks to heraldd on the system bus with
// the logged-in user's polkit rights; every tab is a thin view over the
// org.herald.Gateway1 API (data/org.herald.Gateway1.xml).

import { api, clear, showError } from "./common.js";
import { ProfilesTab } from "./profiles.js";
import { DeliveriesTab, LogTab } from "./deliveries.js";
import { RoutesTab } from "./routes.js";
import { CertificatesTab } from "./certificates.js";

const _ = cockpit.gettext;

const tabs = {
    profiles: new ProfilesTab(document.getElementById("panel-profiles")),
    deliveries: new DeliveriesTab(document.getElementById("panel-deliveries")),
    log: new LogTab(document.getElementById("panel-log")),
    routes: new RoutesTab(document.getElementById("panel-routes")),
    certificates: new CertificatesTab(document.getElementById("panel-certificates")),
};

let current = null;

// Shows tab NAME once per change of the location (a click changes the
// location, the location change shows the tab).
function select(name) {
    if (!tabs[name])
        name = "profiles";
    if (cockpit.location.path[0] !== name) {
        cockpit.location.go([name]);
        return;
    }
    if (name === current)
        return;
    current = name;
    for (const item of document.querySelectorAll("#tabs .pf-c-tabs__item")) {
        const shown = item.dataset.tab === name;
        item.classList.toggle("pf-m-current", shown);
        item.querySelector("button").setAttribute("aria-selected", shown ? "true" : "false");
        document.getElementById("panel-" + item.dataset.tab).hidden = !shown;
    }
    // What a tab showed last time is stale: it is drawn anew.
    clear(document.getElementById("panel-" + name));
    tabs[name].show().catch(showError);
}

const TAB_LABELS = {
    profiles: _("Profiles"),
    deliveries: _("Deliveries"),
    log: _("Outgoing log"),
    routes: _("Routes"),
    certificates: _("Certificates"),
};

async function start() {
    document.title = _("Notifications");
    document.getElementById("title").textContent = _("Notifications");
    for (const item of document.querySelectorAll("#tabs .pf-c-tabs__item"))
        item.querySelector(".pf-c-tabs__item-text").textContent = TAB_LABELS[item.dataset.tab];
    const status = document.getElementById("status");
    try {
        const version = await api.version();
        status.textContent = cockpit.format(_("Herald $0 on the system bus"), version);
        status.dataset.state = "ready";
    } catch (ex) {
        status.textContent = _("Herald is not running on the system bus.") + " " + (ex.message || "");
        status.dataset.state = "error";
    }
    for (const item of document.querySelectorAll("#tabs .pf-c-tabs__item"))
        item.querySelector("button").addEventListener("click", () => select(item.dataset.tab));
    cockpit.addEventListener("locationchanged", () => select(cockpit.location.path[0]));
    api.onDeliveryChanged((id, state) => {
        for (const tab of Object.values(tabs))
            if (tab.deliveryChanged)
                tab.deliveryChanged(id, state);
    });
    select(cockpit.location.path[0]);
    document.body.dataset.ready = "true";
}

start();
