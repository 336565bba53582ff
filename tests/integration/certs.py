#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# certs.py: test certificates made with GnuTLS's certtool into a temporary
# directory.
#
#   ca           a test CA ("Herald Test CA")
#   server       localhost / 127.0.0.1, signed by the CA            (key: server.key)
#   reissued     the SAME key as server, new serial and validity    (pin test)
#   expired      localhost / 127.0.0.1, signed by the CA, expired in 2020
#   wronghost    wrong.herald.invalid only, signed by the CA
#   selfsigned   localhost / 127.0.0.1, self-signed (its own key)
#   selfsigned2  localhost / 127.0.0.1, self-signed, yet another key (a second
#                untrusted server: trust scope)
#   other        localhost / 127.0.0.1, signed by the CA, ANOTHER key (pin mismatch)
#
# Use:
#   with certs.CertSet() as cs:
#       cs.ca_file, cs.cert('server'), cs.key('server'), cs.pin('server')
#
# Pins are the SHA-256 of the DER SubjectPublicKeyInfo, as 64 lower-case hex
# characters (what the profile's pinned-keys wants); spki_pin_base64() gives
# certtool's "pin-sha256:" form for cross-checks.
#
# Run as a script: ./certs.py DIR   generates into DIR and prints a summary.

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CERTTOOL = shutil.which('certtool') or '/usr/bin/certtool'

SERVER_NAMES = ('cn = "localhost"\n'
                'dns_name = "localhost"\n'
                'ip_address = "127.0.0.1"\n')

def _validity(days):
    """Template lines for a validity from a day ago to DAYS days ahead
    (a day back, so that no clock granularity makes a new certificate
    "not yet valid")."""
    fmt = '%Y-%m-%d %H:%M:%S UTC'
    now = time.time()
    return (f'activation_date = "{time.strftime(fmt, time.gmtime(now - 86400))}"\n'
            f'expiration_date = "{time.strftime(fmt, time.gmtime(now + days * 86400))}"\n')


KINDS = ('server', 'reissued', 'expired', 'wronghost', 'selfsigned', 'other', 'selfsigned2')


def _run(args, **kwargs):
    result = subprocess.run([CERTTOOL] + args, capture_output=True, text=True,
                            timeout=60, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f'certtool {" ".join(args)} failed: {result.stderr.strip()}')
    return result.stdout


def pem_to_der(path, label):
    """The DER bytes of the first PEM block labelled LABEL in PATH."""
    with open(path) as f:
        text = f.read()
    match = re.search(rf'-----BEGIN {label}-----\s*(.*?)\s*-----END {label}-----',
                      text, re.S)
    if not match:
        raise ValueError(f'no {label} in {path}')
    return base64.b64decode(''.join(match.group(1).split()))


def spki_der_of_key(key_path):
    """DER SubjectPublicKeyInfo of a private key (certtool --pubkey-info)."""
    out = _run(['--pubkey-info', '--load-privkey', key_path])
    match = re.search(r'-----BEGIN PUBLIC KEY-----\s*(.*?)\s*-----END PUBLIC KEY-----',
                      out, re.S)
    if not match:
        raise RuntimeError('certtool --pubkey-info printed no public key')
    return base64.b64decode(''.join(match.group(1).split()))


def spki_der_of_cert(cert_path):
    out = _run(['--pubkey-info', '--load-certificate', cert_path])
    match = re.search(r'-----BEGIN PUBLIC KEY-----\s*(.*?)\s*-----END PUBLIC KEY-----',
                      out, re.S)
    if not match:
        raise RuntimeError('certtool --pubkey-info printed no public key')
    return base64.b64decode(''.join(match.group(1).split()))


def spki_pin(cert_path):
    """SHA-256 of the certificate's SubjectPublicKeyInfo, 64 lower-case hex."""
    return hashlib.sha256(spki_der_of_cert(cert_path)).hexdigest()


def spki_pin_base64(cert_path):
    return base64.b64encode(hashlib.sha256(spki_der_of_cert(cert_path)).digest()).decode()


