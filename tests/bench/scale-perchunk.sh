#!/usr/bin/env bash
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# Per-chunk cost of N live streams in one process (docs/scale.md): the
# process's CPU, context switches and minor page faults over 4 s (from
# /proc; WINDOW=S seconds, a whole number), then its system calls over
# 5 s (strace -c -f), per chunk sent (one sendto per chunk).
#
#   bash tests/bench/scale-perchunk.sh N SINK PLUGIN_DIR
#   e.g. bash tests/bench/scale-perchunk.sh 50 audiostreamsink build/plugins/audiostream
#        bash tests/bench/scale-perchunk.sh 50 tcpclientsink build/plugins/audiostream
#
# RECEIVER=build/tests/bench/pcm-recv-multi reads with scale.py's receiver
# (RECORDS=N: its record array, 1000 by default; scale.py keeps them all)
# instead of the default Python one. LIVE=false uses a non-live source.
# SINK fakesink (sync=false) gives the floor: what the N sources and their
# pipeline cost without any network sink (no system call per chunk there);
# tcpclientsink-nosync (sync=false) the floor plus a plain send() of each
# buffer from its streaming thread. The CPU of the scheduler threads, and
# of the sources' streaming threads, is printed on its own (from each
# thread's schedstat). PERF=1 also records the process with perf for 4 s
# and prints the top symbols (PERF_LIMIT=P percent and PERF_LINES=N lines),
# the scheduler threads' split by library, and with SCHED_SYMBOLS=N their
# top N symbols. Needs strace; a benchmark, not a test.
set -eu
N=${1:-50}; SINK=${2:-audiostreamsink}; PLUGINS=${3:-build/plugins/audiostream}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cat > "$OUT/run.py" <<'PY'
import os, socket, sys, time
import gi
gi.require_version('Gst', '1.0')
from gi.repository import Gst
Gst.init(None)
n, sink, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
recv_bin = os.environ.get('RECEIVER')
if recv_bin:            # scale.py's receiver (C, epoll, kernel timestamps)
    import subprocess, tempfile
    rec = tempfile.NamedTemporaryFile(suffix='.rec', delete=False).name
    child = subprocess.Popen([recv_bin, '--out', rec, '--connections', str(n),
                              '--max-records', os.environ.get('RECORDS', '1000'),
                              '--accept-timeout',
                              '60'], stdout=subprocess.PIPE, text=True)
    port = int(child.stdout.readline())
    pid = child.pid
else:
    ls = socket.socket()
    ls.bind(('127.0.0.1', 0))
    ls.listen(4096)
    port = ls.getsockname()[1]
    pid = os.fork()
    if pid == 0:        # the receiver: reads and discards, another process
        import selectors
        sel = selectors.DefaultSelector()
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
        while True:
            for k, _ in sel.select():
                try:
                    if k.data is None:
                        c, _ = ls.accept()
                        c.setblocking(False)
                        sel.register(c, selectors.EVENT_READ, 1)
                    elif not k.fileobj.recv(1 << 20):
                        sel.unregister(k.fileobj)
                except BlockingIOError:
                    pass
    ls.close()
if sink == 'fakesink':       # the floor: what the sources cost alone
    props = 'sync=false async=false'
elif sink == 'tcpclientsink':
    props = 'host=127.0.0.1 port=%d sync=true' % port
elif sink == 'tcpclientsink-nosync':  # the send alone, no clock wait
    sink, props = 'tcpclientsink', 'host=127.0.0.1 port=%d sync=false' % port
else:
    props = 'host=127.0.0.1 port=%d prefill-ms=200 stats-interval-ms=0 %s' % (
        port, os.environ.get('SINK_PROPS', ''))
p = Gst.Pipeline()
for i in range(n):
    p.add(Gst.parse_bin_from_description(
        'audiotestsrc is-live=%s wave=silence samplesperbuffer=480 ! '
        'audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2 ! '
        '%s %s' % (os.environ.get('LIVE', 'true'), sink, props), False))
p.set_state(Gst.State.PLAYING)
print(os.getpid(), flush=True)
time.sleep(secs)
p.set_state(Gst.State.NULL)
os.kill(pid, 9)
if recv_bin:
    os.unlink(rec)
