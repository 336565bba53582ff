#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# send-with-attachment.py: send a notification with an attachment through
# libherald and follow it, asynchronously, to its final state.
#
#   ./send-with-attachment.py --to admin@example.org --attach report.pdf \
#       [--subject TEXT] [--profile NAME] [--system] [--timeout SECONDS]
#
# The notification is built from its properties, the attachment is a
# Gio.File, and a finished delivery says what became of it in one line
# (delivery.props.summary).
#
# Exit status: 0 sent, 1 failed, partly sent or cancelled, 2 a Herald error
# (printed with its Herald.Error code, e.g. NO_SUCH_PROFILE), 3 no final
# state in time.

import argparse
import sys

import gi
gi.require_version('Herald', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio, Herald  # noqa: E402

FINAL = (Herald.DeliveryState.SENT, Herald.DeliveryState.PARTIAL,
         Herald.DeliveryState.FAILED, Herald.DeliveryState.CANCELLED)


class Example:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.client = None
        self.delivery_id = None
        self.status = 3

    def run(self):
        bus = Gio.BusType.SYSTEM if self.args.system else Gio.BusType.SESSION
        Herald.Client.new(bus, None, self.on_client)
        GLib.timeout_add_seconds(self.args.timeout, self.on_timeout)
        self.loop.run()
        return self.status

    def fail(self, error):
        # typed errors arrive as GLib.Error in the Herald.Error domain
        if error.domain == GLib.quark_to_string(Herald.error_quark()):
            code = Herald.Error(error.code)
            print(f'Herald error {code.value_nick}: {error.message}', file=sys.stderr)
            if error.matches(Herald.error_quark(), Herald.Error.NO_SUCH_PROFILE):
                print('hint: "heraldctl profile list" shows the profiles', file=sys.stderr)
        else:
            print(f'error: {error.message}', file=sys.stderr)
        self.status = 2
        self.loop.quit()

    def on_client(self, source, result):
        try:
            self.client = Herald.Client.new_finish(result)
        except GLib.Error as error:
            return self.fail(error)
        # subscribe before sending, so no state change can be missed
        self.client.connect('delivery-changed', self.on_delivery_changed)

        notification = Herald.Notification(
            to=[self.args.to], subject=self.args.subject, profile=self.args.profile,
            body='The attached file was sent by the libherald Python example.')
        try:
            notification.add_attachment_file(Gio.File.new_for_commandline_arg(self.args.attach),
                                             None, None, None)
        except GLib.Error as error:
            return self.fail(error)
        self.client.send(notification, None, self.on_sent)

    def on_sent(self, client, result):
        try:
            self.delivery_id = client.send_finish(result)
        except GLib.Error as error:
            return self.fail(error)
        print(f'delivery {self.delivery_id} accepted')
        # a state reached before our subscription was active: ask once
        client.get_delivery(self.delivery_id, None, self.on_delivery)

    def on_delivery(self, client, result):
        try:
            delivery = client.get_delivery_finish(result)
        except GLib.Error as error:
            return self.fail(error)
        if delivery.props.final:
            self.finish(delivery.props.state, delivery.props.summary)

    def on_delivery_changed(self, client, delivery_id, state, delivery):
        if delivery_id != self.delivery_id:
            return
        print(f'delivery {delivery_id}: {state.value_nick}')
        if state in FINAL:
            # the signal carries no recipients: ask for the whole delivery
            client.get_delivery(delivery_id, None, self.on_delivery)

    def finish(self, state, summary=None):
        if not self.loop.is_running():
            return
        print(f'final state: {state.value_nick}')
        if summary:
            print(f'summary: {summary}')
        self.status = 0 if state == Herald.DeliveryState.SENT else 1
        self.loop.quit()

    def on_timeout(self):
        print(f'no final state within {self.args.timeout} s', file=sys.stderr)
        self.loop.quit()
        return GLib.SOURCE_REMOVE


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--to', required=True)
    parser.add_argument('--attach', required=True)
    parser.add_argument('--subject', default='A file from the Herald Python example')
    parser.add_argument('--profile')
    parser.add_argument('--system', action='store_true')
    parser.add_argument('--timeout', type=int, default=60)
    return Example(parser.parse_args()).run()


if __name__ == '__main__':
    sys.exit(main())
