#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_graph.py: the graph transport (plugins/graph, issue 19 section 4) end
# to end through heraldd: a local Graph sendMail endpoint over HTTPS with the
# test CA (graph_server.py) and the OAuth token endpoint (oauth_server.py,
# refresh-token grant). Sent; deferred and sent again after Retry-After
# (seconds and HTTP date); failed with Graph's error code and message; one
# fresh token after a 401; a message over Graph's 4 MB refused at Send; no
# token or secret in replies or the log.
#
#   meson test -C BUILD graph --print-errorlogs

import base64
import email
import email.policy
import email.utils
import os
import sys
import tempfile
import time
import unittest

PRELOAD = os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, State, GLib, Herald, describe, delivery_text, secret_leaks  # noqa: E402
import certs  # noqa: E402
import graph_server  # noqa: E402
import oauth_server  # noqa: E402

FROM = 'alerts@herald.test'
REFRESH = 'graph-refresh-token-2d9f'
CLIENT_ID = 'graph-client-id'
CLIENT_SECRET = 'graph-client-secret-77aa'
ACCESS = 'graph-access-token-e41c'

GW = None
CERTS = None


def setUpModule():
    global GW, CERTS
    CERTS = certs.CertSet()
    unittest.addModuleCleanup(CERTS.cleanup)
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()
    transports = list(GW.client.get_transports() or [])
    if 'graph' not in transports:
        raise AssertionError(f'the graph transport is not loaded (Transports = {transports})')