def certtool_pin(cert_path):
    """certtool's own "pin-sha256:BASE64" converted to hex (a cross-check)."""
    out = _run(['--certificate-info', '--infile', cert_path])
    match = re.search(r'pin-sha256:([A-Za-z0-9+/=]+)', out)
    if not match:
        raise RuntimeError('certtool printed no Public Key PIN')
    return base64.b64decode(match.group(1)).hex()


def fingerprint_sha256(cert_path):
    """SHA-256 of the certificate's DER, 64 lower-case hex."""
    return hashlib.sha256(pem_to_der(cert_path, 'CERTIFICATE')).hexdigest()


def normalise_hex(value):
    """Accepts a digest as hex (any case, ':' or ' ' separated), as
    "sha256:HEX", or as "pin-sha256:BASE64"/plain base64 of 32 bytes, and
    returns 64 lower-case hex characters (or the input stripped if it is
    none of these)."""
    text = (value or '').strip()
    for prefix in ('pin-sha256:', 'sha256:', 'sha256/', 'SHA256:'):
        if text.startswith(prefix):
            text = text[len(prefix):]
    compact = re.sub(r'[:\s]', '', text)
    if re.fullmatch(r'[0-9A-Fa-f]{64}', compact):
        return compact.lower()
    try:
        raw = base64.b64decode(text, validate=True)
        if len(raw) == 32:
            return raw.hex()
    except ValueError:
        pass
    return text


def _certtool_time(text):
    """certtool's "Sun Nov 22 16:51:51 UTC 2026" as seconds since the epoch."""
    import calendar
    return calendar.timegm(time.strptime(text, '%a %b %d %H:%M:%S UTC %Y'))


def validity(cert_path):
    """(not-before, not-after) in seconds since the epoch."""
    info = certificate_info(cert_path)
    return _certtool_time(info['not-before']), _certtool_time(info['not-after'])


def certificate_info(cert_path):
    """subject, issuer, not-before, not-after and serial as certtool prints them."""
    out = _run(['--certificate-info', '--infile', cert_path])
    info = {}
    for key, pattern in (('subject', r'^\s*Subject: (.*)$'),
                         ('issuer', r'^\s*Issuer: (.*)$'),
                         ('not-before', r'^\s*Not Before: (.*)$'),
                         ('not-after', r'^\s*Not After: (.*)$'),
                         ('serial', r'^\s*Serial Number \(hex\): (.*)$')):
        match = re.search(pattern, out, re.M)
        info[key] = match.group(1).strip() if match else None
    return info


