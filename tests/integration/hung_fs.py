#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# hung_fs.py: a FUSE file system (python3-fusepy) with one file, stuck.txt,
# whose reads hang like a file on a network mount whose server went away,
# until the test creates CONTROL/release. CONTROL/reading appears when the
# first read arrives. Runs in the foreground until unmounted.
#
#   hung_fs.py MOUNTPOINT CONTROL_DIR

import errno
import os
import stat
import sys
import time

try:
    from fusepy import FUSE, FuseOSError, Operations   # Debian's python3-fusepy
except ImportError:
    from fuse import FUSE, FuseOSError, Operations

CONTENT = b'attachment read through a hung mount\n'
NAME = '/stuck.txt'
LONGEST_HANG = 300      # seconds: a forgotten test still ends


class HungFs(Operations):
    def __init__(self, control):
        self.control = control

    def getattr(self, path, fh=None):
        now = time.time()
        if path == '/':
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_ctime=now, st_mtime=now, st_atime=now)
        if path == NAME:
            return dict(st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=len(CONTENT),
                        st_ctime=now, st_mtime=now, st_atime=now)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..', NAME[1:]]

    def open(self, path, flags):
        if path != NAME:
            raise FuseOSError(errno.ENOENT)
        return 0

    def read(self, path, size, offset, fh):
        open(os.path.join(self.control, 'reading'), 'w').close()
        deadline = time.monotonic() + LONGEST_HANG
        while not os.path.exists(os.path.join(self.control, 'release')) and time.monotonic() < deadline:
            time.sleep(0.05)
        return CONTENT[offset:offset + size]


if __name__ == '__main__':
    mountpoint, control = sys.argv[1], sys.argv[2]
    # direct_io: every read reaches us (no page cache answers it).
    FUSE(HungFs(control), mountpoint, foreground=True, nothreads=False, ro=True, direct_io=True)
