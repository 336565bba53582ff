#!/usr/bin/gjs
// SPDX-License-Identifier: LGPL-2.1-or-later
// list-and-send.js: list the gateway's profiles and send a notification,
// with libherald from GJS (async calls, awaited).
//
//   gjs list-and-send.js --to admin@example.org [--profile NAME] [--system]
//
// Exit status: 0 accepted, 2 a Herald error (printed with its Herald.Error
// code, e.g. NO_SUCH_PROFILE), 1 another error.

imports.gi.versions.Herald = '1.0';
imports.gi.versions.Gio = '2.0';
const {GLib, Gio, Herald} = imports.gi;
const System = imports.system;

Gio._promisify(Herald.Client.prototype, 'list_profiles', 'list_profiles_finish');
Gio._promisify(Herald.Client.prototype, 'send', 'send_finish');

function parseArgs(argv) {
    const args = {to: null, profile: null, system: false};
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--to')
            args.to = argv[++i];
        else if (argv[i] === '--profile')
            args.profile = argv[++i];
        else if (argv[i] === '--system')
            args.system = true;
        else
            throw new Error(`unknown argument ${argv[i]}`);
    }
    if (!args.to)
        throw new Error('--to ADDRESS is required');
    return args;
}

function errorName(code) {
    // Herald.Error is a GI enum: find the name of the code
    for (const [name, value] of Object.entries(Herald.Error)) {
        if (value === code)
            return name;
    }
    return `${code}`;
}

async function main(args) {
    const client = Herald.Client.new_sync(
        args.system ? Gio.BusType.SYSTEM : Gio.BusType.SESSION, null);

    const profiles = await client.list_profiles(null);
    print(`${profiles.length} profile(s):`);
    for (const profile of profiles)
        print(`  ${profile.get_name()} (${profile.get_transport()})`);

    const notification = Herald.Notification.new();
    notification.add_to(args.to);
    notification.set_subject('Hello from the Herald GJS example');
    notification.set_body(`Sent by list-and-send.js; the gateway has ${profiles.length} profile(s).`);
    notification.set_category('example.gjs');
    if (args.profile)
        notification.set_profile(args.profile);
    const id = await client.send(notification, null);
    print(`delivery ${id} accepted`);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
let args;
try {
    args = parseArgs(ARGV);
} catch (e) {
    printerr(`usage error: ${e.message}`);
    System.exit(64);
}
main(args).catch(e => {
    if (e instanceof GLib.Error && e.matches(Herald.Error, e.code)) {
        printerr(`Herald error ${errorName(e.code)}: ${e.message}`);
        if (e.matches(Herald.Error, Herald.Error.NO_SUCH_PROFILE))
            printerr('hint: the profiles are listed above');
        status = 2;
    } else {
        printerr(`error: ${e.message}`);
        status = 1;
    }
}).finally(() => loop.quit());
loop.run();
System.exit(status);