class CertSet:
    """Every test certificate in a fresh temporary directory (or DIRECTORY).
    A context manager: the temporary directory is removed at the end."""

    def __init__(self, directory=None):
        self._tmp = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix='herald-certs-')
            directory = self._tmp.name
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)   # a daemon running as "herald" reads the CA file
        self.dir = directory
        self._generate()

    # paths
    def path(self, name):
        return os.path.join(self.dir, name)

    @property
    def ca_file(self):
        return self.path('ca.pem')

    @property
    def ca_key(self):
        return self.path('ca.key')

    def cert(self, kind):
        assert kind in KINDS, kind
        return self.path(f'{kind}.pem')

    def key(self, kind):
        assert kind in KINDS, kind
        return self.path({'reissued': 'server.key'}.get(kind, f'{kind}.key'))

    def chain(self, kind):
        """cert + key in one file (some servers want that)."""
        return self.path(f'{kind}-combined.pem')

    def pin(self, kind):
        return spki_pin(self.cert(kind))

    def fingerprint(self, kind):
        return fingerprint_sha256(self.cert(kind))

    def info(self, kind):
        return certificate_info(self.cert(kind))

    def validity(self, kind):
        return validity(self.cert(kind))

    # generation
    def _template(self, name, text):
        path = self.path(name + '.tmpl')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def _privkey(self, name):
        path = self.path(name)
        _run(['--generate-privkey', '--key-type=rsa', '--bits=2048', '--outfile', path])
        os.chmod(path, 0o644)   # read by Postfix's unprivileged smtpd too; test keys only
        return path

    def _signed(self, kind, key, template):
        _run(['--generate-certificate', '--load-privkey', key,
              '--load-ca-certificate', self.ca_file, '--load-ca-privkey', self.ca_key,
              '--template', self._template(kind, template), '--outfile', self.cert(kind)])

    def _generate(self):
        self._privkey('ca.key')
        _run(['--generate-self-signed', '--load-privkey', self.ca_key,
              '--template', self._template('ca', 'cn = "Herald Test CA"\n'
                                           'organization = "Herald tests"\n'
                                           'serial = 1\n' + _validity(30) +
                                           'ca\ncert_signing_key\ncrl_signing_key\n'),
              '--outfile', self.ca_file])
        server_key = self._privkey('server.key')
        self._signed('server', server_key,
                     SERVER_NAMES + 'organization = "Herald tests"\n'
                     'serial = 2\n' + _validity(30) +
                     'tls_www_server\nsigning_key\nencryption_key\n')
        # same key, new serial and a different validity period
        self._signed('reissued', server_key,
                     SERVER_NAMES + 'organization = "Herald tests reissued"\n'
                     'serial = 3\n' + _validity(60) +
                     'tls_www_server\nsigning_key\nencryption_key\n')
        self._signed('expired', self._privkey('expired.key'),
                     SERVER_NAMES + 'serial = 4\n'
                     'activation_date = "2019-01-01 00:00:00 UTC"\n'
                     'expiration_date = "2020-01-01 00:00:00 UTC"\n'
                     'tls_www_server\nsigning_key\nencryption_key\n')
        self._signed('wronghost', self._privkey('wronghost.key'),
                     'cn = "wrong.herald.invalid"\ndns_name = "wrong.herald.invalid"\n'
                     'serial = 5\n' + _validity(30) +
                     'tls_www_server\nsigning_key\nencryption_key\n')
        self._signed('other', self._privkey('other.key'),
                     SERVER_NAMES + 'serial = 6\n' + _validity(30) +
                     'tls_www_server\nsigning_key\nencryption_key\n')
        _run(['--generate-self-signed', '--load-privkey', self._privkey('selfsigned.key'),
              '--template', self._template('selfsigned', SERVER_NAMES +
                                           'serial = 7\n' + _validity(30) +
                                           'tls_www_server\nsigning_key\nencryption_key\n'),
              '--outfile', self.cert('selfsigned')])
        _run(['--generate-self-signed', '--load-privkey', self._privkey('selfsigned2.key'),
              '--template', self._template('selfsigned2', SERVER_NAMES +
                                           'organization = "Herald tests, second self-signed"\n'
                                           'serial = 8\n' + _validity(30) +
                                           'tls_www_server\nsigning_key\nencryption_key\n'),
              '--outfile', self.cert('selfsigned2')])
        for kind in KINDS:
            with open(self.chain(kind), 'w') as out:
                for part in (self.cert(kind), self.key(kind)):
                    with open(part) as f:
                        out.write(f.read())
        for name in os.listdir(self.dir):
            if name.endswith('.tmpl'):
                os.unlink(self.path(name))
        # the whole point of "reissued": same key, different certificate
        assert self.pin('server') == self.pin('reissued')
        assert self.fingerprint('server') != self.fingerprint('reissued')
        assert self.pin('server') != self.pin('other')
        assert self.pin('selfsigned') != self.pin('selfsigned2')

    # client certificates (issue 19): made on demand, not for every test
    def client_certs(self):
        """Makes (once) and returns a ClientCerts in this set's directory."""
        if getattr(self, '_client_certs', None) is None:
            self._client_certs = ClientCerts(self)
        return self._client_certs

    def cleanup(self):
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