class GraphTest(unittest.TestCase):
    maxDiff = None

    def start(self, script=(), tokens=(ACCESS,), access_tokens=(ACCESS,), user=FROM, **extra):
        oauth = oauth_server.OAuthServer(refresh_token=REFRESH, client_id=CLIENT_ID,
                                         client_secret=CLIENT_SECRET,
                                         access_tokens=list(access_tokens), certset=CERTS)
        self.addCleanup(oauth.stop)
        oauth.start()
        graph = graph_server.GraphServer(CERTS, tokens=tokens, script=script)
        self.addCleanup(graph.stop)
        graph.start()
        settings = {'transport': 'graph', 'graph-url': graph.base_url, 'graph-user': user,
                    'from-address': FROM, 'oauth2-token-url': oauth.url,
                    'oauth2-client-id': CLIENT_ID, 'ca-file': CERTS.ca_file,
                    'retry-interval': 3600, 'connect-timeout': 5, 'conversation-timeout': 10}
        settings.update(extra)
        name = GW.add_profile(GW.unique('graph'), settings,
                              {'oauth2-client-secret': CLIENT_SECRET, 'oauth2-refresh-token': REFRESH})
        self.check_no_leaks()
        return oauth, graph, name

    def check_no_leaks(self, *texts):
        secrets = [REFRESH, CLIENT_SECRET, ACCESS, 'stale-graph-token', 'fresh-graph-token']
        self.assertEqual(secret_leaks(GW.log_text().splitlines(), secrets), [], 'secrets in the log')
        self.assertEqual(secret_leaks(list(texts), secrets), [], 'secrets in a reply')

    def test_sent(self):
        oauth, graph, name = self.start()
        n = GW.notification(name, ['ops@herald.test'], subject='Graph says hello',
                            body='Sent through Microsoft Graph.\n')
        n.add_cc('lead@herald.test')
        n.add_bcc('hidden@herald.test')
        delivery = GW.wait_state(GW.client.send_sync(n, None), State.SENT, timeout=40)
        self.assertIn('HTTP 202', delivery.get_reply() or '', describe(delivery))
        [request] = graph.requests
        self.assertEqual(request['path'], '/v1.0/users/alerts@herald.test/sendMail')
        self.assertEqual(request['user'], FROM)
        self.assertEqual(request['token'], ACCESS)
        self.assertEqual(request['headers'].get('Content-Type'), 'text/plain')
        message = email.message_from_bytes(request['message'], policy=email.policy.default)
        self.assertEqual(message['Subject'], 'Graph says hello')
        self.assertEqual(message.get_content().strip(), 'Sent through Microsoft Graph.')
        self.assertEqual(email.utils.parseaddr(message['From'])[1], FROM)
        self.assertEqual(message['To'].addresses[0].addr_spec, 'ops@herald.test')
        self.assertEqual(message['Cc'].addresses[0].addr_spec, 'lead@herald.test')
        # Bcc only in the envelope: Graph learns it from a Bcc header of the copy it gets
        self.assertEqual([a.addr_spec for a in message['Bcc'].addresses], ['hidden@herald.test'])
        self.assertEqual(len(oauth.token_requests()), 1)
        self.check_no_leaks(delivery_text(delivery))

    def test_me_when_delegated(self):
        oauth, graph, name = self.start(user=None)
        GW.wait_state(GW.send(name, 'me@herald.test'), State.SENT, timeout=40)
        self.assertEqual([r['path'] for r in graph.requests], ['/v1.0/me/sendMail'])

    def wait_requests(self, graph, count, timeout=40):
        deadline = time.monotonic() + timeout
        while len(graph.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f'{len(graph.requests)} requests, wanted {count}')
            time.sleep(0.05)

    def deferred_then_sent(self, retry_after, code):
        body = graph_server.graph_error(code, 'Application is over its MailboxConcurrency limit.')
        oauth, graph, name = self.start(script=[(429 if code == 'ApplicationThrottled' else 503,
                                                 {'Retry-After': retry_after}, body)])
        started = time.time()
        delivery_id = GW.send(name, 'throttled@herald.test')
        delivery = GW.wait_state(delivery_id, State.DEFERRED, timeout=40)
        self.assertIn(code, delivery.get_reply() or '', describe(delivery))
        next_attempt = delivery.get_next_attempt().to_unix()
        # honoured: not the profile's retry-interval (an hour) but Retry-After
        self.assertLess(next_attempt - started, 120, describe(delivery))
        self.assertGreaterEqual(next_attempt - started, 1, describe(delivery))
        delivery = GW.wait_state(delivery_id, State.SENT, timeout=60)
        self.assertEqual(len(graph.requests), 2)
        self.assertEqual(len(graph.sent()), 1)
        # the second request came no earlier than the server asked
        self.assertGreaterEqual(time.time() - started, 1.0)
        self.check_no_leaks(delivery_text(delivery))

    def test_429_retry_after_seconds(self):
        self.deferred_then_sent('2', 'ApplicationThrottled')

    def test_503_retry_after_http_date(self):
        when = email.utils.formatdate(time.time() + 3, usegmt=True)
        self.deferred_then_sent(when, 'ServiceUnavailable')

    def failed(self, status, code, message):
        oauth, graph, name = self.start(script=[(status, {}, graph_server.graph_error(code, message))])
        delivery = GW.wait_state(GW.send(name, 'refused@herald.test'), State.FAILED, timeout=40)
        text = delivery_text(delivery)
        self.assertIn(f'HTTP {status}', text)
        self.assertIn(f'{code}: {message}', text)
        self.assertEqual(len(graph.requests), 1)
        self.check_no_leaks(text)
        return delivery

    def test_send_as_denied_failed(self):
        self.failed(403, 'ErrorSendAsDenied', 'The user account which was used to submit this '
                    'request does not have the right to send mail on behalf of the specified '
                    'sending account. Cannot submit message.')

    def test_message_size_exceeded_failed(self):
        self.failed(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.')

    def test_401_once_fresh_token(self):
        oauth, graph, name = self.start(tokens={'fresh-graph-token'},
                                        access_tokens=['stale-graph-token', 'fresh-graph-token'])
        delivery = GW.wait_state(GW.send(name, 'fresh@herald.test'), State.SENT, timeout=40)
        self.assertEqual([r['token'] for r in graph.requests], ['stale-graph-token', 'fresh-graph-token'])
        self.assertEqual(len(oauth.token_requests()), 2)
        self.check_no_leaks(delivery_text(delivery))

    def test_401_twice_failed(self):
        oauth, graph, name = self.start(tokens={'never'}, access_tokens=['stale-graph-token'])
        delivery = GW.wait_state(GW.send(name, 'never@herald.test'), State.FAILED, timeout=40)
        self.assertIn('InvalidAuthenticationToken', delivery_text(delivery))
        self.assertEqual(len(graph.requests), 2)
        self.check_no_leaks(delivery_text(delivery))

    def test_too_big_refused_at_send(self):
        oauth, graph, name = self.start()
        with tempfile.NamedTemporaryFile(suffix='.bin') as attachment:
            attachment.write(os.urandom(3 * 1000 * 1000))
            attachment.flush()
            n = GW.notification(name, 'big@herald.test')
            n.add_attachment_path(attachment.name, 'big.bin', 'application/octet-stream')
            with self.assertRaises(GLib.Error) as raised:
                GW.client.send_sync(n, None)
        self.assertTrue(raised.exception.matches(Herald.error_quark(), Herald.Error.TOO_LARGE),
                        raised.exception.message)
        self.assertIn('Microsoft Graph', raised.exception.message)
        self.assertEqual(graph.requests, [])
        self.assertEqual(oauth.requests, [])

    def test_just_under_limit_sent(self):
        oauth, graph, name = self.start()
        with tempfile.NamedTemporaryFile(suffix='.bin') as attachment:
            attachment.write(os.urandom(2 * 1000 * 1000))
            attachment.flush()
            n = GW.notification(name, 'large@herald.test')
            n.add_attachment_path(attachment.name, 'large.bin', 'application/octet-stream')
            delivery_id = GW.client.send_sync(n, None)
        GW.wait_state(delivery_id, State.SENT, timeout=60)
        [request] = graph.requests
        self.assertLessEqual(request['size'], graph_server.MAX_REQUEST)
        self.assertGreater(request['size'], 2 * 1000 * 1000)

    def test_test_profile(self):
        oauth, graph, name = self.start()
        result = GW.test_profile(name, 'test@herald.test')
        self.assertTrue(result.get('ok'), result)
        self.assertIn('HTTP 202', result.get('reply', ''))
        self.assertEqual(len(graph.sent()), 1)
        self.check_no_leaks(str(result))

    def test_untrusted_server_gets_no_token(self):
        oauth, graph, name = self.start()
        untrusted = graph_server.GraphServer(CERTS, tokens={ACCESS}, cert_kind='selfsigned')
        self.addCleanup(untrusted.stop)
        untrusted.start()
        GW.update_profile(name, {'graph-url': untrusted.base_url})
        delivery = GW.wait_state(GW.send(name, 'mitm@herald.test'), State.DEFERRED, timeout=40)
        self.assertEqual(untrusted.requests, [], describe(delivery))
        self.check_no_leaks(delivery_text(delivery))

    def test_bad_settings_refused(self):
        for key, value in (('graph-url', 'http://graph.example.org/v1.0'),
                           ('graph-url', 'https://graph.example.org/v1.0?x=1'),
                           ('graph-user', 'a b@example.org'), ('graph-user', '../admin')):
            with self.subTest(key=key, value=value):
                settings = {'transport': 'graph', 'oauth2-token-url': 'https://login.example.org/t',
                            'oauth2-client-id': CLIENT_ID, key: value}
                with self.assertRaises(GLib.Error) as raised:
                    GW.add_profile(GW.unique('bad-graph'), settings)
                self.assertTrue(raised.exception.matches(Herald.error_quark(),
                                                         Herald.Error.INVALID_SETTING),
                                raised.exception.message)
        with self.assertRaises(GLib.Error) as raised:
            GW.add_profile(GW.unique('no-oauth'), {'transport': 'graph'})
        self.assertIn('oauth2-token-url', raised.exception.message)
        # Google's tokens are no good at Graph; an app-only token has no /me
        for extra, needle in (({'provider': 'gmail'}, 'gmail'),
                              ({'oauth2-grant': 'client-credentials'}, 'graph-user')):
            with self.subTest(extra=extra):
                settings = {'transport': 'graph', 'oauth2-token-url': 'https://login.example.org/t',
                            'oauth2-client-id': CLIENT_ID, **extra}
                with self.assertRaises(GLib.Error) as raised:
                    GW.add_profile(GW.unique('bad-graph'), settings)
                self.assertIn(needle, raised.exception.message)

    def test_microsoft365_preset(self):
        """provider=microsoft365 fills in the Graph scope, the endpoints with the
        tenant, and Exchange Online's limits; a set key still wins."""
        name = GW.add_profile(GW.unique('m365-graph'),
                              {'transport': 'graph', 'provider': 'microsoft365',
                               'oauth2-tenant': 'contoso.onmicrosoft.com',
                               'oauth2-client-id': CLIENT_ID, 'rate-limit': 10})
        profile = GW.client.get_profile_sync(name, None)
        self.assertEqual(profile.get_string('oauth2-scope'),
                         'https://graph.microsoft.com/Mail.Send offline_access')
        self.assertEqual(profile.get_string('oauth2-token-url'),
                         'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token')
        self.assertEqual(profile.get_setting('max-recipients-per-day').unpack(), 10000)
        self.assertEqual(profile.get_setting('rate-limit').unpack(), 10)
        app_only = GW.add_profile(GW.unique('m365-app'),
                                  {'transport': 'graph', 'provider': 'microsoft365',
                                   'oauth2-grant': 'client-credentials', 'graph-user': FROM,
                                   'oauth2-client-id': CLIENT_ID})
        self.assertEqual(GW.client.get_profile_sync(app_only, None).get_string('oauth2-scope'),
                         'https://graph.microsoft.com/.default')


if __name__ == '__main__':
    unittest.main(verbosity=2)
