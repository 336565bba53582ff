#!/usr/bin/gjs
// SPDX-License-Identifier: LGPL-2.1-or-later
// list-and-send.js: list the gateway's profiles and send a notification,
// with libherald from GJS (async calls, awaited).
//
//   gjs list-and-send.js --to admin@example.org [--profile NAME]
//       [--urgency low|normal|critical|0|1|2] [--system]
//
// The notification is built from its properties in one go, the way GJS
// builds any GObject. Enumerations take their values (Herald.Urgency.CRITICAL,
// or the number 2) and their nicks, the lower-case names heraldctl and the
// D-Bus API use ('critical'): Herald.urgency_from_string() turns a nick into
// the value, Herald.urgency_to_string() and the other *_to_string()
// functions a value into its nick.
//
// Exit status: 0 accepted, 2 a Herald error (printed with its Herald.Error
// name and nick, e.g. NO_SUCH_PROFILE / no-such-profile), 1 another error,
// 64 a usage error.

imports.gi.versions.Herald = '1.0';
imports.gi.versions.Gio = '2.0';
const {GLib, Gio, Herald} = imports.gi;
const System = imports.system;

Gio._promisify(Herald.Client.prototype, 'list_profiles', 'list_profiles_finish');
Gio._promisify(Herald.Client.prototype, 'send', 'send_finish');

// An urgency from the command line: a nick ('critical') or a value ('2').
function parseUrgency(text) {
    if (/^[0-9]+$/.test(text)) {
        const value = Number(text);
        if (Object.values(Herald.Urgency).includes(value))
            return value;
    } else {
        const [known, value] = Herald.urgency_from_string(text);
        if (known)
            return value;
    }
    throw new Error(`unknown urgency ${text}: use low, normal, critical or 0 to 2`);
}

function parseArgs(argv) {
    const args = {to: null, profile: null, system: false, urgency: null};
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--to')
            args.to = argv[++i];
        else if (argv[i] === '--profile')
            args.profile = argv[++i];
        else if (argv[i] === '--urgency')
            args.urgency = parseUrgency(argv[++i] ?? '');
        else if (argv[i] === '--system')
            args.system = true;
        else
            throw new Error(`unknown argument ${argv[i]}`);
    }
    if (!args.to)
        throw new Error('--to ADDRESS is required');
    return args;
}

// Herald.Error is a GI enum: the name of a code (NO_SUCH_PROFILE), and its
// nick (no-such-profile), as Python's value_nick and heraldctl show it.
function errorName(code) {
    for (const [name, value] of Object.entries(Herald.Error)) {
        if (value === code)
            return name;
    }
    return `${code}`;
}

function errorNick(code) {
    return errorName(code).toLowerCase().replaceAll('_', '-');
}

async function main(args) {
    const client = Herald.Client.new_sync(
        args.system ? Gio.BusType.SYSTEM : Gio.BusType.SESSION, null);

    const profiles = await client.list_profiles(null);
    print(`${profiles.length} profile(s):`);
    for (const profile of profiles)
        print(`  ${profile.name} (${profile.transport})`);

    const notification = new Herald.Notification({
        to: [args.to],
        subject: 'Hello from the Herald GJS example',
        body: `Sent by list-and-send.js; the gateway has ${profiles.length} profile(s).`,
        category: 'example.gjs',
    });
    if (args.profile)
        notification.profile = args.profile;
    if (args.urgency !== null)
        notification.urgency = args.urgency;
    const id = await client.send(notification, null);
    print(`delivery ${id} accepted (urgency ${Herald.urgency_to_string(notification.urgency)})`);
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
        printerr(`Herald error ${errorName(e.code)} (${errorNick(e.code)}): ${e.message}`);
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
