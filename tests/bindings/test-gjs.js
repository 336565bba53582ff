#!/usr/bin/gjs
// SPDX-License-Identifier: LGPL-2.1-or-later
// test-gjs.js: libherald through GObject Introspection from JavaScript,
// against the built heraldd on a private bus (run under dbus-run-session).

imports.gi.versions.Herald = '1.0';
imports.gi.versions.Gio = '2.0';
const {GLib, Gio, Herald} = imports.gi;
const System = imports.system;

let failures = 0;

function check(condition, message) {
    if (condition) {
        print(`ok - ${message}`);
    } else {
        printerr(`not ok - ${message}`);
        failures++;
    }
}

function pluginDirs(configured) {
    // the build tree keeps each plugin in a directory of its own
    const dirs = [];
    for (const dir of configured.split(':').filter(d => d.length > 0)) {
        dirs.push(dir);
        const enumerator = Gio.File.new_for_path(dir).enumerate_children(
            'standard::name,standard::type', Gio.FileQueryInfoFlags.NONE, null);
        let info, hasModule = false;
        const subdirs = [];
        while ((info = enumerator.next_file(null)) !== null) {
            if (info.get_name().endsWith('.so'))
                hasModule = true;
            else if (info.get_file_type() === Gio.FileType.DIRECTORY)
                subdirs.push(GLib.build_filenamev([dir, info.get_name()]));
        }
        if (!hasModule)
            dirs.push(...subdirs);
    }
    return dirs.join(':');
}

function nameHasOwner(connection) {
    const reply = connection.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
        'org.freedesktop.DBus', 'NameHasOwner', new GLib.Variant('(s)', ['org.herald.Gateway1']),
        null, Gio.DBusCallFlags.NONE, -1, null);
    return reply.deepUnpack()[0];
}

function startDaemon(tmp) {
    const launcher = new Gio.SubprocessLauncher({flags: Gio.SubprocessFlags.NONE});
    launcher.setenv('XDG_DATA_HOME', `${tmp}/data`, true);
    launcher.setenv('XDG_CONFIG_HOME', `${tmp}/config`, true);
    launcher.setenv('HERALD_PLUGIN_DIR', pluginDirs(GLib.getenv('HERALD_PLUGIN_DIR') ?? ''), true);
    launcher.set_stdout_file_path(`${tmp}/heraldd.log`);
    launcher.set_flags(Gio.SubprocessFlags.STDERR_MERGE);
    return launcher.spawnv([GLib.getenv('HERALD_DAEMON'), '--verbose',
        '--state-dir', `${tmp}/state`, '--config-dir', `${tmp}/config`]);
}

function waitFor(predicate, what, seconds = 20) {
    const deadline = GLib.get_monotonic_time() + seconds * 1000000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        GLib.usleep(50000);
    }
}

