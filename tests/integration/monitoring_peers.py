# SPDX-License-Identifier: LGPL-2.1-or-later
# monitoring_peers.py: Prometheus' Alertmanager and Prometheus itself as test
# peers of Herald's HTTP door (Debian packages prometheus-alertmanager and
# prometheus), each on 127.0.0.1 with a free port and its state in a
# temporary directory; and a fault-injecting proxy that makes Alertmanager
# retry a webhook Herald has already accepted.
#
#   with Alertmanager(webhook_url, token) as am:
#       am.add_alert({'alertname': 'HighLatency', ...}, annotations, end=None)
#   with Prometheus(target_port, token) as prom:
#       prom.query('sum(herald_notifications_delivered_total)')

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

import netutil

ALERTMANAGER = shutil.which('prometheus-alertmanager') or '/usr/bin/prometheus-alertmanager'
AMTOOL = shutil.which('amtool') or '/usr/bin/amtool'
PROMETHEUS = shutil.which('prometheus') or '/usr/bin/prometheus'


def missing():
    """What is not installed, or None."""
    for path, package in ((ALERTMANAGER, 'prometheus-alertmanager'), (AMTOOL, 'prometheus-alertmanager'),
                          (PROMETHEUS, 'prometheus')):
        if not os.access(path, os.X_OK):
            return f'{path} (Debian package {package}) is not installed'
    return None


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_ready(url, process, what, timeout=60):
    """Polls URL until it answers 200; fails early when PROCESS exits."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{what} exited with status {process.returncode}')
        try:
            if http_get(url)[0] == 200:
                return
        except (OSError, urllib.error.URLError) as error:
            last = error
        time.sleep(0.2)
    raise RuntimeError(f'{what} not ready at {url} within {timeout} s: {last}')


class _Server:
    """A program in a temporary directory, stopped with SIGTERM."""
    NAME = 'server'

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix=f'herald-{self.NAME}-')
        self.port = None
        self.process = None
        self.log_path = os.path.join(self.dir, 'log')
        self._log = None

    def _start(self, args, ready_path):
        last = None
        for _attempt in range(3):        # a free port may be taken before it binds
            self.port = netutil.free_port()
            self._log = open(self.log_path, 'ab')
            self.process = subprocess.Popen(args(self.port), cwd=self.dir, stdin=subprocess.DEVNULL,
                                            stdout=self._log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
            try:
                wait_ready(f'http://{netutil.LOOPBACK}:{self.port}{ready_path}', self.process, self.NAME)
                return self
            except RuntimeError as error:
                last = error
                self.stop()
        raise RuntimeError(f'{self.NAME} did not start: {last}\n{self.log_text()}')

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            netutil.wait_process(self.process, 20)
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')[-4000:]
        except OSError:
            return ''

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False


class Alertmanager(_Server):
    """prometheus-alertmanager with one route to one webhook receiver."""
    NAME = 'alertmanager'

    def __init__(self, webhook_url, token, group_by=('alertname', 'service')):
        super().__init__()
        self.url = None
        config = {
            'route': {
                'receiver': 'herald',
                'group_by': list(group_by),
                'group_wait': '1s',
                'group_interval': '1s',
                'repeat_interval': '1h',
            },
            'receivers': [{
                'name': 'herald',
                'webhook_configs': [{
                    'url': webhook_url,
                    'send_resolved': True,
                    'http_config': {'authorization': {'type': 'Bearer', 'credentials': token}},
                }],
            }],
        }
        self.config_path = os.path.join(self.dir, 'alertmanager.yml')
        with open(self.config_path, 'w') as f:
            json.dump(config, f)        # YAML is a superset of JSON

    def __enter__(self):
        self._start(lambda port: [ALERTMANAGER, f'--config.file={self.config_path}',
                                  f'--storage.path={self.dir}/data',
                                  f'--web.listen-address={netutil.LOOPBACK}:{port}',
                                  '--cluster.listen-address=', '--log.level=debug'],
                    '/-/ready')
        self.url = f'http://{netutil.LOOPBACK}:{self.port}'
        return self

    def add_alert(self, labels, annotations=None, end=None):
        """Posts an alert with amtool; END (an RFC 3339 time) resolves it."""
        args = [AMTOOL, 'alert', 'add', f'--alertmanager.url={self.url}']
        args += [f'{name}={value}' for name, value in labels.items()]
        for name, value in (annotations or {}).items():
            args.append(f'--annotation={name}={value}')
        if end is not None:
            args.append(f'--end={end}')
        result = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError(f'amtool alert add: {result.returncode} {result.stderr}')


class Prometheus(_Server):
    """prometheus scraping one target's /metrics every second."""
    NAME = 'prometheus'

    def __init__(self, target_port, token=None):
        super().__init__()
        scrape = {
            'job_name': 'herald',
            'scrape_interval': '1s',
            'scrape_timeout': '1s',
            'metrics_path': '/metrics',
            'static_configs': [{'targets': [f'{netutil.LOOPBACK}:{target_port}']}],
        }
        if token is not None:
            scrape['authorization'] = {'type': 'Bearer', 'credentials': token}
        self.config_path = os.path.join(self.dir, 'prometheus.yml')
        with open(self.config_path, 'w') as f:
            json.dump({'global': {'scrape_interval': '1s'}, 'scrape_configs': [scrape]}, f)

    def __enter__(self):
        self._start(lambda port: [PROMETHEUS, f'--config.file={self.config_path}',
                                  f'--storage.tsdb.path={self.dir}/data',
                                  f'--web.listen-address={netutil.LOOPBACK}:{port}'],
                    '/-/ready')
        return self

    def query(self, expression):
        """The instant vector of EXPRESSION: [(labels, float value)]."""
        url = (f'http://{netutil.LOOPBACK}:{self.port}/api/v1/query?' +
               urllib.parse.urlencode({'query': expression}))
        status, body = http_get(url)
        answer = json.loads(body)
        if status != 200 or answer.get('status') != 'success':
            raise AssertionError(f'query {expression}: {status} {body!r}')
        return [(r['metric'], float(r['value'][1])) for r in answer['data']['result']]

    def targets(self):
        status, body = http_get(f'http://{netutil.LOOPBACK}:{self.port}/api/v1/targets')
        return json.loads(body)['data']['activeTargets']


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        request = urllib.request.Request(owner.target + self.path, data=body, method='POST')
        for name in ('Authorization', 'Content-Type'):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        with owner.lock:
            owner.exchanges.append((json.loads(body) if body else None, status, answer))
            fail = owner.fail_next > 0 and status < 300
            if fail:
                owner.fail_next -= 1
        # Herald has it; the sender is told the opposite and tries again.
        reply = (503, b'proxy: pretend the gateway failed\n') if fail else (status, answer)
        self.send_response(reply[0])
        self.send_header('Content-Length', str(len(reply[1])))
        self.end_headers()
        self.wfile.write(reply[1])

    def log_message(self, *args):
        pass


class RetryProxy(netutil.LoopbackHttpServer):
    """Forwards POSTs to TARGET (http://127.0.0.1:PORT); the first FAIL_NEXT
    answers that succeeded are replaced by 503, so the sender retries.
    exchanges: [(request JSON, Herald's status, Herald's body)]."""
    HANDLER = _ProxyHandler
    THREAD_NAME = 'retry-proxy'

    def __init__(self, target, fail_next=0):
        super().__init__()
        self.target = target
        self.fail_next = fail_next
        self.exchanges = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.httpd.server_address[1]
