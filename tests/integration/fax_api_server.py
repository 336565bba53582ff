#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# fax_api_server.py: a local HTTPS fax API for the fax tests (issue 7),
# speaking the common providers' documented send-fax shape:
#
#   POST /v2/faxes                      Authorization: Bearer KEY
#        {"to": "+1...", "from": "+1...", "connection_id": "...",
#         "webhook_url": "...", "media_base64": "...", "media_type": "...",
#         "media_name": "...", "cover_text": "...", "subject": "..."}
#   202  {"data": {"id": "fax-N", "status": "queued", "to": ..., "from": ...}}
#   401  {"errors": [{"title": "Unauthorized", "detail": ...}]}  wrong key
#   422  {"errors": [{"title": "Invalid", "detail": ...}]}       scripted
#   503  {"errors": [{"title": "Unavailable"}]}                  scripted
#   GET  /v2/faxes/ID                   {"data": {"id": ID, "status": S}}
#   POST /v2/faxes/ID/actions/cancel    {"data": {"id": ID, "status": "canceled"}}
#
# script[to] is a list of HTTP statuses the next POSTs for that number get
# (then 202). redirect_to makes every POST answer 307 to that path, to
# check that the client does not follow it with its key. Every request is
# recorded (method, path, headers, JSON body).
#
# Hostile answers: a script entry 'endless' (a chunked body that never
# ends) or 'huge' (Content-Length: 2 GiB), alone for a 202 or as
# ('endless', STATUS), floods zeros until the client hangs up (512 MiB at
# most, then the connection is dropped); .flooded
# lists how many bytes each flood got out. ('deep', STATUS) answers valid
# JSON 130,000 brackets deep (json-glib recurses into each one); ('nul',
# STATUS) a fax id with \u0000 in it, which would cut the id short.
# cert_kind='other' serves a
# certificate with another key (pin mismatch), tls_version='1.1' speaks
# TLS 1.1 only. client_ca requires a TLS client certificate from that CA
# (mutual TLS, issue 19); each recorded request has the certificate's
# common name as 'peer-cn'.
#
# webhook(url, secret, fax_id, status, ...) posts the provider's callback
# {"data": {"event_type": "fax.STATUS", "payload": {"fax_id", "status"}}}
# signed as Herald checks it: X-Herald-Fax-Signature: t=T,v1=HMAC-SHA256
# (secret, "T." + body).

import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

MAX_BODY = 16 * 1024 * 1024
BASE = '/v2/faxes'


# Well-formed JSON that a reader must not take as it is (see above).
HOSTILE_JSON = {
    'deep': b'{"data": ' + b'[' * 130000 + b']' * 130000 + b'}',
    'nul': b'{"data": {"id": "fax-\\u0000-1", "status": "queued"}}',
}


