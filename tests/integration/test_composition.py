#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_composition.py: international addresses through the smtp transport
# against real aiosmtpd servers (issue 5, item 8): IDN domains go out in
# their ASCII form; a UTF-8 local part needs SMTPUTF8, and where the server
# does not offer it only that recipient fails, with a clear reason.
#
# Run from the build tree:  meson test -C BUILD --suite integration -v
# (same environment as test_smtp.py; see README.md)

import os
import sys
import unittest

os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Gateway, describe, recipients_by_address  # noqa: E402
import netutil  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
GW = None

try:
    from aiosmtpd.controller import Controller
except ImportError:     # reported per test
    Controller = None


class Recorder:
    """aiosmtpd handler: keeps each envelope (MAIL options, RCPTs)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.mail_options),
                              list(envelope.rcpt_tos), envelope.original_content))
        return '250 2.0.0 OK'


def setUpModule():
    global GW
    GW = Gateway()
    unittest.addModuleCleanup(GW.stop)
    GW.start()


class InternationalAddressTest(unittest.TestCase):

    def server(self, smtputf8):
        if Controller is None:
            if STRICT:
                raise AssertionError('missing test peer: python3-aiosmtpd')
            raise unittest.SkipTest('python3-aiosmtpd is not installed')
        recorder = Recorder()
        controller = Controller(recorder, hostname=netutil.LOOPBACK, port=netutil.free_port(),
                                enable_SMTPUTF8=smtputf8, ready_timeout=15)
        controller.start()
        self.addCleanup(controller.stop)
        return controller, recorder

    def profile(self, controller):
        return GW.add_profile(GW.unique('intl'), {
            'transport': 'smtp', 'host': netutil.LOOPBACK, 'port': controller.port,
            'security': 'none', 'auth': 'none', 'from-address': 'herald@herald.test',
            'connect-timeout': 5, 'conversation-timeout': 10, 'retry-interval': 3600,
            'max-connections': 1,
        })

    def final(self, delivery_id):
        netutil.wait_for(lambda: GW.delivery(delivery_id).is_final(), timeout=40,
                         message='delivery final')
        return GW.delivery(delivery_id)

    def test_without_smtputf8_only_the_utf8_mailbox_fails(self):
        controller, recorder = self.server(smtputf8=False)
        name = self.profile(controller)
        delivery = self.final(GW.send(name, ['jäne@herald.test', 'Jane <jane@bücher.example>',
                                             'plain@herald.test']))
        recipients = recipients_by_address(delivery)
        utf8 = recipients['jäne@herald.test']
        self.assertEqual(utf8.get_state(), 'failed', describe(delivery))
        self.assertIn('SMTPUTF8', utf8.get_reply() or '', describe(delivery))
        self.assertIn('not ASCII', utf8.get_reply() or '', describe(delivery))
        # the IDN domain went out as its A-label, without SMTPUTF8
        self.assertEqual(recipients['jane@xn--bcher-kva.example'].get_state(), 'sent', describe(delivery))
        self.assertEqual(recipients['plain@herald.test'].get_state(), 'sent', describe(delivery))
        self.assertEqual(len(recorder.messages), 1)
        mail_from, options, rcpts, content = recorder.messages[0]
        self.assertEqual(sorted(rcpts), ['jane@xn--bcher-kva.example', 'plain@herald.test'])
        self.assertNotIn('SMTPUTF8', options)
        self.assertIn(b'jane@xn--bcher-kva.example', content)

    def test_with_smtputf8_the_utf8_mailbox_goes(self):
        controller, recorder = self.server(smtputf8=True)
        name = self.profile(controller)
        delivery = self.final(GW.send(name, ['jäne@herald.test', 'plain@herald.test']))
        recipients = recipients_by_address(delivery)
        self.assertEqual(recipients['jäne@herald.test'].get_state(), 'sent', describe(delivery))
        self.assertEqual(recipients['plain@herald.test'].get_state(), 'sent', describe(delivery))
        mail_from, options, rcpts, content = recorder.messages[0]
        self.assertIn('SMTPUTF8', options)
        self.assertEqual(sorted(rcpts), ['jäne@herald.test', 'plain@herald.test'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
