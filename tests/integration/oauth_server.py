#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# oauth_server.py: a local OAuth 2.0 token endpoint (RFC 6749 section 6,
# refreshing an access token) on 127.0.0.1 and a port the kernel picks.
#
#   POST /token   application/x-www-form-urlencoded
#       grant_type=refresh_token&refresh_token=R&client_id=C&client_secret=S
#       (client_id/client_secret may come as HTTP Basic credentials instead)
#   200 {"access_token": T, "token_type": "Bearer", "expires_in": N
#        [, "refresh_token": R2 when rotate_refresh_token]}
#   400 {"error": "invalid_request" | "unsupported_grant_type" | "invalid_grant"}
#   401 {"error": "invalid_client"}
#
# Each successful request hands out the next of `access_tokens` (the last one
# repeats), so a test can give out a stale token first and a good one second.
# Every request is recorded in .requests (method, path, headers, form).
#
# HTTPS when given a certificate set (certs.CertSet): the profile's
# oauth2-token-url then is https://localhost:PORT/token.
#
# Hostile modes: flood='endless' (a 200 whose chunked body never ends) or
# 'huge' (Content-Length: 2 GiB) sends zeros until the client hangs up
# (512 MiB at most; .flooded: bytes each flood got out); cert_kind='other' serves a
# certificate with another key (pin mismatch); tls_version='1.1' speaks
# TLS 1.1 only.
#
#   with OAuthServer(refresh_token='r1', client_id='c', client_secret='s',
#                    access_tokens=['stale', 'fresh']) as oauth:
#       oauth.url, oauth.requests

import base64
import json
import os
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

MAX_BODY = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = 'HeraldTestOAuth/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):       # quiet
        pass

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json;charset=UTF-8')
        self.send_header('Cache-Control', 'no-store')
        self.send_header('Pragma', 'no-cache')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.server.owner._record(self, {})
        self._reply(405, {'error': 'invalid_request', 'error_description': 'POST only'})

    def do_POST(self):
        owner = self.server.owner
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            self._reply(413, {'error': 'invalid_request'})
            return
        body = self.rfile.read(length).decode('utf-8', 'replace')
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        record = owner._record(self, form)
        # client credentials: form fields or HTTP Basic
        client_id, client_secret = form.get('client_id'), form.get('client_secret')
        authorization = self.headers.get('Authorization', '')
        if authorization.lower().startswith('basic '):
            try:
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(':')
                client_id = urllib.parse.unquote_plus(user)
                client_secret = urllib.parse.unquote_plus(password)
                record['basic-auth'] = True
            except ValueError:
                pass
        if self.path.split('?')[0] != owner.path:
            self._reply(404, {'error': 'invalid_request', 'error_description': 'no such endpoint'})
            return
        content_type = self.headers.get('Content-Type', '').split(';')[0].strip().lower()
        if content_type != 'application/x-www-form-urlencoded':
            self._reply(400, {'error': 'invalid_request',
                              'error_description': f'content type {content_type!r}'})
            return
        if owner.flood:
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            if owner.flood == 'endless':
                self.send_header('Transfer-Encoding', 'chunked')
            else:
                self.send_header('Content-Length', str(1 << 31))
            self.end_headers()
            sent = netutil.flood(self.wfile, chunked=(owner.flood == 'endless'))
            with owner.lock:
                owner.flooded.append(sent)
            self.close_connection = True
            return
        if owner.fail_status:
            self._reply(owner.fail_status, {'error': owner.fail_error or 'server_error',
                                            'error_description': 'Herald test: scripted failure'})
            return
        if form.get('grant_type') != 'refresh_token':
            self._reply(400, {'error': 'unsupported_grant_type'})
            return
        if client_id != owner.client_id or client_secret != owner.client_secret:
            self._reply(401, {'error': 'invalid_client',
                              'error_description': 'Herald test: wrong client id or secret'})
            return
        if form.get('refresh_token') not in owner.valid_refresh_tokens:
            self._reply(400, {'error': 'invalid_grant',
                              'error_description': 'Herald test: refresh token not valid'})
            return
        with owner.lock:
            index = min(owner.issued, len(owner.access_tokens) - 1)
            owner.issued += 1
            token = owner.access_tokens[index]
            answer = {'access_token': token, 'token_type': 'Bearer',
                      'expires_in': owner.expires_in}
            if owner.scope:
                answer['scope'] = owner.scope
            if owner.rotate_refresh_token:
                new = f'{owner.refresh_token}-rotated-{owner.issued}'
                owner.valid_refresh_tokens.add(new)
                answer['refresh_token'] = new
        record['issued'] = token
        self._reply(200, answer)