class ClientCerts:
    """TLS client certificates, in the directory of a CertSet:

      client          CN "relay-client.herald.test", signed by the test CA
                      (RSA; tls_www_client)
      client-ec       CN "ec-client.herald.test", signed by the test CA (ECDSA
                      P-256 key in SEC 1 form, "BEGIN EC PRIVATE KEY")
      foreign         CN "relay-client.herald.test" too, signed by another CA
                      ("Foreign Test CA"), which no server here trusts
      expired-client  signed by the test CA, expired in 2020

    cert(kind), key(kind), fingerprint(kind) (SHA-256 of the DER, hex),
    postfix_fingerprint(kind) ("AB:CD:..." as Postfix writes it)."""

    KINDS = ('client', 'client-ec', 'foreign', 'expired-client')
    CN = {'client': 'relay-client.herald.test', 'client-ec': 'ec-client.herald.test',
          'foreign': 'relay-client.herald.test', 'expired-client': 'old-client.herald.test'}

    def __init__(self, certset):
        self.cs = certset
        self.dir = certset.dir
        foreign_key = self._key('foreign-ca.key')
        _run(['--generate-self-signed', '--load-privkey', foreign_key,
              '--template', self._template('foreign-ca', 'cn = "Foreign Test CA"\n'
                                           'serial = 1\n' + _validity(30) +
                                           'ca\ncert_signing_key\n'),
              '--outfile', self.path('foreign-ca.pem')])
        self._sign('client', self._key('client.key'), certset.ca_file, certset.ca_key,
                   _validity(30), serial=20)
        self._sign('client-ec', self._key('client-ec.key', ec=True), certset.ca_file,
                   certset.ca_key, _validity(30), serial=21)
        self._sign('foreign', self._key('foreign.key'), self.path('foreign-ca.pem'),
                   foreign_key, _validity(30), serial=22)
        self._sign('expired-client', self._key('expired-client.key'), certset.ca_file,
                   certset.ca_key, 'activation_date = "2019-01-01 00:00:00 UTC"\n'
                   'expiration_date = "2020-01-01 00:00:00 UTC"\n', serial=23)
        for name in os.listdir(self.dir):
            if name.endswith('.tmpl'):
                os.unlink(self.path(name))

    def path(self, name):
        return os.path.join(self.dir, name)

    def cert(self, kind):
        assert kind in self.KINDS, kind
        return self.path(f'{kind}.pem')

    def key(self, kind):
        assert kind in self.KINDS, kind
        return self.path(f'{kind}.key')

    def key_text(self, kind):
        with open(self.key(kind)) as f:
            return f.read()

    def cert_text(self, kind):
        with open(self.cert(kind)) as f:
            return f.read()

    def fingerprint(self, kind):
        return fingerprint_sha256(self.cert(kind))

    def postfix_fingerprint(self, kind):
        digest = self.fingerprint(kind).upper()
        return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))

    def _template(self, name, text):
        path = self.path(name + '.tmpl')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def _key(self, name, ec=False):
        path = self.path(name)
        if ec:
            # SEC 1 form ("BEGIN EC PRIVATE KEY"), as openssl ecparam writes it
            subprocess.run(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout',
                            '-out', path], check=True, capture_output=True, timeout=60)
        else:
            _run(['--generate-privkey', '--key-type=rsa', '--bits=2048', '--outfile', path])
        os.chmod(path, 0o600)
        return path

    def _sign(self, kind, key, ca_cert, ca_key, validity, serial):
        _run(['--generate-certificate', '--load-privkey', key,
              '--load-ca-certificate', ca_cert, '--load-ca-privkey', ca_key,
              '--template', self._template(kind, f'cn = "{self.CN[kind]}"\n'
                                           'organization = "Herald tests"\n'
                                           f'serial = {serial}\n' + validity +
                                           'tls_www_client\nsigning_key\n'),
              '--outfile', self.cert(kind)])


def main(argv):
    if len(argv) != 2:
        sys.exit(f'usage: {argv[0]} DIRECTORY')
    cs = CertSet(argv[1])
    print(f'ca       {cs.ca_file}')
    for kind in KINDS:
        info = cs.info(kind)
        print(f'{kind:10} {cs.cert(kind)}  key {cs.key(kind)}')
        print(f'           subject {info["subject"]}  issuer {info["issuer"]}')
        print(f'           valid {info["not-before"]} .. {info["not-after"]}')
        print(f'           spki pin {cs.pin(kind)} (certtool: {certtool_pin(cs.cert(kind))})')
        print(f'           sha256 {cs.fingerprint(kind)}')


if __name__ == '__main__':
    main(sys.argv)
