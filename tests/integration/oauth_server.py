#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# oauth_server.py: a local OAuth 2.0 provider on 127.0.0.1 and a port the
# kernel picks, speaking the documented grants and their errors:
#
#   POST /token   application/x-www-form-urlencoded
#     grant_type=refresh_token&refresh_token=R&client_id=C&client_secret=S
#       (RFC 6749 6; client_id/client_secret may come as HTTP Basic instead)
#     grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=D
#       (RFC 8628 3.4/3.5: authorization_pending, slow_down when polled
#       faster than the interval, access_denied, expired_token)
#     grant_type=authorization_code&code=&redirect_uri=&code_verifier=
#       (RFC 6749 4.1.3 + RFC 7636 4.6: S256 checked; a code works once)
#     grant_type=client_credentials&scope=& client_secret= | client_assertion_type=
#       urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=JWT
#       (RFC 7523 as Microsoft documents it: RS256, x5t#S256, aud = this URL,
#       iss = sub = client id, exp; the signature checked with
#       python3-cryptography against client_certificate; no refresh token)
#   200 {"access_token": T, "token_type": "Bearer", "expires_in": N
#        [, "refresh_token": R2 when rotate_refresh_token or a sign-in]}
#   400 {"error": "invalid_request" | "unsupported_grant_type" | "invalid_grant"}
#   401 {"error": "invalid_client"}
#
#   POST /devicecode  client_id=&scope=   (RFC 8628 3.1/3.2)
#   200 {"device_code", "user_code", "verification_uri", "expires_in", "interval"}
#   GET  /authorize?response_type=code&client_id=&redirect_uri=&state=
#        &code_challenge=&code_challenge_method=S256&scope=
#   302 to redirect_uri?code=..&state=.. (or ?error=access_denied&state=..
#       when deny_authorization); only loopback http redirect URIs.
#
# The test plays the person: approve(user_code) / deny(user_code) after
# wait_for_user_code(); for the browser it fetches the authorisation URL
# and follows the redirect itself. Refresh tokens a sign-in hands out are
# "signed-in-refresh-N" and join the valid ones.
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
import hashlib
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netutil  # noqa: E402

