#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# selfcheck.py: checks the test peers themselves, without Herald: the
# certificates, the private Postfix submission server (root only), smtp-sink,
# every scripted server mode, the OAuth token endpoint and the Graph sendMail
# endpoint, each driven by Python's smtplib / ssl / urllib. A failure here is
# the test bed's, not Herald's. Exit status 77 (skipped) when nothing could run.
#
#   /usr/bin/python3 tests/integration/selfcheck.py [certs|postfix|sink|scripted|oauth|graph ...]

import os
import sys
import traceback

# Under the sanitizer build this interpreter was started with the ASan
# runtime preloaded (it loads the instrumented libherald); the peers it
# starts (certtool, Postfix, smtp-sink) must not inherit that.
os.environ.pop('LD_PRELOAD', None)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def check_certs():
    import certs
    with certs.CertSet() as cs:
        for kind in certs.KINDS:
            assert certs.certtool_pin(cs.cert(kind)) == cs.pin(kind), kind
            assert len(cs.fingerprint(kind)) == 64
        assert cs.pin('server') == cs.pin('reissued')
        print('certs: OK')


def check_postfix():
    import postfix_submission
    reason = postfix_submission.missing_requirements()
    if reason:
        return reason
    postfix_submission.self_check()


def check_sink():
    import sink
    if not os.access(sink.SMTP_SINK, os.X_OK):
        return 'smtp-sink is missing (package postfix)'
    sink.self_check()


def check_scripted():
    try:
        import scripted_servers
    except ImportError as error:
        return f'python3-aiosmtpd is missing: {error}'
    scripted_servers.self_check()


def check_oauth():
    import oauth_server
    oauth_server.self_check()


def check_graph():
    import graph_server
    graph_server.self_check()


CHECKS = {'certs': check_certs, 'postfix': check_postfix, 'sink': check_sink,
          'scripted': check_scripted, 'oauth': check_oauth, 'graph': check_graph}


def main(argv):
    names = argv[1:] or list(CHECKS)
    failed, skipped, ran = [], [], 0
    for name in names:
        print(f'=== {name}', flush=True)
        try:
            reason = CHECKS[name]()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        if reason:
            print(f'SKIP {name}: {reason}')
            skipped.append(name)
        else:
            ran += 1
    print(f'=== ran {ran}, skipped {skipped or "none"}, failed {failed or "none"}')
    if failed:
        return 1
    return 0 if ran else 77


if __name__ == '__main__':
    sys.exit(main(sys.argv))
