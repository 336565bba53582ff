# SPDX-License-Identifier: LGPL-2.1-or-later
# sasl_server.py: the server side of SMTP AUTH (RFC 4954) for the scripted
# servers, for every mechanism Herald speaks: PLAIN, LOGIN, CRAM-MD5,
# SCRAM-SHA-1, SCRAM-SHA-256 (RFC 5802, with the server signature, so the
# client's check of it passes), NTLM (Type 1 / Type 2 / Type 3; the Type 3
# answer is recorded, not verified: Python here has no MD4), XOAUTH2 and
# OAUTHBEARER (RFC 7628: an error challenge, the client's dummy answer, 535).
#
#   result = await SaslServer(users, tokens, send, readline).run(mechanism, initial)
#
# `send(bytes)` writes a reply, `readline()` returns the client's next line
# (bytes, or None at EOF). run() returns (accepted, user, responses): the
# client's lines after the AUTH command, which hold credentials.

import base64
import hashlib
import hmac
import json
import os
import struct

MECHANISMS = ('PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'NTLM',
              'XOAUTH2', 'OAUTHBEARER')
OK = b'235 2.7.0 Authentication successful\r\n'
FAILED = b'535 5.7.8 Authentication credentials invalid (Herald test)\r\n'
OAUTH_ERROR = {'status': '401', 'schemes': 'Bearer', 'scope': 'https://mail.herald.test/'}


def b64(data):
    return base64.b64encode(data).decode('ascii')


def unb64(text):
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError):
        return None


