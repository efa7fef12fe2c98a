#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""gst-launch-1.0 exits when audiostreamsink fails before PLAYING.

    gst-launch-1.0 audiotestsrc num-buffers=50 ! audio/x-raw,... !
      audiostreamsink host=127.0.0.1 port=<refused> auto-reconnect=false

used to hang about one run in six under load after printing the connect
ERROR. The network thread connects at once and was refused while the
pipeline was still inside set_state(PAUSED); gst-launch-1.0 quits its main
loop from its sync bus handler, before it has started running that loop,
so the quit was lost, and the pipeline, which an ERROR stops from
prerolling, never went on. The sink now tells a fatal ERROR only once it
is PLAYING, or after 1 s (sender.c, hold_error_until_playing()).

The test runs the line 30 times while two busy loops load both cores, each
run with a 10 s timeout: every run must exit with status 1 and the
receiver's name in the ERROR.
"""

import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import require_element, run_tests  # noqa: E402
import peers  # noqa: E402

GST_LAUNCH = shutil.which('gst-launch-1.0')
RUNS = 30
TIMEOUT_S = 10


@unittest.skipUnless(GST_LAUNCH, 'gst-launch-1.0 not installed '
                     '(Debian package gstreamer1.0-tools)')
class TestLaunchExitsOnConnectError(unittest.TestCase):

    def setUp(self):
        require_element(self)

    def load_cores(self, n=2):
        for _ in range(n):
            proc = subprocess.Popen(['sh', '-c', 'while :; do :; done'],
                                    start_new_session=True)
            self.addCleanup(self._stop, proc)

    @staticmethod
    def _stop(proc):
        proc.kill()
        proc.wait(5)

    def test_refused_without_reconnect_exits_every_time(self):
        port = peers.unused_port()
        argv = [GST_LAUNCH, 'audiotestsrc', 'num-buffers=50', '!',
                'audio/x-raw,format=S16LE,rate=48000,channels=2', '!',
                'audiostreamsink', 'host=127.0.0.1', 'port=%d' % port,
                'auto-reconnect=false']
        self.load_cores()
        hung, codes, durations = 0, [], []
        for _ in range(RUNS):
            t0 = time.monotonic()
            try:
                run = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                     capture_output=True, text=True,
                                     timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                hung += 1
                continue
            durations.append(time.monotonic() - t0)
            codes.append(run.returncode)
            self.assertIn('Could not connect to 127.0.0.1 port %d: '
                          'Connection refused.' % port, run.stderr)
        print('\n%d runs: %d hung, exit codes %s, slowest exit %.2f s' %
              (RUNS, hung, sorted(set(codes)), max(durations or [0])))
        self.assertEqual(hung, 0, '%d of %d runs hung' % (hung, RUNS))
        self.assertEqual(set(codes), {1})


if __name__ == '__main__':
    run_tests()