MAX_BODY = 64 * 1024
DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


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
        owner = self.server.owner
        path, _, query = self.path.partition('?')
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        owner._record(self, params)
        if path != '/authorize':
            self._reply(405, {'error': 'invalid_request', 'error_description': 'POST only'})
            return
        status, location_or_error = owner._authorize(params)
        if status != 302:
            self._reply(status, location_or_error)
            return
        self.send_response(302)
        self.send_header('Location', location_or_error)
        self.send_header('Content-Length', '0')
        self.end_headers()

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
        if self.path.split('?')[0] not in (owner.path, '/devicecode'):
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
        if self.path.split('?')[0] == '/devicecode':
            self._reply(*owner._device_code(form))
            return
        grant = form.get('grant_type')
        if grant in (DEVICE_GRANT, 'authorization_code', 'client_credentials'):
            status, answer = owner._grant(grant, form, client_id, client_secret)
            if status == 200:
                record['issued'] = answer['access_token']
            self._reply(status, answer)
            return
        if grant != 'refresh_token':
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
                 cert_kind='server', tls_version=None, device_interval=1,
                 device_expires_in=600, slow_down_first=False, deny_authorization=False,
                 client_certificate=None):
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
        self.changed = threading.Condition(self.lock)
        self.device_interval = device_interval
        self.device_expires_in = device_expires_in
        self.slow_down_first = slow_down_first
        self.deny_authorization = deny_authorization
        self.client_certificate = client_certificate   # PEM path: assertions
        self.devices = {}         # device code -> dict(user_code, state, expires, last_poll)
        self.codes = {}           # authorisation code -> dict(challenge, redirect_uri, client_id)
        self.signed_in = []       # refresh tokens handed out by sign-ins
        self.assertions = []      # decoded (header, claims) of good client assertions
        self.slowed_down = 0

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

    # --- the person ------------------------------------------------------

    def wait_for_user_code(self, timeout=30):
        """The user code of the newest device authorisation request."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.devices:
                if not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError(f'no device code was asked for within {timeout} s')
            return list(self.devices.values())[-1]['user_code']

    def _set_device_state(self, user_code, state):
        with self.lock:
            for device in self.devices.values():
                if device['user_code'] == user_code:
                    device['state'] = state
                    return
        raise AssertionError(f'no device has the user code {user_code!r}')

    def approve(self, user_code):
        self._set_device_state(user_code, 'approved')

    def deny(self, user_code):
        self._set_device_state(user_code, 'denied')

    def expire(self, user_code):
        self._set_device_state(user_code, 'expired')

    # --- the grants ------------------------------------------------------

    def _client_ok(self, client_id, client_secret):
        """A public client sends no secret; one that sends it must be right."""
        return client_id == self.client_id and client_secret in (None, self.client_secret)

    def _issue(self, with_refresh_token):
        """(under the lock) the next access token, and a new refresh token."""
        index = min(self.issued, len(self.access_tokens) - 1)
        self.issued += 1
        answer = {'access_token': self.access_tokens[index], 'token_type': 'Bearer',
                  'expires_in': self.expires_in}
        if with_refresh_token:
            token = f'signed-in-refresh-{len(self.signed_in) + 1}'
            self.signed_in.append(token)
            self.valid_refresh_tokens.add(token)
            answer['refresh_token'] = token
        return answer

    def _device_code(self, form):
        if form.get('client_id') != self.client_id:
            return 400, {'error': 'invalid_client', 'error_description': 'Herald test: unknown client'}
        with self.changed:
            number = len(self.devices) + 1
            device_code = f'device-code-{number}-' + b64url(os.urandom(12))
            user_code = f'HRLD-{number:04d}'
            self.devices[device_code] = {'user_code': user_code, 'state': 'pending',
                                         'scope': form.get('scope'), 'last_poll': None,
                                         'expires': time.monotonic() + self.device_expires_in}
            self.changed.notify_all()
        return 200, {'device_code': device_code, 'user_code': user_code,
                     'verification_uri': f'{self.base_url}/device',
                     'expires_in': self.device_expires_in, 'interval': self.device_interval,
                     'message': f'Herald test: enter {user_code}'}

    def _grant(self, grant, form, client_id, client_secret):
        if grant == 'client_credentials':
            return self._client_credentials(form, client_id, client_secret)
        if not self._client_ok(client_id, client_secret):
            return 401, {'error': 'invalid_client', 'error_description': 'Herald test: wrong client'}
        with self.lock:
            if grant == DEVICE_GRANT:
                return self._device_grant(form)
            return self._code_grant(form)

    def _device_grant(self, form):
        """(under the lock) RFC 8628 3.5."""
        device = self.devices.get(form.get('device_code'))
        if device is None:
            return 400, {'error': 'invalid_grant', 'error_description': 'Herald test: unknown device code'}
        now = time.monotonic()
        if device['state'] == 'expired' or now > device['expires']:
            return 400, {'error': 'expired_token'}
        if device['state'] == 'denied':
            return 400, {'error': 'access_denied'}
        if device['state'] == 'done':
            return 400, {'error': 'invalid_grant', 'error_description': 'Herald test: code used'}
        early = (device['last_poll'] is not None and
                 now - device['last_poll'] < self.device_interval - 0.2)
        device['last_poll'] = now
        if early or (self.slow_down_first and not self.slowed_down):
            self.slowed_down += 1
            return 400, {'error': 'slow_down'}
        if device['state'] != 'approved':
            return 400, {'error': 'authorization_pending'}
        device['state'] = 'done'
        return 200, self._issue(with_refresh_token=True)

    def _code_grant(self, form):
        """(under the lock) RFC 6749 4.1.3 with RFC 7636 4.6."""
        code = self.codes.pop(form.get('code'), None)
        if code is None:
            return 400, {'error': 'invalid_grant', 'error_description': 'Herald test: unknown or used code'}
        verifier = form.get('code_verifier') or ''
        if b64url(hashlib.sha256(verifier.encode()).digest()) != code['challenge']:
            return 400, {'error': 'invalid_grant', 'error_description': 'Herald test: PKCE verification failed'}
        if form.get('redirect_uri') != code['redirect_uri']:
            return 400, {'error': 'invalid_grant', 'error_description': 'Herald test: redirect_uri differs'}
        return 200, self._issue(with_refresh_token=True)

    def _client_credentials(self, form, client_id, client_secret):
        if client_id != self.client_id:
            return 401, {'error': 'invalid_client', 'error_description': 'Herald test: unknown client'}
        if form.get('client_assertion_type') == JWT_BEARER:
            problem = self._check_assertion(form.get('client_assertion') or '')
            if problem:
                return 401, {'error': 'invalid_client', 'error_description': f'Herald test: {problem}'}
        elif client_secret != self.client_secret:
            return 401, {'error': 'invalid_client', 'error_description': 'Herald test: wrong client secret'}
        if not form.get('scope'):
            return 400, {'error': 'invalid_scope', 'error_description': 'Herald test: scope required'}
        with self.lock:
            return 200, self._issue(with_refresh_token=False)

    def _check_assertion(self, assertion):
        """What is wrong with a client assertion, or None."""
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        if self.client_certificate is None:
            return 'no certificate registered'
        parts = assertion.split('.')
        if len(parts) != 3:
            return 'not a JWT'
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            return 'not a JWT'
        with open(self.client_certificate, 'rb') as f:
            certificate = x509.load_pem_x509_certificate(f.read())
        if header.get('alg') != 'RS256' or header.get('typ') != 'JWT':
            return f'header {header}'
        if header.get('x5t#S256') != b64url(certificate.fingerprint(hashes.SHA256())):
            return 'x5t#S256 is not the thumbprint of the registered certificate'
        try:
            certificate.public_key().verify(signature, f'{parts[0]}.{parts[1]}'.encode(),
                                            padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return 'bad signature'
        now = time.time()
        if claims.get('aud') != self.url:
            return f'aud {claims.get("aud")!r} is not {self.url}'
        if claims.get('iss') != self.client_id or claims.get('sub') != self.client_id:
            return 'iss/sub is not the client id'
        if not (claims.get('nbf', 0) <= now + 60 and now < claims.get('exp', 0) <= now + 3600):
            return 'not valid now'
        if not claims.get('jti'):
            return 'no jti'
        with self.lock:
            self.assertions.append((header, claims))
        return None

    def _authorize(self, params):
        redirect_uri = params.get('redirect_uri') or ''
        target = urllib.parse.urlsplit(redirect_uri)
        if target.scheme != 'http' or target.hostname != '127.0.0.1' or not target.port:
            return 400, {'error': 'invalid_request', 'error_description': 'redirect_uri must be loopback'}
        if params.get('client_id') != self.client_id or params.get('response_type') != 'code':
            return 400, {'error': 'invalid_request', 'error_description': 'Herald test: bad client or type'}
        if params.get('code_challenge_method') != 'S256' or len(params.get('code_challenge', '')) != 43:
            return 400, {'error': 'invalid_request', 'error_description': 'Herald test: S256 PKCE required'}
        state = params.get('state')
        if self.deny_authorization:
            answer = {'error': 'access_denied', 'state': state}
        else:
            code = 'auth-code-' + b64url(os.urandom(12))
            with self.lock:
                self.codes[code] = {'challenge': params['code_challenge'],
                                    'redirect_uri': redirect_uri, 'client_id': self.client_id}
            answer = {'code': code, 'state': state}
        return 302, redirect_uri + ('&' if '?' in redirect_uri else '?') + urllib.parse.urlencode(answer)

    @property
    def base_url(self):
        return self.url[:-len(self.path)]

    def endpoint(self, name):
        """The URL of /devicecode or /authorize."""
        return f'{self.base_url}/{name}'


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
    with OAuthServer(client_id='c1', client_secret='s1', device_interval=1) as oauth:
        # device code: pending, then approved by "the person"
        status, device = post(oauth.endpoint('devicecode'), {'client_id': 'c1', 'scope': 'x'})
        assert status == 200 and device['user_code'] == oauth.wait_for_user_code(), device
        poll = {'grant_type': DEVICE_GRANT, 'device_code': device['device_code'], 'client_id': 'c1'}
        assert post(oauth.url, poll) == (400, {'error': 'authorization_pending'})
        assert post(oauth.url, poll) == (400, {'error': 'slow_down'})      # polled too soon
        oauth.approve(device['user_code'])
        time.sleep(1)
        status, answer = post(oauth.url, poll)
        assert status == 200 and answer['refresh_token'] == 'signed-in-refresh-1', answer
        # authorisation code with PKCE
        verifier = b64url(os.urandom(32))
        status, location = oauth._authorize({
            'response_type': 'code', 'client_id': 'c1', 'redirect_uri': 'http://127.0.0.1:9/',
            'state': 'st', 'code_challenge_method': 'S256',
            'code_challenge': b64url(hashlib.sha256(verifier.encode()).digest())})
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        assert status == 302 and query['state'] == 'st', location
        exchange = {'grant_type': 'authorization_code', 'code': query['code'], 'client_id': 'c1',
                    'redirect_uri': 'http://127.0.0.1:9/', 'code_verifier': 'wrong' + verifier[5:]}
        assert post(oauth.url, exchange)[1]['error'] == 'invalid_grant'     # and the code is spent
        # client credentials with a secret; without one it is refused
        cc = {'grant_type': 'client_credentials', 'client_id': 'c1', 'scope': 'x/.default'}
        assert post(oauth.url, dict(cc, client_secret='s1'))[0] == 200
        assert post(oauth.url, cc)[0] == 401
        print('oauth sign-in grants: OK')
    print('oauth server: OK')


if __name__ == '__main__':
    self_check()