class SaslServer:
    def __init__(self, users, tokens, send, readline):
        self.users = users
        self.tokens = tokens
        self.send = send
        self.readline = readline
        self.responses = []

    async def challenge(self, data):
        """334 with DATA (bytes, base64-encoded here); the client's decoded
        answer, or None (EOF, "*" to cancel, or not base64)."""
        await self.send(b'334 ' + b64(data).encode() + b'\r\n')
        line = await self.readline()
        if line is None:
            return None
        self.responses.append(bytes(line))
        text = line.rstrip(b'\r\n').decode('ascii', 'replace')
        if text == '*':
            return None
        return unb64(text)

    async def first(self, initial):
        """The client's first message: the initial response, or the answer
        to an empty challenge."""
        if initial is not None:
            return b'' if initial == '=' else unb64(initial)
        return await self.challenge(b'')

    async def run(self, mechanism, initial):
        handler = getattr(self, 'mech_' + mechanism.replace('-', '_'), None)
        if handler is None:
            await self.send(b'504 5.5.4 Unrecognized authentication type\r\n')
            return False, None, self.responses
        accepted, user = await handler(mechanism, initial)
        if accepted is not None:
            await self.send(OK if accepted else FAILED)
        return bool(accepted), user, self.responses

    # --- the mechanisms: (accepted, user); accepted None = reply sent already

    async def mech_PLAIN(self, mechanism, initial):
        blob = await self.first(initial)
        parts = blob.split(b'\0') if blob is not None else []
        if len(parts) != 3:
            return False, None
        user, password = parts[1].decode('utf-8', 'replace'), parts[2].decode('utf-8', 'replace')
        return self.users.get(user) == password, user

    async def mech_LOGIN(self, mechanism, initial):
        user = await self.challenge(b'Username:') if initial is None else unb64(initial)
        if user is None:
            return False, None
        password = await self.challenge(b'Password:')
        user = user.decode('utf-8', 'replace')
        return password is not None and self.users.get(user) == password.decode('utf-8', 'replace'), user

    async def mech_CRAM_MD5(self, mechanism, initial):
        nonce = f'<{os.getpid()}.{b64(os.urandom(9))}@scripted.herald.test>'.encode()
        answer = await self.challenge(nonce)
        if answer is None or b' ' not in answer:
            return False, None
        user, digest = answer.rsplit(b' ', 1)
        user = user.decode('utf-8', 'replace')
        password = self.users.get(user)
        if password is None:
            return False, user
        expected = hmac.new(password.encode(), nonce, hashlib.md5).hexdigest().encode()
        return hmac.compare_digest(expected, digest), user

    async def mech_SCRAM_SHA_1(self, mechanism, initial):
        return await self.scram(hashlib.sha1, initial)

    async def mech_SCRAM_SHA_256(self, mechanism, initial):
        return await self.scram(hashlib.sha256, initial)

    async def scram(self, digest, initial):
        client_first = await self.first(initial)
        if client_first is None or not client_first.startswith(b'n,'):
            return False, None
        first_bare = client_first.split(b',', 2)[2].decode('utf-8', 'replace')
        fields = dict(item.split('=', 1) for item in first_bare.split(',') if '=' in item)
        user = fields.get('n')
        password = self.users.get(user)
        nonce = fields.get('r', '') + b64(os.urandom(12))
        salt = os.urandom(16)
        server_first = f'r={nonce},s={b64(salt)},i=4096'
        client_final = await self.challenge(server_first.encode())
        if client_final is None or password is None:
            return False, user
        final_text = client_final.decode('utf-8', 'replace')
        final_bare, _, proof = final_text.rpartition(',p=')
        salted = hashlib.pbkdf2_hmac(digest().name, password.encode(), salt, 4096)
        client_key = hmac.new(salted, b'Client Key', digest).digest()
        auth_message = f'{first_bare},{server_first},{final_bare}'.encode()
        signature = hmac.new(digest(client_key).digest(), auth_message, digest).digest()
        expected = bytes(a ^ b for a, b in zip(client_key, signature))
        if f'r={nonce}' not in final_bare.split(',') or unb64(proof) != expected:
            return False, user
        server_key = hmac.new(salted, b'Server Key', digest).digest()
        server_final = 'v=' + b64(hmac.new(server_key, auth_message, digest).digest())
        if await self.challenge(server_final.encode()) is None:
            return False, user
        return True, user

    async def mech_NTLM(self, mechanism, initial):
        type1 = await self.first(initial)
        if type1 is None or not type1.startswith(b'NTLMSSP\0\1\0\0\0'):
            return False, None
        # Type 2: signature, type, empty target name, flags (unicode, NTLM),
        # the server challenge, empty context and target info
        flags = 0x00000201 | 0x00008000
        type2 = (b'NTLMSSP\0' + struct.pack('<I', 2) + struct.pack('<HHI', 0, 0, 48) +
                 struct.pack('<I', flags) + os.urandom(8) + b'\0' * 8 + struct.pack('<HHI', 0, 0, 48))
        type3 = await self.challenge(type2)
        if type3 is None or not type3.startswith(b'NTLMSSP\0\3\0\0\0') or len(type3) < 52:
            return False, None
        length, _, offset = struct.unpack_from('<HHI', type3, 36)
        raw_user = type3[offset:offset + length]
        unicode = struct.unpack_from('<I', type3, 60)[0] & 1 if len(type3) >= 64 else 0
        user = raw_user.decode('utf-16-le' if unicode else 'latin-1', 'replace')
        return user in self.users, user

    async def mech_XOAUTH2(self, mechanism, initial):
        return await self.bearer(mechanism, initial)

    async def mech_OAUTHBEARER(self, mechanism, initial):
        return await self.bearer(mechanism, initial)

    async def bearer(self, mechanism, initial):
        blob = await self.first(initial)
        if blob is None:
            return False, None
        fields = {}
        for part in blob.split(b'\x01'):
            if b'=' in part:
                key, _, value = part.partition(b'=')
                fields[key.decode('ascii', 'replace')] = value.decode('utf-8', 'replace')
        user = fields.get('user')
        if mechanism == 'OAUTHBEARER':
            for item in blob.split(b'\x01', 1)[0].decode('utf-8', 'replace').split(','):
                if item.startswith('a='):
                    user = item[2:]
        auth = fields.get('auth', '')
        token = auth[7:] if auth.lower().startswith('bearer ') else None
        if token is not None and token in self.tokens:
            return True, user
        await self.challenge(json.dumps(OAUTH_ERROR).encode())
        return False, user
