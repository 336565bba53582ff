#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_cockpit.py: Herald's Cockpit page in a real browser. The parts are
# Debian's: cockpit-ws on 127.0.0.1 without TLS (PAM login as a user created
# for the test), headless Chromium driven by chromedriver through Selenium,
# a dbus-daemon --system of our own on /run/dbus/system_bus_socket (the path
# Cockpit's bridge uses) with Herald's bus policy, the real polkitd with
# Herald's actions and a rules file granting the test user's group, heraldd
# --system as the user "herald", and a Postfix submission server (STARTTLS,
# SASL) whose certificate is self-signed.
#
# The story: log in; add a profile pointing at Postfix (password written,
# never read back); Test it and see the certificate refused; trust it with
# one click and test again, successfully; send a notification and watch it
# turn "sent" in the live deliveries list. Screenshots of each page go to
# BUILD/tests/browser/screenshots/.
#
# OAuth 2.0 sign-in: a local HTTPS provider (tests/integration/oauth_server.py,
# device grant, certificate of the test CA that the profile's ca-file names);
# the page's Sign in button shows the code, the test approves it at the
# provider as the person would, and the profile turns ready; a declined and
# a cancelled sign-in show why. No token or secret ever reaches the page.
#
#   meson test -C BUILD browser --print-errorlogs       (root; slow suite)

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

import sysbus  # noqa: E402  (first: it sets up gi)
from gi.repository import GLib  # noqa: E402
import certs  # noqa: E402
import netutil  # noqa: E402
import postfix_submission  # noqa: E402

STRICT = os.environ.get('HERALD_INTEGRATION_STRICT') == '1'
SYSTEM_SOCKET = '/run/dbus/system_bus_socket'
COCKPIT_WS = '/usr/lib/cockpit/cockpit-ws'
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
USER = 'herald-t-admin'
PASSWORD = 'Cockpit-Test-Pass-31'
SMTP_USER = 'alerts'
SMTP_PASSWORD = 'Smtp-Secret_Pw-58'
WAIT = 20
OAUTH_CLIENT_ID = 'herald-cockpit-client'
OAUTH_CLIENT_SECRET = 'Cockpit-Client-Secret-7f3a'
OAUTH_ACCESS = 'cockpit-access-token-1b9e'

RULES = '''// Installed by Herald's browser test: the admins group may do everything,
// and so may root (the test's own calls that set up a profile).
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.herald.gateway.") == 0 &&
        (subject.isInGroup("herald-t-admins") || subject.user == "root"))
        return polkit.Result.YES;
    return polkit.Result.NOT_HANDLED;
});
'''


