#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_http_api.py: Herald's HTTP door against real programs (issue 14).
#
#   TokenTest, NotificationTest, LimitTest, ServiceEndpointTest   curl with
#       tokens that are good, bad, removed, out of scope and over their
#       rate; JSON and multipart notifications delivered to Postfix's
#       smtp-sink; GET and DELETE; Idempotency-Key; a body or attachment
#       over the limit refused with 413 before anything is stored; /healthz,
#       /readyz (also with the disk "full"), /metrics (checked by promtool,
#       with and without metrics-require-token), /v1/openapi.yaml
#   AlertmanagerTest  prometheus-alertmanager on 127.0.0.1 with a webhook
#       receiver pointing at Herald: an alert posted with amtool reaches
#       smtp-sink with Alertmanager's subject, resolving it delivers the
#       resolved notice, and a webhook Alertmanager retries (a proxy answers
#       503 after Herald accepted it) makes no duplicate
#   PrometheusTest  prometheus scraping /metrics; a query returns the number
#       of delivered notifications
#
# meson runs the first group as the test "http-api" and the last two as
# "http-api-monitoring" (suite slow); every server listens on 127.0.0.1
# on a free port, every wait is bounded, everything is stopped at the end.

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import Gateway, Gio, Herald  # noqa: E402
import heraldtest  # noqa: E402
import monitoring_peers  # noqa: E402
import netutil  # noqa: E402
from sink import SmtpSink  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
CURL = shutil.which('curl')
PROMTOOL = shutil.which('promtool')
MAX_BODY = 64 * 1024

DEFAULT_CONF = {'api-max-body-size': MAX_BODY}
GW = None
GW_CONF = None
SINK = None
BASE = None          # http://127.0.0.1:PORT
PROFILE = None       # a profile delivering to SINK


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def use_gateway(conf=None):
    """Runs heraldd with [http] api=true and CONF's keys (restarting it
    when another configuration runs), with a profile to SINK."""
    global GW, GW_CONF, BASE, PROFILE
    conf = dict(conf or DEFAULT_CONF)
    if GW is not None and GW_CONF == conf:
        return
    if GW is not None:
        GW.stop()
        GW = None
    port = netutil.free_port()
    daemon = heraldtest.Daemon()
    os.makedirs(os.path.join(daemon.dir, 'config'), exist_ok=True)
    with open(os.path.join(daemon.dir, 'config', 'heraldd.conf'), 'w') as f:
        f.write(f'[http]\nport={port}\nlisten-address={netutil.LOOPBACK}\napi=true\n')
        for key, value in conf.items():
            f.write(f'{key}={value}\n')
    GW = Gateway()
    GW.daemon = daemon.start()
    GW.client = Herald.Client.new_sync(Gio.BusType.SESSION, None)
    GW_CONF = conf
    BASE = f'http://{netutil.LOOPBACK}:{port}'
    netutil.wait_for(lambda: curl('GET', '/healthz').status == 200, timeout=20,
                     message='GET /healthz answering 200')
    PROFILE = GW.add_profile('sink', {
        'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': SINK.port, 'security': 'none',
        'auth': 'none', 'from-address': 'herald@herald.test', 'retry-interval': 3600,
        'connect-timeout': 5, 'conversation-timeout': 10,
    })


def setUpModule():
    global SINK
    need(None if CURL else 'curl is not installed')
    SINK = SmtpSink(dump=True).start()
    unittest.addModuleCleanup(SINK.cleanup)
    unittest.addModuleCleanup(SINK.stop)
    unittest.addModuleCleanup(lambda: GW.stop() if GW is not None else None)


def http_requests_counted(code):
    """herald_http_requests_total{code=CODE} as /metrics shows it now."""
    metrics = curl('GET', '/metrics')
    match = re.search(rf'^herald_http_requests_total\{{code="{code}"\}} (\d+)', metrics.body.decode(), re.M)
    return int(match.group(1)) if match else 0


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f'<{self.status} {self.headers} {self.body[:300]!r}>'


