# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/scale.py: the phases of bench/run that do not measure throughput
against the reference tools but how heraldd holds up (issue 18):

scale   with a backlog of 10 k, 100 k and 1 M queued notifications (--scale-sizes)
        on a profile whose server hangs: the time from start to serving, the
        first page of ListDeliveries with a state filter, the daemon CPU per
        notification sent and delivered meanwhile to smtp-sink on another
        profile (the cost per message, which should stay flat), Send p99
        on an open-loop schedule, and peak RSS (VmHWM). The backlog is
        written straight into the stopped daemon's queue database (one
        template row, copied in SQL: filling a million through D-Bus would
        take minutes of the run); --plot draws the cost per message against
        the backlog into a PNG with gnuplot.
large   three concurrent Sends with a --large-mib (40) MiB attachment each,
        delivered to smtp-sink: VmHWM against 3 x 40 MiB + 64 MiB.

Imported by bench/run, whose helpers (Daemon, Clients, ...) it uses through
the module object passed as `run`. Every loop is bounded in count and time.
"""

import os
import sqlite3
import statistics
import subprocess
import time

BACKLOG = 'backlog'
MIB = 1024 * 1024
TARGET_START_S = 2.0
TARGET_LIST_MS = 50.0
LARGE_ALLOWANCE_MIB = 64.0


def uuid_sql(created_us):
    """SQL for a delivery id as heraldd makes them (gw_delivery_id_generate):
    a version-7 UUID in text whose first 48 bits are CREATED_US (an SQL
    expression, in microseconds) in milliseconds, the rest random."""
    stamp = f"printf('%012x', ({created_us}) / 1000)"
    return (f"substr({stamp}, 1, 8) || '-' || substr({stamp}, 9, 4) || '-7' ||"
            " substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||"
            " substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))")


def fill_backlog(db_path, total, log):
    """Adds queued deliveries on profile BACKLOG until it has TOTAL, each a
    copy of the first one (sent through D-Bus), created a millisecond apart.
    The daemon must be stopped. Returns the seconds it took."""
    t0 = time.monotonic()
    con = sqlite3.connect(db_path, isolation_level=None, timeout=60)
    try:
        # A bulk load: no WAL of a gigabyte, no fsync; the daemon's own
        # settings come back below and at its next start.
        con.execute('PRAGMA journal_mode=DELETE')
        con.execute('PRAGMA synchronous=OFF')
        have = con.execute('SELECT count(*) FROM jobs WHERE profile = ?', (BACKLOG,)).fetchone()[0]
        add = total - have
        if add <= 0:
            return 0.0
        # Schema 8 keeps the bytes in messages; --rev may run an older one.
        separate = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                               " AND name = 'messages'").fetchone()[0] == 1
        body = ('(SELECT body FROM messages WHERE job_id = j.id)' if separate else 'j.message')
        template = con.execute(
            f'SELECT d.id, d.caller_uid, j.sender, {body} FROM jobs j JOIN deliveries d'
            ' ON d.id = j.delivery_id WHERE j.profile = ? ORDER BY j.id LIMIT 1', (BACKLOG,)).fetchone()
        if template is None:
            raise RuntimeError('no template delivery on the backlog profile')
        _, uid, sender, message = template
        now = int(time.time() * 1e6)
        con.execute('BEGIN')
        max_delivery = con.execute('SELECT ifnull(max(rowid), 0) FROM deliveries').fetchone()[0]
        max_job = con.execute('SELECT ifnull(max(id), 0) FROM jobs').fetchone()[0]
        chunk = 200000
        done = 0
        while done < add:
            n = min(chunk, add - done)
            con.execute(
                'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n),'
                ' t(created) AS (SELECT :now - (:left - i) * 1000 FROM n)'
                ' INSERT INTO deliveries (id, created, updated, state, caller_uid, urgency,'
                ' app_name, category, subject)'
                f' SELECT {uuid_sql("created")}, created, created, \'queued\', :uid, 1,'
                ' \'herald-bench\', \'bench\', \'Herald benchmark backlog\' FROM t',
                {'n': n, 'now': now, 'left': add - done, 'uid': uid})
            done += n
        con.execute(
            'INSERT INTO jobs (delivery_id, profile, state, next_attempt, expire_at, sender,'
            f' message_id, {"" if separate else "message, "}created)'
            ' SELECT id, ?, \'queued\', created, created + 5 * 86400000000, ?,'
            f' \'<\' || id || \'@bench.herald.test>\', {"" if separate else "?, "}created'
            ' FROM deliveries WHERE rowid > ?',
            (BACKLOG, sender, max_delivery) if separate else (BACKLOG, sender, message, max_delivery))
        if separate:
            con.execute('INSERT INTO messages (job_id, body) SELECT id, ? FROM jobs WHERE id > ?',
                        (message, max_job))
        con.execute(
            'INSERT INTO recipients (job_id, idx, address, kind, state)'
            ' SELECT id, 0, \'rcpt@sink.herald.test\', \'to\', \'pending\' FROM jobs WHERE id > ?',
            (max_job,))
        con.execute('COMMIT')
        con.execute('PRAGMA journal_mode=WAL')
    finally:
        con.close()
    seconds = time.monotonic() - t0
    log(f'  backlog filled to {total} queued ({add} added in {seconds:.1f} s)')
    return seconds


def timed_list(bus, **filter_):
    """ListDeliveries(FILTER): (milliseconds to the reply, rows), the reply
    not unpacked into Python (that alone takes longer than the daemon)."""
    GLib, Gio = bus.GLib, bus.Gio
    variants = {k: GLib.Variant('u' if k == 'limit' else 's', v) for k, v in filter_.items()}
    t0 = time.monotonic()
    reply = bus.connection.call_sync(
        'org.herald.Gateway1', '/org/herald/Gateway1', 'org.herald.Gateway1', 'ListDeliveries',
        GLib.Variant('(a{sv})', (variants,)), GLib.VariantType('(aa{sv})'),
        Gio.DBusCallFlags.NO_AUTO_START, 120000, None)
    ms = (time.monotonic() - t0) * 1000
    return ms, reply.get_child_value(0).n_children()


def measure_size(opts, run, bus, sink, daemon, size, blackhole, entry_list, log):
    """One backlog size: start, list, send and deliver, latency, VmHWM."""
    meter = run.CpuMeter()
    t_start = time.monotonic()
    daemon.start()
    t_bus = time.monotonic()
    first_ms, _ = timed_list(bus, limit=1)
    t_serving = time.monotonic()
    list_ms = []
    for _ in range(3):
        ms, count = timed_list(bus, state='queued', limit=100)
        list_ms.append(ms)
    entry = {'backlog': size, 'startup_s': t_bus - t_start, 'serving_s': t_serving - t_start,
             'list_state_first_ms': list_ms[0], 'list_state_median_ms': statistics.median(list_ms),
             'list_rows': count, 'db_bytes': daemon.db_bytes()}

    # the cost per message: Sends to the sink's profile while the backlog waits
    m = opts.scale_m
    before = sink.count()
    cpu0 = daemon.cpu_seconds()
    t0, sends = run.send_closed_loop(opts, m, opts.phase_timeout)
    summary = run.summarize_sends(t0, sends)
    count, t_end = sink.wait_count(before + summary['ok'], t0 + opts.phase_timeout)
    cpu1 = daemon.cpu_seconds()
    entry.update({
        'sent': summary['ok'], 'send_errors': summary['errors'], 'send_rate': summary['rate'],
        'delivered': count - before, 'e2e_rate': (count - before) / (t_end - t0) if t_end > t0 else 0,
        'cpu_per_msg_ms': (cpu1 - cpu0) * 1000 / max(1, count - before),
    })

    # Send latency, open loop, deliveries running
    rate, seconds = opts.latency_rate, opts.scale_latency_seconds
    before = sink.count()
    clients = run.Clients(opts.workdir, [[
        '--rate', str(rate), '--duration', str(seconds), '--body-bytes', str(opts.body_bytes),
        '--timeout', str(seconds + 60)]])
    t0 = clients.go()
    while clients.running() and time.monotonic() < t0 + seconds + 65:
        time.sleep(0.05)
    r = clients.results(timeout=10)[0]
    lat = [x * 1000 for x in r.get('latency_sched', [])]
    sink.wait_count(before + r.get('ok', 0), time.monotonic() + 60)
    foreign = meter.foreign()
    entry.update({
        'p50_ms': run.percentile(lat, 50), 'p99_ms': run.percentile(lat, 99),
        'latency_errors': r.get('errors', 0),
        'vmhwm_mib': daemon.status_kib('VmHWM') / 1024, 'vmrss_mib': daemon.status_kib('VmRSS') / 1024,
        'foreign_share': foreign[1],
    })
    daemon.stop()
    entry_list.append(entry)
    log(f'  {size} queued: bus name {entry["startup_s"]:.2f} s, serving {entry["serving_s"]:.2f} s '
        f'(target < {TARGET_START_S:.0f} s); ListDeliveries(state=queued, limit=100) '
        f'{entry["list_state_first_ms"]:.1f} ms first, {entry["list_state_median_ms"]:.1f} ms median '
        f'(target < {TARGET_LIST_MS:.0f} ms); {entry["delivered"]} sent meanwhile at '
        f'{entry["cpu_per_msg_ms"]:.3f} ms of daemon CPU each ({entry["e2e_rate"]:.0f}/s); '
        f'Send p99 {entry["p99_ms"]:.2f} ms at {rate:.0f}/s; VmHWM {entry["vmhwm_mib"]:.1f} MiB; '
        f'queue on disk {entry["db_bytes"] / MIB:.0f} MiB; other processes {foreign[1]*100:.0f} %')


def phase_scale(opts, run, bus, sink, results):
    sizes = opts.scale_sizes
    log = run.log
    log(f'scale: backlogs of {", ".join(str(s) for s in sizes)} queued on a hung server; '
        f'{opts.scale_m} notifications sent to the sink at each')
    daemon = run.Daemon(opts.build_dir, opts.workdir, bus, 'daemon-scale').start()
    blackhole = run.Blackhole()
    entries = []
    results['scale'] = {'sizes': sizes, 'm': opts.scale_m, 'points': entries}
    try:
        bus.add_profile(BACKLOG, run.profile_settings(blackhole.port, 1))
        bus.add_profile(run.PROFILE, run.profile_settings(sink.port, opts.e2e_connections))
        # the template of the backlog: one notification through the front door
        t0, sends = run.send_closed_loop(opts, 1, 60, profile=BACKLOG)
        if run.summarize_sends(t0, sends)['ok'] != 1:
            raise RuntimeError('the template notification was not accepted')
        daemon.stop()
        db_path = os.path.join(daemon.dir, 'state', 'queue.db')
        deadline = time.monotonic() + opts.phase_timeout * max(1, len(sizes))
        for size in sizes:
            if time.monotonic() > deadline:
                log('  scale: out of time, larger backlogs skipped')
                break
            fill_backlog(db_path, size, log)
            measure_size(opts, run, bus, sink, daemon, size, blackhole, entries, log)
    finally:
        daemon.stop()
        blackhole.close()
    if opts.plot and entries:
        plot(opts, entries, log)


def plot(opts, entries, log):
    """Cost per message against the backlog, with gnuplot (Debian gnuplot-nox)."""
    data = opts.plot + '.dat'
    with open(data, 'w') as f:
        f.write('# backlog  cpu_ms_per_msg  send_p99_ms  vmhwm_mib\n')
        for e in entries:
            f.write(f'{e["backlog"]} {e["cpu_per_msg_ms"]:.4f} {e["p99_ms"]:.3f} {e["vmhwm_mib"]:.1f}\n')
    title = opts.plot_title or 'heraldd'
    script = f'''
set terminal pngcairo size 900,540 font "sans,10"
set output "{opts.plot}"
set title "{title}: cost per notification with a backlog queued"
set logscale x
set xlabel "notifications queued (server of their profile hanging)"
set ylabel "daemon CPU per notification sent and delivered (ms)"
set y2label "Send p99 (ms) / peak RSS (MiB)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
set grid
plot "{data}" using 1:2 with linespoints lw 2 title "CPU per message (ms)", \\
     "{data}" using 1:3 axes x1y2 with linespoints title "Send p99 (ms)", \\
     "{data}" using 1:4 axes x1y2 with linespoints title "VmHWM (MiB)"
'''
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True, timeout=60)
        log(f'  plot: {opts.plot} (data {data})')
    except (OSError, subprocess.SubprocessError) as error:
        log(f'  plot: gnuplot failed ({error}); data in {data}')


def phase_large(opts, run, bus, sink, results):
    """Three concurrent Sends with one large attachment each."""
    log = run.log
    size = opts.large_mib * MIB
    n = 3
    log(f'large: {n} concurrent Sends with a {opts.large_mib} MiB attachment each, to the sink')
    path = os.path.join(opts.workdir, 'large-attachment.bin')
    with open(path, 'wb') as f:
        block = os.urandom(MIB)
        for _ in range(opts.large_mib):
            f.write(block)
    daemon = run.Daemon(opts.build_dir, opts.workdir, bus, 'daemon-large').start()
    try:
        bus.add_profile(run.PROFILE, run.profile_settings(sink.port, n))
        # a small notification first, so the baseline has every code path loaded
        t0, sends = run.send_closed_loop(opts, 1, 60)
        before = sink.count()
        sink.wait_count(before, time.monotonic() + 10)
        time.sleep(0.5)
        base_mib = daemon.status_kib('VmRSS') / 1024
        meter = run.CpuMeter()
        t0 = time.monotonic()
        replies = send_with_attachment(bus, path, n, opts.phase_timeout)
        t_sent = time.monotonic()
        count, t_end = sink.wait_count(before + n, t0 + opts.phase_timeout, interval=0.05)
        foreign = meter.foreign()
        limit = n * opts.large_mib + LARGE_ALLOWANCE_MIB
        entry = {'n': n, 'mib': opts.large_mib, 'accepted': sum(1 for r in replies if r is None),
                 'errors': [r for r in replies if r is not None],
                 'send_s': t_sent - t0, 'delivered': count - before, 'seconds': t_end - t0,
                 'base_mib': base_mib, 'vmhwm_mib': daemon.status_kib('VmHWM') / 1024,
                 'limit_mib': limit, 'cpu_s': daemon.cpu_seconds(), 'foreign_share': foreign[1]}
        entry['bytes_per_byte'] = (entry['vmhwm_mib'] - base_mib) / (n * opts.large_mib)
        results['large'] = entry
        log(f'  {entry["accepted"]} accepted in {entry["send_s"]:.2f} s, {entry["delivered"]} '
            f'delivered in {entry["seconds"]:.2f} s; VmHWM {entry["vmhwm_mib"]:.0f} MiB from '
            f'{base_mib:.0f} MiB ({entry["bytes_per_byte"]:.2f} bytes of memory per byte of '
            f'attachment; target < {limit:.0f} MiB); other processes {foreign[1]*100:.0f} %')
        if entry['errors']:
            raise RuntimeError(f'Send failed: {entry["errors"][0]}')
    finally:
        daemon.stop()
        os.unlink(path)


def send_with_attachment(bus, path, n, timeout):
    """N Send calls at once, each passing its own descriptor of PATH; returns
    None for each success, else the error text."""
    GLib, Gio = bus.GLib, bus.Gio
    loop = GLib.MainLoop()
    out = [False] * n
    pending = [n]

    def done(connection, result, index):
        try:
            connection.call_with_unix_fd_list_finish(result)
            out[index] = None
        except GLib.Error as error:
            out[index] = error.message
        pending[0] -= 1
        if pending[0] == 0:
            loop.quit()

    for i in range(n):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        fds = Gio.UnixFDList.new()
        fds.append(fd)
        os.close(fd)
        params = GLib.Variant('(a{sv})', ({
            'to': GLib.Variant('as', ['rcpt@sink.herald.test']),
            'subject': GLib.Variant('s', f'Herald benchmark, large attachment {i}'),
            'body': GLib.Variant('s', 'The report is attached.\n'),
            'profile': GLib.Variant('s', 'bench'),
            'attachments': GLib.Variant('a(ssh)', [('report.bin', 'application/octet-stream', 0)]),
        },))
        bus.connection.call_with_unix_fd_list(
            'org.herald.Gateway1', '/org/herald/Gateway1', 'org.herald.Gateway1', 'Send', params,
            GLib.VariantType('(s)'), Gio.DBusCallFlags.NO_AUTO_START, int(timeout * 1000), fds,
            None, done, i)
    GLib.timeout_add(int(timeout * 1000) + 5000, loop.quit)
    loop.run()
    return [r if r is not False else 'no reply' for r in out]
