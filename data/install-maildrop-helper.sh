#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# install-maildrop-helper.sh: gives the installed herald-maildrop its group
# and set-group-ID bit (mode 2755, group herald-drop), as a package's
# postinst would (Debian: dpkg-statoverride). Only when installing as root
# onto this system; otherwise prints what to do.
#
# Usage (meson.add_install_script): install-maildrop-helper.sh HELPER
set -eu

helper="${MESON_INSTALL_DESTDIR_PREFIX:-}/${1#/}"
case "$1" in
  /*) helper="${DESTDIR:-}$1" ;;
esac
note() {
  echo "herald-maildrop: $1; then run: chgrp herald-drop $1 && chmod 2755 $1" >&2
}
if [ -n "${DESTDIR:-}" ]; then
  echo "herald-maildrop installed into DESTDIR: the package must make it mode 2755, group herald-drop" >&2
elif [ "$(id -u)" != 0 ]; then
  echo "herald-maildrop: not installing as root; as root run: chgrp herald-drop $helper && chmod 2755 $helper" >&2
elif ! getent group herald-drop >/dev/null; then
  echo "herald-maildrop: the group herald-drop does not exist; create it (systemd-sysusers) and run: chgrp herald-drop $helper && chmod 2755 $helper" >&2
else
  chgrp herald-drop "$helper"
  chmod 2755 "$helper"
fi