def curl(method, path, token=None, json_body=None, data=None, form=(), headers=(), timeout=60):
    """One request with curl; FORM: [(name, value or '@file;type=...')]."""
    with tempfile.TemporaryDirectory(prefix='herald-curl-') as tmp:
        body_path = os.path.join(tmp, 'body')
        head_path = os.path.join(tmp, 'head')
        args = [CURL, '-sS', '--max-time', str(timeout), '-o', body_path, '-D', head_path,
                '-w', '%{http_code}', '-X', method]
        if token is not None:
            args += ['-H', f'Authorization: Bearer {token}']
        for header in headers:
            args += ['-H', header]
        if json_body is not None:
            data = json.dumps(json_body).encode()
            args += ['-H', 'Content-Type: application/json']
        if data is not None:
            data_path = os.path.join(tmp, 'data')
            with open(data_path, 'wb') as f:
                f.write(data if isinstance(data, bytes) else data.encode())
            args += ['--data-binary', f'@{data_path}']
        for name, value in form:
            args += ['-F', f'{name}={value}']
        result = subprocess.run(args + [BASE + path], capture_output=True, timeout=timeout + 10)
        if result.returncode != 0:
            raise AssertionError(f'curl {method} {path}: {result.returncode} {result.stderr!r}')
        with open(head_path, 'rb') as f:
            head = f.read().decode('latin-1')
        with open(body_path, 'rb') as f:
            body = f.read()
    found = {}
    # the last header block (after a 100 Continue)
    for line in head.split('\r\n\r\n')[-2 if head.endswith('\r\n\r\n') else -1].split('\r\n')[1:]:
        if ':' in line:
            name, value = line.split(':', 1)
            found[name.strip().lower()] = value.strip()
    return Reply(int(result.stdout.decode()[-3:]), found, body)


