#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# graph_server.py: a local Microsoft Graph sendMail endpoint (the documented
# MIME send) over HTTPS with the test CA, on 127.0.0.1 and a port the kernel
# picks. Graph itself cannot run here; this speaks its documented fields:
#
#   POST /v1.0/users/{id | userPrincipalName}/sendMail   or  /v1.0/me/sendMail
#   Authorization: Bearer TOKEN, Content-Type: text/plain,
#   body: the MIME message, base64
#   202 Accepted, empty body                    sent
#   401 {"error": {"code": "InvalidAuthenticationToken", ...}}  token not in `tokens`
#   413 {"error": {"code": "ErrorMessageSizeExceeded", ...}}     body over 4 MB
#   400 {"error": {"code": "ErrorMimeContentInvalidBase64String", ...}}
#   404 for any other path, 405 for another method
# and then, for requests that pass those checks, the answers of `script` in
# order ((status, headers, json body) each; 202 once it is used up), e.g.
# (429, {'Retry-After': '2'}, {'error': {'code': 'ApplicationThrottled', ...}}).
#
# Every request is recorded in .requests: method, path, user ('me' or the
# id), headers, token, size, and the decoded message (bytes) when it decoded.
#
#   with GraphServer(certset, tokens={'t1'}) as graph:
#       graph.base_url   https://localhost:PORT/v1.0

import base64
import binascii
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

MAX_REQUEST = 4 * 1000 * 1000       # Graph: 4 MB for a JSON request
MAX_READ = 8 * 1000 * 1000          # what the test server reads at all
PATH = re.compile(r'^/v1\.0/(?:users/(?P<user>[^/?#]+)|(?P<me>me))/sendMail$')


def graph_error(code, message):
    return {'error': {'code': code, 'message': message,
                      'innerError': {'date': '2026-12-04T10:00:00',
                                     'request-id': '5b5a1a1e-0000-4000-8000-000000000000',
                                     'client-request-id': '5b5a1a1e-0000-4000-8000-000000000000'}}}


class _Handler(BaseHTTPRequestHandler):
    server_version = 'HeraldTestGraph/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):       # quiet
        pass

    def _reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b''
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._reply(405, graph_error('BadRequest', 'Only POST is served here.'))

    def do_POST(self):
        owner = self.server.owner
        from urllib.parse import unquote
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_READ:
            self.close_connection = True
            self._reply(413, graph_error('ErrorMessageSizeExceeded',
                                         'The message exceeds the maximum supported size.'))
            return
        raw = self.rfile.read(length)
        match = PATH.match(self.path)
        authorization = self.headers.get('Authorization', '')
        token = authorization[7:] if authorization.startswith('Bearer ') else None
        record = {'method': 'POST', 'path': self.path, 'headers': dict(self.headers.items()),
                  'token': token, 'size': length, 'message': None,
                  'user': (unquote(match.group('user')) if match and match.group('user')
                           else 'me' if match else None)}
        with owner.lock:
            owner.requests.append(record)
        if match is None:
            self._reply(404, graph_error('ResourceNotFound', f'Resource not found: {self.path}'))
            return
        if token is None or token not in owner.tokens:
            self._reply(401, graph_error('InvalidAuthenticationToken',
                                         'Access token validation failure. Invalid audience.'),
                        {'WWW-Authenticate': 'Bearer realm=""'})
            return
        if length > MAX_REQUEST:
            self._reply(413, graph_error('ErrorMessageSizeExceeded',
                                         'The message exceeds the maximum supported size.'))
            return
        content_type = self.headers.get('Content-Type', '').split(';')[0].strip().lower()
        try:
            if content_type != 'text/plain':
                raise ValueError(content_type)
            record['message'] = base64.b64decode(raw, validate=True)
        except (ValueError, binascii.Error):
            self._reply(400, graph_error('ErrorMimeContentInvalidBase64String',
                                         'Invalid base64 string for MIME content.'))
            return
        with owner.lock:
            answer = owner.script.pop(0) if owner.script else (202, {}, None)
        status, headers, body = answer
        record['status'] = status
        self._reply(status, body, headers)


class GraphServer(netutil.LoopbackHttpServer):
    HANDLER = _Handler
    THREAD_NAME = 'graph-server'

    def __init__(self, certset, tokens=('graph-access-token',), script=(), cert_kind='server',
                 client_ca=None):
        netutil.LoopbackHttpServer.__init__(self, certset, cert_kind=cert_kind, client_ca=client_ca)
        self.tokens = set(tokens)
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def base_url(self):
        return f'https://localhost:{self.port}/v1.0'

    def sent(self):
        """The messages Graph accepted (202)."""
        return [r['message'] for r in self.requests if r.get('status') == 202]


def self_check():
    import ssl
    import urllib.request
    import urllib.error
    import certs

    cs = certs.CertSet()
    context = ssl.create_default_context(cafile=cs.ca_file)

    def post(url, data, token='t1', content_type='text/plain'):
        request = urllib.request.Request(url, data=data, method='POST', headers={
            'Authorization': f'Bearer {token}', 'Content-Type': content_type})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    message = b'To: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n'
    script = [(429, {'Retry-After': '3'}, graph_error('ApplicationThrottled', 'slow down'))]
    try:
        with GraphServer(cs, tokens={'t1'}, script=script) as graph:
            url = graph.base_url + '/users/alerts%40example.org/sendMail'
            assert post(url, base64.b64encode(message))[0] == 429
            assert post(url, base64.b64encode(message)) == (202, b'')
            assert graph.requests[-1]['user'] == 'alerts@example.org'
            assert graph.sent() == [message]
            status, body = post(url, base64.b64encode(message), token='nope')
            assert status == 401 and body['error']['code'] == 'InvalidAuthenticationToken'
            assert post(url, b'***')[1]['error']['code'] == 'ErrorMimeContentInvalidBase64String'
            assert post(graph.base_url + '/me/sendMail', base64.b64encode(message))[0] == 202
            assert post(graph.base_url + '/me/messages', b'')[0] == 404
            print('graph: OK')
    finally:
        cs.cleanup()


if __name__ == '__main__':
    self_check()