class _Handler(BaseHTTPRequestHandler):
    server_version = 'HeraldTestFaxAPI/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def _reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _raw_reply(self, status, data):
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def _flood(self, mode, status):
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        if mode == 'endless':
            self.send_header('Transfer-Encoding', 'chunked')
        else:
            self.send_header('Content-Length', str(1 << 31))
        self.end_headers()
        sent = netutil.flood(self.wfile, chunked=(mode == 'endless'))
        with self.server.owner.lock:
            self.server.owner.flooded.append(sent)
        self.close_connection = True

    def _authorised(self):
        return self.headers.get('Authorization') == f'Bearer {self.server.owner.api_key}'

    def do_GET(self):
        owner = self.server.owner
        owner._record(self, None)
        if not self._authorised():
            self._reply(401, {'errors': [{'title': 'Unauthorized', 'detail': 'bad API key'}]})
            return
        fax_id = self.path[len(BASE) + 1:] if self.path.startswith(BASE + '/') else None
        with owner.lock:
            fax = owner.faxes.get(fax_id)
        if fax is None:
            self._reply(404, {'errors': [{'title': 'Not Found', 'detail': 'no such fax'}]})
            return
        self._reply(200, {'data': {'id': fax_id, 'status': fax['status'], 'to': fax['to']}})

    def do_POST(self):
        owner = self.server.owner
        body = self._body()
        owner._record(self, body)
        if body is None:
            self._reply(400, {'errors': [{'title': 'Bad Request', 'detail': 'not JSON'}]})
            return
        if owner.redirect_to and self.path == BASE:
            self._reply(307, {'errors': [{'title': 'Moved'}]},
                        headers=[('Location', owner.redirect_to)])
            return
        if not self._authorised():
            self._reply(401, {'errors': [{'title': 'Unauthorized', 'detail': 'bad API key'}]})
            return
        if self.path.startswith(BASE + '/') and self.path.endswith('/actions/cancel'):
            fax_id = self.path[len(BASE) + 1:-len('/actions/cancel')]
            with owner.lock:
                fax = owner.faxes.get(fax_id)
                if fax is not None:
                    fax['status'] = 'canceled'
            if fax is None:
                self._reply(404, {'errors': [{'title': 'Not Found', 'detail': 'no such fax'}]})
            else:
                self._reply(200, {'data': {'id': fax_id, 'status': 'canceled'}})
            return
        if self.path != BASE:
            self._reply(404, {'errors': [{'title': 'Not Found'}]})
            return
        to = body.get('to', '')
        with owner.lock:
            scripted = owner.script.get(to) or []
            status = scripted.pop(0) if scripted else 202
        if isinstance(status, (str, tuple)):
            mode, code = (status, 202) if isinstance(status, str) else status
            if mode in HOSTILE_JSON:
                self._raw_reply(code, HOSTILE_JSON[mode])
                return
            self._flood(mode, code)
            return
        if status == 422:
            self._reply(422, {'errors': [{'title': 'Invalid', 'detail': f'The number {to} cannot receive faxes'}]})
            return
        if status >= 500:
            self._reply(status, {'errors': [{'title': 'Unavailable', 'detail': 'try again later'}]})
            return
        if not to.startswith('+') or not body.get('media_base64') and not body.get('cover_text'):
            self._reply(422, {'errors': [{'title': 'Invalid', 'detail': 'to and media are required'}]})
            return
        with owner.lock:
            owner.counter += 1
            fax_id = f'fax-{owner.counter}'
            owner.faxes[fax_id] = {'to': to, 'status': 'queued', 'request': body}
        self._reply(202, {'data': {'id': fax_id, 'status': 'queued', 'to': to,
                                   'from': body.get('from')}})


def _peer_cn(handler):
    """The common name of the client's TLS certificate, or None."""
    getpeercert = getattr(handler.connection, 'getpeercert', None)
    peer = getpeercert() if getpeercert else None
    for rdn in (peer or {}).get('subject', ()):
        for key, value in rdn:
            if key == 'commonName':
                return value
    return None


class FaxApiServer(netutil.LoopbackHttpServer):
    HANDLER = _Handler
    THREAD_NAME = 'fax-api-server'

    def __init__(self, certset, api_key='herald-fax-api-key', cert_kind='server', tls_version=None,
                 client_ca=None):
        netutil.LoopbackHttpServer.__init__(self, certset, cert_kind=cert_kind, tls_version=tls_version,
                                            client_ca=client_ca)
        self.flooded = []
        self.api_key = api_key
        self.script = {}
        self.redirect_to = None
        self.faxes = {}
        self.counter = 0
        self.requests = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f'https://localhost:{self.port}{BASE}'

    def _record(self, handler, body):
        with self.lock:
            self.requests.append({'method': handler.command, 'path': handler.path,
                                  'headers': dict(handler.headers.items()), 'body': body,
                                  'peer-cn': _peer_cn(handler)})

    def posts(self, to=None):
        with self.lock:
            return [r for r in self.requests if r['method'] == 'POST' and r['path'] == BASE
                    and (to is None or (r['body'] or {}).get('to') == to)]

    def set_status(self, fax_id, status):
        with self.lock:
            self.faxes[fax_id]['status'] = status


def sign(secret, body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={mac}'


def webhook(url, secret, fax_id, status, signature=None, context=None, timeout=30):
    """POSTs the provider's status callback; returns the HTTP status."""
    body = json.dumps({'data': {'event_type': f'fax.{status}', 'id': f'evt-{fax_id}',
                                'payload': {'fax_id': fax_id, 'status': status}}}).encode()
    request = urllib.request.Request(url, data=body, method='POST', headers={
        'Content-Type': 'application/json',
        'X-Herald-Fax-Signature': signature if signature is not None else sign(secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def self_check():
    import certs
    with certs.CertSet() as certset, FaxApiServer(certset) as server:
        context = ssl.create_default_context(cafile=certset.ca_file)
        body = json.dumps({'to': '+17246279591', 'media_base64': 'JVBERg=='}).encode()
        request = urllib.request.Request(server.url, data=body, method='POST', headers={
            'Authorization': f'Bearer {server.api_key}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            data = json.loads(answer.read())
        assert answer.status == 202 and data['data']['status'] == 'queued', data
        print(f'fax api: ok ({server.url}, {data["data"]["id"]})')
    return 0


if __name__ == '__main__':
    sys.exit(self_check())
