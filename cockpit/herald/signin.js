// SPDX-License-Identifier: LGPL-2.1-or-later
// signin.js: OAuth 2.0 sign-in of a profile from the Profiles tab. The page
// calls SignIn with the device flow and shows what the gateway's
// SignInProgress signals say: the address to open and the code to enter
// there, then waiting, done or the provider's refusal. Tokens never reach
// the page: the gateway stores the refresh token itself.

import { api, el, clear, button, dialog, errorText } from "./common.js";

const _ = cockpit.gettext;

// The profile a running sign-in is for, and what shows its progress.
let running = null;

api.onSignInProgress((profile, stage, details) => {
    if (running && running.profile === profile)
        running.progress(stage, details);
});

// A profile signs in with OAuth 2.0 when its transport has the OAuth keys
// (GetProfile shows "oauth2-grant" with its effective value) and it
// authenticates with them: a transport without an "auth" key (Graph) always
// does, an SMTP profile when its mechanism is an OAuth one.
const OAUTH_MECHANISMS = ["xoauth2", "oauthbearer"];

export function usesOAuth(profile) {
    if (profile["oauth2-grant"] === undefined)
        return false;
    return profile.auth === undefined || OAUTH_MECHANISMS.includes(profile.auth);
}

function minutes(seconds) {
    return Math.max(1, Math.round(seconds / 60));
}

// A link that opens in a new tab, and never hands this page to it.
function link(href, text, id) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", id }, text);
}

// Runs the sign-in of profile NAME in a dialog; DONE is called when it
// ended (signed in, failed or cancelled), to redraw the profile list.
export async function signIn(name, done) {
    const status = el("p", { id: "sign-in-status", class: "herald-state", dataset: { stage: "starting" } },
                      _("Asking the provider for a sign-in code…"));
    const steps = el("div", { id: "sign-in-steps" });
    let finished = false;
    let cancelled = false;

    const setStatus = (stage, text, state) => {
        status.dataset.stage = stage;
        if (state)
            status.dataset.state = state;
        else
            delete status.dataset.state;
        status.textContent = text;
    };

    const progress = (stage, details) => {
        if (finished)
            return;
        if (stage === "verify") {
            const target = details["verification-uri-complete"] || details["verification-uri"];
            clear(steps).append(
                el("p", {}, _("Open this address on any device and sign in:")),
                el("p", { class: "herald-sign-in-link" }, link(target, details["verification-uri"], "sign-in-link")),
                el("p", {}, _("Enter this code there:")),
                el("p", { class: "herald-user-code", id: "sign-in-code" }, details["user-code"]),
                details["expires-in"]
                    ? el("p", { class: "herald-field-help" },
                         cockpit.format(_("The code is valid for $0 minutes."), minutes(details["expires-in"])))
                    : null);
            setStatus("verify", _("Waiting for the sign-in at the provider…"));
        } else if (stage === "authorize") {
            clear(steps).append(
                el("p", {}, _("Open this address in a browser on the gateway's machine and sign in:")),
                el("p", { class: "herald-sign-in-link" }, link(details["authorize-url"], details["authorize-url"], "sign-in-link")));
            setStatus("authorize", _("Waiting for the sign-in at the provider…"));
        } else if (stage === "waiting") {
            setStatus("waiting", details["slow-down"]
                ? _("Waiting for the sign-in at the provider (it asked to be asked less often)…")
                : _("Waiting for the sign-in at the provider…"));
        } else if (stage === "failed") {
            // The provider's word, at once; the stage turns "failed" only
            // with SignIn's own reply (finish), the last word of the two.
            setStatus(status.dataset.stage, details.message || _("The sign-in failed."), "failed");
        }
    };

    const finish = (stage, text, state) => {
        finished = true;
        running = null;
        clear(steps);
        setStatus(stage, text, state);
        cancel.remove();
        done();
    };

    const cancel = button(_("Cancel sign-in"), async () => {
        if (finished)
            return;
        cancelled = true;
        await api.cancelSignIn(name);
    }, "secondary", { id: "cancel-sign-in" });
    const close = dialog(cockpit.format(_("Sign in profile $0"), name),
                         el("div", {}, status, steps), [
                             cancel,
                             button(_("Close"), async () => {
                                 // Closing the dialog ends a sign-in still running.
                                 if (!finished)
                                     await api.cancelSignIn(name).catch(() => {});
                                 close();
                             }, "link", { id: "close-sign-in" }),
                         ], "sign-in-dialog");

    running = { profile: name, progress };
    try {
        await api.signIn(name, "device");
        finish("done", _("Signed in. The gateway stored the sign-in; the profile is ready."), "sent");
    } catch (ex) {
        finish("failed", cancelled ? _("The sign-in was cancelled.") : errorText(ex), "failed");
    }
}