function runAsync(start) {
    // start(callback) begins an async call; the callback returns its result
    const loop = GLib.MainLoop.new(null, false);
    let result, error;
    start((...args) => {
        try {
            result = args[0]();
        } catch (e) {
            error = e;
        }
        loop.quit();
    });
    const timer = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 30, () => {
        error = new Error('timed out');
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    if (!(error instanceof Error && error.message === 'timed out'))
        GLib.source_remove(timer);
    if (error)
        throw error;
    return result;
}

function findMessage(maildir, text) {
    let found = null;
    waitFor(() => {
        const dir = Gio.File.new_for_path(`${maildir}/new`);
        if (!dir.query_exists(null))
            return false;
        const enumerator = dir.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
        let info;
        while ((info = enumerator.next_file(null)) !== null) {
            const path = `${maildir}/new/${info.get_name()}`;
            const [, contents] = GLib.file_get_contents(path);
            if (new TextDecoder().decode(contents).includes(text))
                found = path;
        }
        return found !== null;
    }, `a message with "${text}" in ${maildir}/new`, 10);
    return found;
}

function main() {
    const tmp = GLib.dir_make_tmp('herald-gjs-XXXXXX');
    const daemon = startDaemon(tmp);
    const bus = Gio.bus_get_sync(Gio.BusType.SESSION, null);
    try {
        waitFor(() => nameHasOwner(bus), 'heraldd to take its bus name');

        const client = Herald.Client.new_for_connection_sync(bus, null);
        check(client.get_version() !== null, `gateway version ${client.get_version()}`);
        check(client.get_transports().includes('maildir'), 'maildir transport loaded');

        const md2 = `${tmp}/md2`;
        const profile = Herald.Profile.new('md2');
        profile.set_setting('transport', 'maildir');
        profile.set_setting('maildir-path', md2);
        profile.set_setting('from-address', 'herald@example.com');
        check(client.add_profile_sync(profile, null), 'AddProfile');

        const shown = client.get_profile_sync('md2', null);
        check(shown.get_transport() === 'maildir', 'profile transport');
        check(shown.get_string('maildir-path') === md2, 'profile maildir-path');

        // the GJS idiom: a GObject built from its properties
        const notification = new Herald.Notification({
            to: ['someone@example.com'], subject: 'GJS binding test',
            body: 'Hello from JavaScript.\n', profile: 'md2', app_name: 'test-gjs',
            urgency: Herald.Urgency.CRITICAL, tags: ['gjs-props'],
        });
        check(notification.subject === 'GJS binding test', 'subject property');
        check(notification.to.length === 1 && notification.to[0] === 'someone@example.com',
            'to property is an array');
        check(notification.urgency === Herald.Urgency.CRITICAL, 'urgency property is the enum value');
        check(Herald.urgency_to_string(notification.urgency) === 'critical', 'its nick');
        const [known, low] = Herald.urgency_from_string('low');
        check(known && low === Herald.Urgency.LOW, 'a nick gives the enum value');
        const notified = [];
        const handler = notification.connect('notify', (obj, pspec) => notified.push(pspec.get_name()));
        notification.subject = 'GJS binding test';          // unchanged: no notification
        notification.cc = ['copy@example.com'];
        notification.add_tag('second');
        notification.disconnect(handler);
        check(JSON.stringify(notified) === '["cc","tags"]', `notify per change (${notified})`);
        notification.cc = [];
        const id = client.send_sync(notification, null);
        check(typeof id === 'string' && id.length > 0, `Send returned ${id}`);

        const delivery = runAsync(done => client.wait_for_delivery(id, null,
            (source, res) => done(() => source.wait_for_delivery_finish(res))));
        check(delivery.state === Herald.DeliveryState.SENT,
            `delivery sent (${Herald.delivery_state_to_string(delivery.state)}: ${delivery.reason})`);
        check(delivery.final && delivery.summary === 'sent to 1 of 1',
            `final, with its summary (${delivery.summary})`);
        check(delivery.urgency === Herald.Urgency.CRITICAL && delivery.subject === 'GJS binding test',
            'delivery properties');
        const again = client.wait_for_delivery_sync(id, null);
        check(again.id === id && again.state === Herald.DeliveryState.SENT, 'wait_for_delivery_sync');
        const filter = new Herald.DeliveryFilter({profile: 'md2', state: Herald.DeliveryState.SENT,
            include_log: true, limit: 5});
        const listed = client.list_deliveries_sync(filter, null);
        check(listed.length === 1 && listed[0].id === id && listed[0].get_log().length === 1,
            'a filter built from properties');
        check(client.gateway_running === true, 'client gateway-running property');
        check(findMessage(md2, 'GJS binding test') !== null, 'message in md2/new');

        const test = runAsync(done => client.test_profile('md2', 'a@example.org', null,
            (source, res) => done(() => source.test_profile_finish(res))));
        check(test.get_ok(), `TestProfile ok (${test.get_error_message()})`);
        check(test.get_reply().startsWith(`stored ${md2}`), `TestProfile reply ${test.get_reply()}`);
        check(Array.isArray(test.get_transcript()), 'TestProfile transcript is an array');
        check(test.get_certificate() === null, 'TestProfile without a certificate');

        // routing rules, CheckRoute and the attempt log
        const document = {version: 1, rules: [{name: 'gjs-rule', match: {'tags-any': ['gjs']},
            profiles: ['md2'], 'add-to': ['ops@example.org']}]};
        check(client.set_routes_sync(JSON.stringify(document), null), 'SetRoutes');
        check(JSON.parse(client.get_routes_sync(null)).rules[0].name === 'gjs-rule',
            'GetRoutes returns the rules');
        const sample = Herald.Notification.new();
        sample.add_to('someone@example.com');
        sample.add_tag('gjs');
        const routes = runAsync(done => client.check_route(sample, null,
            (source, res) => done(() => source.check_route_finish(res))));
        check(routes.length === 1 && routes[0].get_profile() === 'md2' &&
            routes[0].get_rule() === 'gjs-rule', 'CheckRoute picks the rule');
        check(routes[0].get_added().includes('ops@example.org'), 'CheckRoute shows the added recipient');
        try {
            client.set_routes_sync('{"rules": [{"profiles": ["md2"], "stop": "yes"}]}', null);
            check(false, 'a bad routes document is refused');
        } catch (e) {
            check(e.matches(Herald.Error, Herald.Error.INVALID_ARGUMENT) && e.message.includes('stop'),
                `INVALID_ARGUMENT naming the field (${e.message})`);
        }
        client.set_routes_sync('{"version": 1, "rules": []}', null);
        const log = client.get_delivery_sync(id, null).get_log();
        check(log.length === 1 && log[0].get_result() === 'sent' && log[0].get_profile() === 'md2',
            'the delivery has its attempt log');
        try {
            client.retry_sync(id, null);
            check(false, 'a sent delivery cannot be retried');
        } catch (e) {
            check(e.matches(Herald.Error, Herald.Error.INVALID_STATE), `INVALID_STATE (${e.message})`);
        }

        try {
            client.get_profile_sync('no-such-profile', null);
            check(false, 'GetProfile of an unknown name fails');
        } catch (e) {
            check(e.matches(Herald.error_quark(), Herald.Error.NO_SUCH_PROFILE),
                `NO_SUCH_PROFILE error (${e.message})`);
            check(e.matches(Herald.Error, Herald.Error.NO_SUCH_PROFILE),
                'error matches the Herald.Error domain');
        }
    } finally {
        daemon.send_signal(15);
        daemon.wait(null);
        if (!daemon.get_if_exited() || daemon.get_exit_status() !== 0) {
            const [, log] = GLib.file_get_contents(`${tmp}/heraldd.log`);
            printerr(new TextDecoder().decode(log));
            check(false, 'heraldd exits cleanly on SIGTERM');
        }
    }
    return failures;
}

let status;
try {
    status = main() === 0 ? 0 : 1;
} catch (e) {
    printerr(`error: ${e}\n${e.stack ?? ''}`);
    status = 1;
}
System.exit(status);