PY
GST_PLUGIN_PATH_1_0=$PLUGINS /usr/bin/python3 "$OUT/run.py" "$N" "$SINK" $(( 12 + ${WINDOW:-4} + (${PERF:-0} == 1 ? 5 : 0) )) > "$OUT/pid" &
RUN=$!
sleep 5
PID=$(head -1 "$OUT/pid")
/usr/bin/python3 - "$PID" <<'PY'
import os, sys, time
pid = sys.argv[1]
comm = open('/proc/%s/comm' % pid).read().strip()
def snap():
    # CPU time per thread from schedstat (the scheduler's own count, in ns;
    # stat's ticks are sampled and round per thread)
    v = n = sch = src = 0
    for t in os.listdir('/proc/%s/task' % pid):
        try:
            name = open('/proc/%s/task/%s/comm' % (pid, t)).read().strip()
            ns = int(open('/proc/%s/task/%s/schedstat' % (pid, t)).read()
                     .split()[0])
            # the unnamed threads besides the main one: audiostreamsink's
            # scheduler threads (sources, GLib pools and gmain have names)
            if t != pid and name == comm:
                sch += ns
            elif name.startswith('audiotestsrc'):
                # the sources' streaming threads: capture, and the sink's
                # render() (tcpclientsink's send too)
                src += ns
            for line in open('/proc/%s/task/%s/status' % (pid, t)):
                if line.startswith('voluntary_ctxt'): v += int(line.split()[1])
                if line.startswith('nonvoluntary_ctxt'): n += int(line.split()[1])
        except OSError:
            pass
    st = open('/proc/%s/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(st[11]) + int(st[12]), v, n, time.monotonic(), sch,
            int(st[7]), src)
a = snap(); time.sleep(float(os.environ.get('WINDOW', '4'))); b = snap()
dt = b[3] - a[3]
print('unnamed (scheduler) threads CPU %.3f cores, source threads %.3f' %
      ((b[4] - a[4]) / 1e9 / dt, (b[6] - a[6]) / 1e9 / dt))
print('process CPU %.3f cores, %.0f voluntary and %.0f involuntary '
      'context switches a second' % ((b[0] - a[0]) / os.sysconf('SC_CLK_TCK')
                                     / dt, (b[1] - a[1]) / dt,
                                     (b[2] - a[2]) / dt))
print('minor page faults %.0f a second' % ((b[5] - a[5]) / dt))
PY
if [ "${PERF:-0}" = 1 ]; then
  perf record -q -e cpu-clock -c 250000 -g -o "$OUT/perf.data" -p "$PID" -- sleep 4 > /dev/null 2>&1
  # the scheduler threads alone, by where their time goes: the kernel
  # (the sends), our library, the rest
  perf report -q -i "$OUT/perf.data" --comm "$(cat /proc/$PID/comm 2>/dev/null || echo python3)" \
      --percentage relative --no-children --sort dso -g none 2> /dev/null |
      grep -v '^$' | head -8 |
      sed 's/^/scheduler threads: /'
  # and their symbols (SCHED_SYMBOLS=N lines, 0 for none)
  perf report -q -i "$OUT/perf.data" --comm "$(cat /proc/$PID/comm 2>/dev/null || echo python3)" \
      --percentage relative --no-children --sort dso,symbol -g none 2> /dev/null |
      grep -v '^$' | head -${SCHED_SYMBOLS:-0} | sed 's/^/scheduler threads: /'
  perf report -q -i "$OUT/perf.data" --no-children --sort dso,symbol \
      --percent-limit ${PERF_LIMIT:-1.5} -g none 2> /dev/null | grep -v '^$' | head -${PERF_LINES:-40}
fi
timeout 5 strace -c -f -p "$PID" -o "$OUT/strace" > /dev/null 2>&1 || true
wait $RUN || true
# With io_uring (no sendto) per chunk means per nominal chunk: N x 100 a
# second for the 5 s.
awk -v nominal=$(( N * 500 )) '/sendto/ {chunks = $4} {lines[NR] = $0} END {
  if (chunks == 0) chunks = nominal;
  for (i = 1; i <= NR; i++) {
    n = split(lines[i], f);
    if (f[4] ~ /^[0-9]+$/ && chunks > 0)
      printf "%-16s %8d calls  %.3f per chunk\n", f[n], f[4], f[4] / chunks
  }}' "$OUT/strace"