def missing_requirements():
    reason = sysbus.missing_requirements()
    if reason:
        return reason
    for path in (COCKPIT_WS, CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f'{path} is missing (cockpit-ws, chromium, chromium-driver)'
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'python3-selenium is not installed'
    if postfix_submission.missing_requirements():
        return postfix_submission.missing_requirements()
    if os.path.exists(SYSTEM_SOCKET):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(SYSTEM_SOCKET)
            return 'a system bus runs already; the test needs its own'
        except OSError:
            os.unlink(SYSTEM_SOCKET)     # a stale socket of a bus that is gone
    return None


def need(reason):
    if reason:
        if STRICT:
            raise AssertionError(f'missing test peer: {reason}')
        raise unittest.SkipTest(reason)


def install_page(user):
    """The Cockpit package as meson installs it, in USER's
    ~/.local/share/cockpit/herald (the bridge reads packages at login)."""
    build = os.environ['HERALD_BUILD_ROOT']
    stage = tempfile.mkdtemp(prefix='herald-cockpit-')
    subprocess.run(['meson', 'install', '-C', build, '--no-rebuild', '--tags', 'cockpit',
                    '--destdir', stage, '--quiet'], check=True, capture_output=True, timeout=120)
    found = [root for root, dirs, _ in os.walk(stage) if root.endswith(os.path.join('cockpit', 'herald'))]
    if not found:
        raise AssertionError('meson install put no cockpit/herald anywhere')
    target = os.path.join(user.pw_dir, '.local', 'share', 'cockpit', 'herald')
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copytree(found[0], target)
    # No Overview preload: it would start packagekit.
    config = os.path.join(user.pw_dir, '.config', 'cockpit')
    os.makedirs(config, exist_ok=True)
    with open(os.path.join(config, 'systemd.override.json'), 'w') as f:
        f.write('{ "preload": null }\n')
    subprocess.run(['chown', '-R', f'{user.pw_uid}:{user.pw_gid}',
                    os.path.join(user.pw_dir, '.local'), os.path.join(user.pw_dir, '.config')], check=True)
    shutil.rmtree(stage, ignore_errors=True)


class CockpitPageTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        need(missing_requirements())
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        cls.cleanups = []
        try:
            cls.start(webdriver, Service)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls, webdriver, Service):
        cls.users = sysbus.TestUsers()
        cls.cleanups.append(cls.users.remove)
        admins = cls.users.group('herald-t-admins')
        cls.user = cls.users.add(USER, [admins], home=True)
        subprocess.run(['chpasswd'], input=f'{USER}:{PASSWORD}\n', text=True, check=True)
        install_page(cls.user)

        cls.bus = sysbus.SystemBus(socket=SYSTEM_SOCKET).start()
        cls.cleanups.append(cls.bus.stop)
        cls.bus.polkit.install_rules('50-herald-browser-test.rules', RULES)
        cls.daemon = sysbus.SystemDaemon(cls.bus)
        cls.cleanups.append(cls.daemon.tmp.cleanup)
        cls.daemon.start()
        cls.cleanups.append(cls.daemon.stop)

        cls.certs = certs.CertSet()
        cls.cleanups.append(cls.certs.cleanup)
        cls.postfix = postfix_submission.PostfixSubmission(
            cls.certs, users={SMTP_USER: SMTP_PASSWORD}, cert_kind='selfsigned')
        cls.cleanups.append(cls.postfix.cleanup)
        cls.postfix.start()
        cls.cleanups.append(cls.postfix.stop)

        cls.ws_port = netutil.free_port()
        cls.ws_log = open(os.path.join(cls.bus.tmp, 'cockpit-ws.log'), 'w')
        cls.ws = subprocess.Popen([COCKPIT_WS, '--no-tls', '--address', '127.0.0.1',
                                   '--port', str(cls.ws_port)],
                                  stdout=cls.ws_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        cls.cleanups.append(cls.stop_ws)
        netutil.wait_listening(cls.ws_port, process=cls.ws)
        cls.base = f'http://127.0.0.1:{cls.ws_port}'

        cls.shots = os.path.join(os.environ['HERALD_BUILD_ROOT'], 'tests', 'browser', 'screenshots')
        os.makedirs(cls.shots, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage',
                         '--window-size=1400,1000', '--lang=en-US'):
            options.add_argument(argument)
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        cls.chrome_home = tempfile.mkdtemp(prefix='herald-chromium-')
        options.add_argument(f'--user-data-dir={cls.chrome_home}')
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        cls.cleanups.append(cls.driver.quit)

    @classmethod
    def stop_ws(cls):
        sysbus.stop_process(cls.ws)
        cls.ws_log.close()

    @classmethod
    def tearDownClass(cls):
        for cleanup in reversed(getattr(cls, 'cleanups', [])):
            try:
                cleanup()
            except Exception as error:    # keep cleaning up
                print(f'cleanup: {error}', file=sys.stderr)
        if getattr(cls, 'chrome_home', None):
            shutil.rmtree(cls.chrome_home, ignore_errors=True)

    # --- helpers ------------------------------------------------------------

    def wait(self, condition, timeout=WAIT):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            return WebDriverWait(self.driver, timeout,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(condition)
        except TimeoutException:
            self.driver.save_screenshot(os.path.join(self.shots, 'failure.png'))
            raise AssertionError(f'timed out waiting in the page\n{self.log_text()}') from None

    def find(self, css, timeout=WAIT):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), timeout)

    def click(self, css):
        """Clicks CSS once it is clickable; a tab that re-renders between
        finding and clicking is found again."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        for attempt in range(5):
            element = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
            try:
                element.click()
                return element
            except StaleElementReferenceException:
                if attempt == 4:
                    raise
                time.sleep(0.1)

    def fill(self, css, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        element = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
        element.clear()
        element.send_keys(text)

    def choose(self, css, value):
        from selenium.webdriver.support.ui import Select
        Select(self.find(css)).select_by_value(value)

    def screenshot(self, name):
        self.driver.switch_to.default_content()
        self.driver.save_screenshot(os.path.join(self.shots, f'{name}.png'))
        self.enter_page()

    def enter_page(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        self.wait(EC.frame_to_be_available_and_switch_to_it(
            (By.CSS_SELECTOR, "iframe[name='cockpit1:localhost/herald']")))

    def log_text(self):
        return (f'--- heraldd ---\n{self.daemon.log_text()[-4000:]}\n'
                f'--- browser console ---\n{self.console()}')

    def console(self):
        try:
            return '\n'.join(str(e) for e in self.driver.get_log('browser'))
        except Exception:
            return ''

    def profile_row(self, name):
        return f'#profiles tr[data-profile="{name}"]'

    def log_in(self, user=USER):
        """A fresh session as USER (the cookies of another test are dropped)."""
        self.driver.switch_to.default_content()
        self.driver.delete_all_cookies()
        self.driver.get(self.base + '/herald')
        self.fill('#login-user-input', user)
        self.fill('#login-password-input', PASSWORD)
        self.click('#login-button')
        self.enter_page()
        self.find('body[data-ready="true"]')

    # --- the story ----------------------------------------------------------

    def test_profile_test_trust_send(self):
        driver = self.driver
        driver.get(self.base + '/herald')
        self.fill('#login-user-input', USER)
        self.fill('#login-password-input', PASSWORD)
        self.click('#login-button')
        self.enter_page()
        self.find('body[data-ready="true"]')
        self.find('#profiles tr[data-profile="local"]')
        self.assertIn('Herald', self.find('#status').text)
        self.screenshot('01-profiles')

        # Add a profile with the fields the gateway declares.
        self.click('#add-profile')
        self.fill('#profile-name', 'relay')
        self.choose('#profile-transport', 'smtp')
        self.find('#profile-fields [data-key="host"]')
        self.fill('[data-key="host"]', 'localhost')
        self.fill('[data-key="port"]', str(self.postfix.port))
        self.choose('[data-key="security"]', 'starttls')
        self.choose('[data-key="auth"]', 'plain')
        self.fill('[data-key="username"]', SMTP_USER)
        self.fill('[data-key="password"]', SMTP_PASSWORD)
        self.fill('[data-key="from-address"]', 'herald@example.org')
        self.fill('[data-key="conversation-timeout"]', '20')
        self.screenshot('02-add-profile')
        self.click('#profile-save')
        self.find(self.profile_row('relay'))
        self.wait(lambda d: not d.find_elements('css selector', '#profile-dialog'))
        settings = self.daemon_profile('relay')
        self.assertEqual((settings['host'], settings['port'], settings['username']),
                         ('localhost', self.postfix.port, SMTP_USER))
        self.assertTrue(settings['password-set'])

        # The password can be written but is never read back.
        self.click(self.profile_row('relay') + ' [data-action="edit"]')
        password = self.find('#profile-fields [data-key="password"]')
        self.assertEqual(password.get_attribute('value'), '')
        self.assertIn('set', password.get_attribute('placeholder'))
        self.assertNotIn(SMTP_PASSWORD, driver.page_source)
        self.click('#profile-dialog .pf-m-link')

        # Test: the self-signed certificate is refused, with its details.
        self.click(self.profile_row('relay') + ' [data-action="test"]')
        self.fill('#test-recipient', 'ops@example.org')
        self.click('#run-test')
        verdict = self.find('#test-result[data-ok]', timeout=60)
        self.assertEqual(verdict.get_attribute('data-ok'), 'false', self.log_text())
        details = self.find('#test-result .herald-certificate')
        self.assertEqual(details.get_attribute('data-fingerprint'), self.certs.fingerprint('selfsigned'))
        self.assertIn('unknown-ca', details.text)
        self.screenshot('03-test-refused-certificate')

        # Trust it with one click, test again: accepted.
        self.click('#trust-certificate')
        self.find('#trusted-note')
        self.click('#test-again')
        self.wait(lambda d: d.find_element('css selector', '#test-result').get_attribute('data-ok') == 'true',
                  timeout=60)
        self.assertIn('250', self.find('#test-reply').text)
        transcript = self.find('#test-transcript').get_attribute('textContent')
        self.assertIn('AUTH', transcript)
        self.assertNotIn(SMTP_PASSWORD, transcript)
        self.screenshot('04-test-passed')
        self.click('#close-test')
        self.find(self.profile_row('relay') + ' [data-state="sent"]')

        # The trust manager lists the pin.
        self.click('#tab-certificates')
        self.find(f'#trusted tr[data-profile="relay"][data-pin="{self.certs.pin("selfsigned")}"]')
        self.screenshot('05-certificates')

        # Deliveries: a notification sent now turns "sent" in the live list.
        self.click('#tab-deliveries')
        self.find('#deliveries')
        delivery_id = self.send_notification('relay')
        row = f'#deliveries tr[data-delivery="{delivery_id}"]'
        self.find(row)
        self.find(row + '[data-state="sent"]', timeout=60)
        self.click(row + ' [data-action="details"]')
        self.find('#delivery-details .herald-state[data-state="sent"]')
        self.assertIn('ops@example.org', self.find('#delivery-details').text)
        self.screenshot('06-deliveries')
        self.postfix.wait_delivered(recipient='ops@example.org')

        # Outgoing log and routes.
        self.click('#tab-log')
        self.find(f'#log tr[data-delivery="{delivery_id}"][data-result="sent"]')
        self.screenshot('07-log')
        self.click('#tab-routes')
        editor = self.find('#routes-json')
        self.assertIn('"rules"', editor.get_attribute('value'))
        self.fill('#check-to', 'ops@example.org')
        self.click('#check-route')
        self.find('#check-jobs tr[data-profile="local"]')
        self.screenshot('08-routes')

        # Delete, with a confirmation.
        self.click('#tab-profiles')
        self.click(self.profile_row('relay') + ' [data-action="delete"]')
        self.click('#confirm-delete')
        self.wait(lambda d: not d.find_elements('css selector', self.profile_row('relay')))
        self.assertNotIn('relay', [p['name'] for p in self.daemon_profiles()])

    def test_refusal_names_the_polkit_action(self):
        """A user outside the admins group is refused management calls; the
        page says which polkit action the call needs."""
        from selenium.webdriver.common.by import By
        plain = self.users.add('herald-t-viewer', home=True)
        subprocess.run(['chpasswd'], input=f'herald-t-viewer:{PASSWORD}\n', text=True, check=True)
        install_page(plain)
        driver = self.driver
        driver.delete_all_cookies()
        driver.get(self.base + '/herald')
        self.fill('#login-user-input', 'herald-t-viewer')
        self.fill('#login-password-input', PASSWORD)
        self.click('#login-button')
        self.enter_page()
        self.find('body[data-ready="true"]')
        self.click('#add-profile')
        self.fill('#profile-name', 'viewer-profile')
        self.find('#profile-fields [data-key="host"]')
        self.fill('[data-key="host"]', 'localhost')
        self.fill('[data-key="from-address"]', 'viewer@example.org')
        self.click('#profile-save')
        alert = self.find('.pf-c-alert[data-kind="danger"]')
        self.assertIn('org.herald.gateway.manage-profiles', alert.text)
        self.screenshot('09-not-authorised')
        self.assertNotIn('viewer-profile', [p['name'] for p in self.daemon_profiles()])
        driver.find_element(By.CSS_SELECTOR, '#profile-dialog .pf-m-link').click()
        driver.switch_to.default_content()
        driver.delete_all_cookies()

    def test_sign_in(self):
        """OAuth 2.0 sign-in from the page: the code on the page, approved
        at the provider; then declined; then cancelled."""
        import oauth_server
        try:
            import scripted_servers
        except ImportError as error:
            need(f'python3-aiosmtpd is missing: {error}')
        oauth = oauth_server.OAuthServer(refresh_token='admin-set-refresh-token', client_id=OAUTH_CLIENT_ID,
                                         client_secret=OAUTH_CLIENT_SECRET, access_tokens=[OAUTH_ACCESS],
                                         certset=self.certs)
        self.addCleanup(oauth.stop)
        oauth.start()
        # An SMTP server that takes XOAUTH2 with the provider's access token.
        smtp = scripted_servers.ScriptedServer('xoauth2', certset=self.certs, tokens=[OAUTH_ACCESS])
        self.addCleanup(smtp.stop)
        smtp.start()
        self.call('AddProfile', '(sa{sv})', ['o365', {
            'transport': GLib.Variant('s', 'smtp'),
            'host': GLib.Variant('s', 'localhost'),
            'port': GLib.Variant('s', str(smtp.port)),
            'security': GLib.Variant('s', 'starttls'),
            'ca-file': GLib.Variant('s', self.certs.ca_file),
            'auth': GLib.Variant('s', 'xoauth2'),
            'username': GLib.Variant('s', 'alerts@example.org'),
            'from-address': GLib.Variant('s', 'alerts@example.org'),
            'conversation-timeout': GLib.Variant('s', '20'),
            'oauth2-token-url': GLib.Variant('s', oauth.url),
            'oauth2-device-url': GLib.Variant('s', oauth.endpoint('devicecode')),
            'oauth2-client-id': GLib.Variant('s', OAUTH_CLIENT_ID),
            'oauth2-scope': GLib.Variant('s', 'https://outlook.office.com/SMTP.Send offline_access')}])
        self.addCleanup(self.call, 'RemoveProfile', '(s)', ['o365'])
        self.call('SetSecret', '(sss)', ['o365', 'oauth2-client-secret', OAUTH_CLIENT_SECRET])
        # A test without a refresh token: the profile needs a sign-in.
        result = self.call('TestProfile', '(ss)', ['o365', 'ops@example.org'])[0]
        self.assertFalse(result['ok'], result)
        self.assertEqual(self.daemon_profile('o365')['state'], 'sign-in-required')

        self.log_in()
        row = self.profile_row('o365')
        self.find(row + ' [data-profile-state="sign-in-required"]')
        # Only OAuth profiles offer a sign-in.
        self.assertFalse(self.driver.find_elements('css selector',
                                                   self.profile_row('local') + ' [data-action="sign-in"]'))

        # Sign in: the page shows the address and the code; the person
        # enters the code at the provider and approves.
        self.click(row + ' [data-action="sign-in"]')
        code = self.find('#sign-in-code').text
        self.assertEqual(code, oauth.wait_for_user_code())
        link = self.find('#sign-in-link')
        self.assertEqual(link.get_attribute('href'), f'{oauth.base_url}/device')
        self.assertEqual(link.get_attribute('target'), '_blank')
        # "verify" with the code, then "waiting" while the provider is polled
        self.assertIn(self.find('#sign-in-status').get_attribute('data-stage'), ('verify', 'waiting'))
        self.assertIn('Waiting', self.find('#sign-in-status').text)
        self.screenshot('10-sign-in-code')
        oauth.approve(code)
        status = self.find('#sign-in-status[data-stage="done"]', timeout=60)
        self.assertIn('Signed in', status.text)
        self.screenshot('11-signed-in')
        self.assertEqual(self.daemon_profile('o365')['state'], 'ready')
        self.assertTrue(self.daemon_profile('o365')['oauth2-refresh-token-set'])
        self.click('#close-sign-in')
        self.wait(lambda d: not d.find_elements('css selector', '#sign-in-dialog'))
        # The list was drawn anew: no longer "sign-in required", and the
        # gateway's record of the failed test shows.
        self.find(row + ' [data-last-test="failed"]')

        # Signed in, the profile passes its Test; the gateway keeps the
        # outcome, so it is still shown after the page is loaded again.
        self.click(row + ' [data-action="test"]')
        self.fill('#test-recipient', 'ops@example.org')
        self.click('#run-test')
        self.wait(lambda d: d.find_element('css selector', '#test-result').get_attribute('data-ok') == 'true',
                  timeout=60)
        self.click('#close-test')
        self.find(row + ' [data-last-test="passed"]')
        self.driver.refresh()
        self.enter_page()
        self.find('body[data-ready="true"]')
        summary = self.find(row + ' [data-last-test="passed"]').text
        kept = self.daemon_profile('o365')['last-test']
        self.assertTrue(kept['ok'])
        self.assertIn(kept['summary'], summary)
        self.screenshot('12-last-test-after-reload')

        # Declined at the provider: the page says so, in the gateway's words.
        self.click(row + ' [data-action="sign-in"]')
        self.wait(lambda d: d.find_element('css selector', '#sign-in-code').text not in ('', code))
        declined = self.find('#sign-in-code').text
        self.assertEqual(declined, oauth.wait_for_user_code())
        oauth.deny(declined)
        status = self.find('#sign-in-status[data-stage="failed"]', timeout=60)
        self.assertIn('declined', status.text)
        self.assertIn('sign-in failed', status.text.lower())
        self.assertFalse(self.driver.find_elements('css selector', '#cancel-sign-in'))
        self.screenshot('13-sign-in-declined')
        self.click('#close-sign-in')

        # Cancelled from the page: CancelSignIn ends it.
        self.click(row + ' [data-action="sign-in"]')
        self.wait(lambda d: d.find_element('css selector', '#sign-in-code').text not in ('', code, declined))
        self.click('#cancel-sign-in')
        status = self.find('#sign-in-status[data-stage="failed"]', timeout=30)
        self.assertIn('cancelled', status.text)
        self.click('#close-sign-in')

        # No token or secret ever reached the page.
        page = self.driver.page_source
        secrets = [OAUTH_CLIENT_SECRET, OAUTH_ACCESS, 'admin-set-refresh-token', *oauth.signed_in,
                   *oauth.devices.keys()]
        self.assertTrue(oauth.signed_in)
        for secret in secrets:
            self.assertNotIn(secret, page)
        for entry in self.driver.get_log('browser'):
            for secret in secrets:
                self.assertNotIn(secret, str(entry))

    # --- the gateway, asked directly ---------------------------------------

    def call(self, method, signature=None, args=()):
        from gi.repository import Gio
        reply = self.bus.connection.call_sync(
            'org.herald.Gateway1', '/org/herald/Gateway1', 'org.herald.Gateway1', method,
            GLib.Variant(signature, tuple(args)) if signature else None, None,
            Gio.DBusCallFlags.NONE, 30000, None)
        return reply.unpack()

    def daemon_profile(self, name):
        return self.call('GetProfile', '(s)', [name])[0]

    def daemon_profiles(self):
        return self.call('ListProfiles')[0]

    def send_notification(self, profile):
        return self.call('Send', '(a{sv})', [{
            'to': GLib.Variant('as', ['ops@example.org']),
            'subject': GLib.Variant('s', 'Disk almost full'),
            'body': GLib.Variant('s', 'Sent while the Cockpit page watched.\n'),
            'profile': GLib.Variant('s', profile)}])[0]


if __name__ == '__main__':
    unittest.main(verbosity=2)