def heraldctl(*args):
    result = subprocess.run([os.environ['HERALD_CTL'], *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f'heraldctl {" ".join(args)}: {result.returncode} {result.stderr}')
    return result.stdout


def add_token(*options):
    """A new token (heraldctl token add NAME OPTIONS...): (name, token);
    without a rate limit unless OPTIONS set --rate."""
    name = GW.unique('token')
    if '--rate' not in options:
        options += ('--rate', '0')
    token = heraldctl('token', 'add', name, *options).strip()
    assert re.fullmatch(r'hrld_[A-Za-z0-9_-]{43}', token), token
    return name, token


def stored():
    """Deliveries in the queue (any state)."""
    return len(GW.client.list_deliveries_sync(Herald.DeliveryFilter.new(), None))


def notification(subject=None, **extra):
    body = {'to': ['ops@example.org'], 'subject': subject or GW.unique('HTTP API test'),
            'body': 'Sent over HTTP.\n'}
    body.update(extra)
    return body


def wait_subject(subject, timeout=30):
    def find():
        return [m for m in SINK.messages() if f'Subject: {subject}'.encode() in m.message]
    return netutil.wait_for(find, timeout=timeout, message=f'a message "{subject}" at smtp-sink')


class TokenTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        use_gateway()

    def test_good_token(self):
        _name, token = add_token('--profile', PROFILE)
        subject = GW.unique('Good token')
        reply = curl('POST', '/v1/notifications', token, notification(subject, urgency='critical'))
        self.assertEqual(reply.status, 202, reply)
        delivery_id = reply.json()['id']
        self.assertEqual(reply.headers.get('location'), f'/v1/notifications/{delivery_id}')
        message = wait_subject(subject)[0]
        self.assertEqual(message.recipients, ['ops@example.org'])
        GW.wait_state(delivery_id, Herald.DeliveryState.SENT)
        reply = curl('GET', f'/v1/notifications/{delivery_id}', token)
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual(reply.json()['state'], 'sent')
        self.assertEqual(reply.json()['subject'], subject)
        self.assertEqual(reply.json()['urgency'], 2)
        self.assertNotIn('caller-uid', reply.json())
        # the token's last use is recorded, the token itself never shown
        listed = heraldctl('token', 'list', '--json')
        self.assertNotIn(token, listed)
        entry = [t for t in json.loads(listed) if t['name'] == _name][0]
        self.assertIsNotNone(entry['last-used'])

    def assert_refused_without_detail(self, reply):
        self.assertEqual(reply.status, 401, reply)
        self.assertEqual(reply.body, b'')
        self.assertEqual(reply.headers.get('www-authenticate'), 'Bearer realm="herald"')

    def test_bad_tokens(self):
        _name, token = add_token('--profile', PROFILE)
        before = stored()
        wrong = token[:-1] + ('A' if token[-1] != 'A' else 'B')
        for bad in (None, wrong, 'hrld_' + 'x' * 43, token + 'x', 'secret'):
            with self.subTest(token=bad):
                self.assert_refused_without_detail(curl('POST', '/v1/notifications', bad, notification()))
        self.assert_refused_without_detail(
            curl('POST', '/v1/notifications', json_body=notification(),
                 headers=[f'Authorization: Basic {base64.b64encode(token.encode()).decode()}']))
        self.assert_refused_without_detail(curl('GET', f'/v1/notifications/{uuid.uuid4()}', wrong))
        self.assert_refused_without_detail(curl('POST', '/v1/alertmanager', wrong, data='{}'))
        self.assertEqual(stored(), before)

    def test_removed_token(self):
        name, token = add_token('--profile', PROFILE)
        reply = curl('POST', '/v1/notifications', token, notification())
        self.assertEqual(reply.status, 202, reply)
        delivery_id = reply.json()['id']
        heraldctl('token', 'remove', name)
        before = stored()
        removed = curl('POST', '/v1/notifications', token, notification())
        unknown = curl('POST', '/v1/notifications', 'hrld_' + 'A' * 43, notification())
        self.assert_refused_without_detail(removed)
        # a removed token looks exactly like one that never existed
        self.assertEqual((removed.status, removed.body), (unknown.status, unknown.body))
        self.assert_refused_without_detail(curl('GET', f'/v1/notifications/{delivery_id}', token))
        self.assertEqual(stored(), before)
        self.assertNotIn(name, heraldctl('token', 'list'))

    def test_out_of_scope(self):
        other = GW.add_profile(GW.unique('other'), {'transport': 'maildir',
                                                     'maildir-path': os.path.join(GW.dir, 'other')})
        _name, bound = add_token('--profile', PROFILE, '--tag', 'team=ops', '--allow-tag', 'env=*')
        _name, routed = add_token()
        before = stored()
        cases = [
            (bound, notification(profile=other), 'may not use profile'),
            (bound, notification(tags=['team=web']), 'may not set the tag'),
            (bound, notification(tags=['env=prod', 'urgent']), 'may not set the tag'),
            (routed, notification(profile=PROFILE), 'may not name a profile'),
            (routed, notification(tags=['env=prod']), 'may not set the tag'),
        ]
        for token, body, text in cases:
            with self.subTest(body=body):
                reply = curl('POST', '/v1/notifications', token, body)
                self.assertEqual(reply.status, 403, reply)
                self.assertEqual(reply.json()['error'], 'org.herald.Gateway1.Error.NotAuthorized')
                self.assertIn(text, reply.json()['message'])
        self.assertEqual(stored(), before)
        # in scope: the token's profile and tag, the caller's allowed tag
        subject = GW.unique('In scope')
        reply = curl('POST', '/v1/notifications', bound, notification(subject, tags=['env=prod']))
        self.assertEqual(reply.status, 202, reply)
        wait_subject(subject)
        delivery = GW.wait_state(reply.json()['id'], Herald.DeliveryState.SENT)
        self.assertEqual(delivery.get_profile(), PROFILE)

    def test_rate_limit(self):
        # one a minute: the bucket holds one request, the next comes in 60 s
        _name, token = add_token('--profile', PROFILE, '--rate', '1')
        first = curl('POST', '/v1/notifications', token, notification())
        self.assertEqual(first.status, 202, first)
        before = stored()
        second = curl('POST', '/v1/notifications', token, notification())
        self.assertEqual(second.status, 429, second)
        self.assertTrue(1 <= int(second.headers['retry-after']) <= 61, second.headers)
        self.assertEqual(curl('GET', f'/v1/notifications/{first.json()["id"]}', token).status, 429)
        self.assertEqual(stored(), before)
        # another token is not held up, and bad tokens cost nobody anything
        _name, other = add_token('--profile', PROFILE, '--rate', '0')
        for _ in range(5):
            self.assertEqual(curl('POST', '/v1/notifications', 'hrld_' + 'B' * 43, notification()).status, 401)
        self.assertEqual(curl('POST', '/v1/notifications', other, notification()).status, 202)


class NotificationTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        use_gateway()

    def test_multipart_with_attachment(self):
        _name, token = add_token('--profile', PROFILE)
        subject = GW.unique('Multipart')
        with tempfile.NamedTemporaryFile('wb', suffix='.txt', prefix='report-', delete=False) as f:
            f.write(b'disk sda: 93 % full\n')
        self.addCleanup(os.unlink, f.name)
        reply = curl('POST', '/v1/notifications', token, form=[
            ('notification', json.dumps(notification(subject)) + ';type=application/json'),
            ('file', f'@{f.name};type=text/plain'),
        ])
        self.assertEqual(reply.status, 202, reply)
        message = wait_subject(subject)[0].message
        self.assertIn(os.path.basename(f.name).encode(), message)
        self.assertIn(base64.b64encode(b'disk sda: 93 % full\n'), message.replace(b'\n', b''))

    def test_json_attachment(self):
        _name, token = add_token('--profile', PROFILE)
        subject = GW.unique('JSON attachment')
        reply = curl('POST', '/v1/notifications', token, notification(subject, attachments=[
            {'name': 'note.txt', 'content-type': 'text/plain',
             'data': base64.b64encode(b'attached through JSON\n').decode()}]))
        self.assertEqual(reply.status, 202, reply)
        message = wait_subject(subject)[0].message
        self.assertIn(b'note.txt', message)

    def test_bad_requests(self):
        _name, token = add_token('--profile', PROFILE)
        before = stored()
        cases = [
            (dict(data='{"to": ', headers=['Content-Type: application/json']), 400, 'InvalidArgument'),
            (dict(json_body=notification(colour='red')), 400, 'InvalidArgument'),
            (dict(json_body={'subject': 'nobody'}), 400, 'NoRecipients'),
            (dict(json_body=notification(to=['not an address'])), 400, 'InvalidAddress'),
            (dict(json_body=notification(subject='a\r\nBcc: x@example.org')), 400, 'InvalidArgument'),
            (dict(data='to=ops@example.org', headers=['Content-Type: text/plain']), 415, 'NotSupported'),
            (dict(data='[' * 10000, headers=['Content-Type: application/json']), 400, 'InvalidArgument'),
            # an escape JSON does not have: json-glib would make the byte 0x92 of it
            (dict(data='{"to": ["ops@example.org"], "subject": "\\222"}',
                  headers=['Content-Type: application/json']), 400, 'InvalidArgument'),
        ]
        for index, (kwargs, status, error) in enumerate(cases):
            with self.subTest(case=index):
                reply = curl('POST', '/v1/notifications', token, **kwargs)
                self.assertEqual(reply.status, status, reply)
                self.assertEqual(reply.json()['error'], f'org.herald.Gateway1.Error.{error}')
        self.assertEqual(curl('PUT', '/v1/notifications', token, notification()).status, 405)
        self.assertEqual(stored(), before)

    def test_get_and_delete(self):
        # a profile whose server is down: the delivery waits, deferred
        down = GW.add_profile(GW.unique('down'), {
            'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': netutil.free_port(),
            'security': 'none', 'auth': 'none', 'from-address': 'herald@herald.test',
            'connect-timeout': 2, 'retry-interval': 3600})
        _name, token = add_token('--profile', down)
        _name, other = add_token('--profile', down)
        reply = curl('POST', '/v1/notifications', token, notification())
        self.assertEqual(reply.status, 202, reply)
        delivery_id = reply.json()['id']
        GW.wait_state(delivery_id, Herald.DeliveryState.DEFERRED)
        # another token, or an id that does not exist: the same 404
        self.assertEqual(curl('GET', f'/v1/notifications/{delivery_id}', other).status, 404)
        self.assertEqual(curl('DELETE', f'/v1/notifications/{delivery_id}', other).status, 404)
        self.assertEqual(curl('GET', f'/v1/notifications/{uuid.uuid4()}', token).status, 404)
        self.assertEqual(curl('GET', '/v1/notifications/../../etc/passwd', token).status, 404)
        # one sent over D-Bus is no token's
        dbus_id = GW.send(down, 'ops@example.org')
        self.assertEqual(curl('GET', f'/v1/notifications/{dbus_id}', token).status, 404)
        reply = curl('DELETE', f'/v1/notifications/{delivery_id}', token)
        self.assertEqual(reply.status, 204, reply)
        self.assertEqual(curl('GET', f'/v1/notifications/{delivery_id}', token).json()['state'], 'cancelled')
        GW.wait_state(delivery_id, Herald.DeliveryState.CANCELLED)
        reply = curl('DELETE', f'/v1/notifications/{delivery_id}', token)
        self.assertEqual(reply.status, 409, reply)
        self.assertEqual(reply.json()['error'], 'org.herald.Gateway1.Error.InvalidState')

    def test_idempotency_key(self):
        _name, token = add_token('--profile', PROFILE)
        _name, other = add_token('--profile', PROFILE)
        subject = GW.unique('Idempotent')
        key = [f'Idempotency-Key: {uuid.uuid4()}']
        first = curl('POST', '/v1/notifications', token, notification(subject), headers=key)
        again = curl('POST', '/v1/notifications', token, notification(subject), headers=key)
        self.assertEqual((first.status, again.status), (202, 202))
        self.assertEqual(first.json()['id'], again.json()['id'])
        # keys are per token: another token's same key is its own
        theirs = curl('POST', '/v1/notifications', other, notification(subject), headers=key)
        self.assertEqual(theirs.status, 202)
        self.assertNotEqual(theirs.json()['id'], first.json()['id'])
        netutil.wait_for(lambda: len(wait_subject(subject)) == 2, timeout=30, message='two messages')
        GW.wait_state(first.json()['id'], Herald.DeliveryState.SENT)
        self.assertEqual(len(wait_subject(subject)), 2)
        # the header and the body must agree
        reply = curl('POST', '/v1/notifications', token, notification(**{'idempotency-key': 'a'}),
                     headers=['Idempotency-Key: b'])
        self.assertEqual(reply.status, 400, reply)


class LimitTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        use_gateway()

    def test_body_over_limit(self):
        _name, token = add_token('--profile', PROFILE)
        before = stored()
        sessions = SINK.sessions()
        with tempfile.NamedTemporaryFile('wb', suffix='.bin', delete=False) as f:
            f.write(os.urandom(2 * MAX_BODY))
        self.addCleanup(os.unlink, f.name)
        refused = http_requests_counted(413)
        reply = curl('POST', '/v1/notifications', token, form=[
            ('notification', json.dumps(notification()) + ';type=application/json'),
            ('file', f'@{f.name}'),
        ])
        # The HTTP server refuses it by its Content-Length, before reading
        # the body or asking the API (plain text, not the API's JSON).
        self.assertEqual(reply.status, 413, reply)
        self.assertIn(b'too large', reply.body)
        self.assertEqual(stored(), before)
        self.assertEqual(SINK.sessions(), sessions)
        # counted once in herald_http_requests_total, though libsoup never answered it
        self.assertEqual(http_requests_counted(413), refused + 1)

    def test_attachment_over_profile_limit(self):
        small = GW.add_profile(GW.unique('small'), {
            'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': SINK.port, 'security': 'none',
            'auth': 'none', 'from-address': 'herald@herald.test', 'max-attachment-size': 1000})
        _name, token = add_token('--profile', small)
        before = stored()
        with tempfile.NamedTemporaryFile('wb', suffix='.bin', delete=False) as f:
            f.write(b'x' * 5000)
        self.addCleanup(os.unlink, f.name)
        reply = curl('POST', '/v1/notifications', token, form=[
            ('notification', json.dumps(notification()) + ';type=application/json'),
            ('file', f'@{f.name}'),
        ])
        self.assertEqual(reply.status, 413, reply)
        self.assertEqual(reply.json()['error'], 'org.herald.Gateway1.Error.TooLarge')
        self.assertEqual(stored(), before)
        # within it, the same goes through
        reply = curl('POST', '/v1/notifications', token, notification(attachments=[
            {'name': 'small.bin', 'data': base64.b64encode(b'x' * 500).decode()}]))
        self.assertEqual(reply.status, 202, reply)


class ServiceEndpointTest(unittest.TestCase):

    def test_health_metrics_openapi(self):
        use_gateway()
        _name, token = add_token('--profile', PROFILE)
        reply = curl('POST', '/v1/notifications', token, notification())
        self.assertEqual(reply.status, 202, reply)
        GW.wait_state(reply.json()['id'], Herald.DeliveryState.SENT)
        self.assertEqual(curl('GET', '/healthz').status, 200)
        ready = curl('GET', '/readyz')
        self.assertEqual((ready.status, ready.body), (200, b'ready\n'))
        self.assertEqual(curl('POST', '/healthz').status, 405)
        metrics = curl('GET', '/metrics')
        self.assertEqual(metrics.status, 200, metrics)
        self.assertTrue(metrics.headers['content-type'].startswith('text/plain; version=0.0.4'))
        text = metrics.body.decode()
        self.assertRegex(text, r'herald_http_requests_total\{code="200"\} [1-9]')
        self.assertIn('# TYPE herald_delivery_attempt_duration_seconds histogram', text)
        self.assertRegex(text, r'herald_queue_deliveries\{state="[a-z]+"\} \d+')
        if PROMTOOL is None:
            need('promtool (Debian package prometheus) is not installed')
        check = subprocess.run([PROMTOOL, 'check', 'metrics'], input=metrics.body,
                               capture_output=True, timeout=60)
        self.assertEqual((check.returncode, check.stdout, check.stderr), (0, b'', b''))
        openapi = curl('GET', '/v1/openapi.yaml')
        self.assertEqual(openapi.status, 200)
        with open(os.path.join(SOURCE_ROOT, 'docs', 'openapi.yaml'), 'rb') as f:
            self.assertEqual(openapi.body, f.read())

    def test_disk_full_and_metrics_token(self):
        # no file system has 2^62 bytes free: the disk counts as full
        use_gateway(dict(DEFAULT_CONF, **{'ready-min-free-space': 2 ** 62,
                                          'metrics-require-token': 'true'}))
        self.addCleanup(use_gateway)
        ready = curl('GET', '/readyz')
        self.assertEqual((ready.status, ready.body), (503, b'not ready: the disk is full\n'))
        self.assertEqual(curl('GET', '/healthz').status, 200)
        self.assertEqual(curl('GET', '/metrics').status, 401)
        _name, token = add_token()
        self.assertEqual(curl('GET', '/metrics', token).status, 200)


class AlertmanagerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        need(monitoring_peers.missing())
        use_gateway()

    def test_firing_resolved_and_retried(self):
        _name, token = add_token('--profile', PROFILE, '--allow-tag', '*', '--rate', '0')
        with monitoring_peers.RetryProxy(BASE, fail_next=1) as proxy:
            url = (f'http://{netutil.LOOPBACK}:{proxy.port}/v1/alertmanager'
                   '?to=oncall@example.org&to=ops@example.org')
            with monitoring_peers.Alertmanager(url, token) as am:
                service = GW.unique('api')
                labels = {'alertname': 'HighLatency', 'service': service, 'severity': 'critical'}
                annotations = {'summary': 'Latency above 500 ms', 'description': 'p99 is 730 ms'}
                am.add_alert(labels, annotations)
                firing = wait_subject(f'[FIRING:1] HighLatency {service} (critical)', timeout=60)
                message = firing[0]
                self.assertEqual(sorted(message.recipients), ['oncall@example.org', 'ops@example.org'])
                self.assertIn(b'Latency above 500 ms', message.message)

                # Alertmanager was told 503 and sent the webhook again: Herald
                # answered both with the same delivery and sent one message
                netutil.wait_for(lambda: len(proxy.exchanges) >= 2, timeout=60,
                                 message='Alertmanager retrying the webhook')
                first, retry = proxy.exchanges[0], proxy.exchanges[1]
                self.assertEqual(first[0]['groupKey'], retry[0]['groupKey'])
                self.assertEqual((first[1], retry[1]), (202, 202))
                self.assertEqual(json.loads(first[2])['id'], json.loads(retry[2])['id'])
                delivery = GW.wait_state(json.loads(first[2])['id'], Herald.DeliveryState.SENT)
                self.assertEqual(delivery.get_urgency(), Herald.Urgency.CRITICAL)

                # resolving the alert delivers the resolved notice
                end = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() - 1))
                am.add_alert(labels, annotations, end=end)
                resolved = wait_subject(f'[RESOLVED] HighLatency {service} (critical)', timeout=60)
                self.assertEqual(len(resolved), 1)
                self.assertIn(b'Ended:', resolved[0].message)
                self.assertEqual(len(wait_subject(f'[FIRING:1] HighLatency {service} (critical)')), 1)
                self.assertEqual(proxy.exchanges[-1][0]['status'], 'resolved')

                # the same webhook once more, by hand: still no duplicate
                reply = curl('POST', '/v1/alertmanager?to=ops@example.org', token,
                             data=json.dumps(first[0]), headers=['Content-Type: application/json'])
                self.assertEqual(reply.status, 202, reply)
                self.assertEqual(reply.json()['id'], json.loads(first[2])['id'])
                time.sleep(0.5)     # nothing to wait for: a second message would be a defect
                self.assertEqual(len(wait_subject(f'[FIRING:1] HighLatency {service} (critical)')), 1)


class PrometheusTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        need(monitoring_peers.missing())
        use_gateway()

    def test_scrape_delivered(self):
        counted = GW.add_profile(GW.unique('counted'), {
            'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': SINK.port, 'security': 'none',
            'auth': 'none', 'from-address': 'herald@herald.test'})
        _name, token = add_token('--profile', counted, '--rate', '0')
        ids = []
        for _ in range(3):
            reply = curl('POST', '/v1/notifications', token, notification())
            self.assertEqual(reply.status, 202, reply)
            ids.append(reply.json()['id'])
        for delivery_id in ids:
            GW.wait_state(delivery_id, Herald.DeliveryState.SENT)
        port = int(BASE.rsplit(':', 1)[1])
        with monitoring_peers.Prometheus(port, token) as prom:
            expression = f'sum(herald_notifications_delivered_total{{profile="{counted}"}})'

            def delivered():
                result = prom.query(expression)
                return result and result[0][1] == 3.0
            netutil.wait_for(delivered, timeout=60, interval=0.5,
                             message=f'Prometheus answering 3 to {expression}')
            target = prom.targets()[0]
            self.assertEqual(target['health'], 'up', target)
            accepted = prom.query(f'herald_notifications_accepted_total{{profile="{counted}"}}')
            self.assertEqual(accepted[0][1], 3.0)
            self.assertEqual(accepted[0][0]['transport'], 'smtp')


if __name__ == '__main__':
    unittest.main(verbosity=2)