class OAuthServer(netutil.LoopbackHttpServer):
    HANDLER = _Handler
    THREAD_NAME = 'oauth-server'

    def __init__(self, refresh_token='herald-refresh-token', client_id='herald-client',
                 client_secret='herald-client-secret', access_tokens=('herald-access-token',),
                 expires_in=3600, rotate_refresh_token=False, scope=None, certset=None,
                 path='/token', fail_status=None, fail_error=None, flood=None,
                 cert_kind='server', tls_version=None):
        self.refresh_token = refresh_token
        self.valid_refresh_tokens = {refresh_token}
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_tokens = list(access_tokens)
        self.expires_in = expires_in
        self.rotate_refresh_token = rotate_refresh_token
        self.scope = scope
        netutil.LoopbackHttpServer.__init__(self, certset, cert_kind=cert_kind,
                                            tls_version=tls_version)
        self.path = path
        self.flood = flood
        self.flooded = []
        self.fail_status = fail_status
        self.fail_error = fail_error
        self.issued = 0
        self.requests = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        if self.certset is not None:
            return f'https://localhost:{self.port}{self.path}'
        return f'http://{netutil.LOOPBACK}:{self.port}{self.path}'

    def _record(self, handler, form):
        record = {'method': handler.command, 'path': handler.path,
                  'headers': dict(handler.headers.items()), 'form': dict(form)}
        with self.lock:
            self.requests.append(record)
        return record

    def token_requests(self):
        return [r for r in self.requests if r['method'] == 'POST']


def self_check():
    import urllib.request
    import urllib.error
    import certs

    def post(url, fields, context=None, headers=None):
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(fields).encode(),
            headers={'Content-Type': 'application/x-www-form-urlencoded', **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    good = {'grant_type': 'refresh_token', 'refresh_token': 'r1',
            'client_id': 'c1', 'client_secret': 's1'}
    with OAuthServer(refresh_token='r1', client_id='c1', client_secret='s1',
                     access_tokens=['stale', 'fresh'], expires_in=120) as oauth:
        print(oauth.url)
        assert post(oauth.url, good) == (200, {'access_token': 'stale', 'token_type': 'Bearer',
                                               'expires_in': 120})
        assert post(oauth.url, good)[1]['access_token'] == 'fresh'
        assert post(oauth.url, good)[1]['access_token'] == 'fresh'
        assert post(oauth.url, dict(good, refresh_token='nope')) == \
            (400, {'error': 'invalid_grant', 'error_description': 'Herald test: refresh token not valid'})
        assert post(oauth.url, dict(good, client_secret='nope'))[0] == 401
        assert post(oauth.url, dict(good, grant_type='password'))[0] == 400
        basic = base64.b64encode(b'c1:s1').decode()
        fields = {k: v for k, v in good.items() if not k.startswith('client_')}
        assert post(oauth.url, fields, headers={'Authorization': 'Basic ' + basic})[0] == 200
        assert len(oauth.token_requests()) == 7
        print('oauth http: OK', [r.get('issued') for r in oauth.token_requests()])
    with certs.CertSet() as cs, OAuthServer(refresh_token='r1', client_id='c1', client_secret='s1',
                                            certset=cs, rotate_refresh_token=True) as oauth:
        context = ssl.create_default_context(cafile=cs.ca_file)
        status, answer = post(oauth.url, good, context=context)
        assert status == 200 and answer['refresh_token'] == 'r1-rotated-1', answer
        assert post(oauth.url, dict(good, refresh_token='r1-rotated-1'), context=context)[0] == 200
        print('oauth https: OK', oauth.url)
    print('oauth server: OK')


if __name__ == '__main__':
    self_check()
