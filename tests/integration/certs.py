# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Certificates for the TLS tests, made with the `openssl` command line in a
temporary directory (the same commands docs/guide-audiostreamsink.md gives):
a test CA, a server certificate for localhost / 127.0.0.1, a client
certificate, an expired server certificate, one for the wrong name, and a
server certificate from a second CA nobody trusts.

    from certs import Certs
    c = Certs()           # c.ca, c.server, c.client, c.expired, ...
    c.server.cert, c.server.key
"""

import os
import shutil
import subprocess
import tempfile

CA_CONFIG = """\
[ ca ]
default_ca = testca

[ testca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none

[ anything ]
commonName = supplied

[ server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {san}

[ client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
"""


def openssl_available():
    return shutil.which('openssl') is not None


class Pair:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key


class Certs:
    """All the test's certificates, in self.dir (removed by close())."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='as-tls-')
        self.ca = self._make_ca('ca', 'gst-audiostream test CA')
        self.other_ca = self._make_ca('other-ca', 'untrusted CA')
        self.server = self._leaf(self.ca, 'server', 'localhost', 'server',
                                 'DNS:localhost,IP:127.0.0.1')
        self.client = self._leaf(self.ca, 'client', 'test sender', 'client')
        self.expired = self._leaf(self.ca, 'expired', 'localhost', 'server',
                                  'DNS:localhost,IP:127.0.0.1',
                                  start='20200101000000Z',
                                  end='20200201000000Z')
        self.wrong_name = self._leaf(self.ca, 'wrong-name',
                                     'somewhere.example', 'server',
                                     'DNS:somewhere.example')
        self.unknown_ca = self._leaf(self.other_ca, 'unknown-ca',
                                     'localhost', 'server',
                                     'DNS:localhost,IP:127.0.0.1')

    def path(self, name):
        return os.path.join(self.dir, name)

    def _run(self, *args):
        subprocess.run(['openssl'] + list(args), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _new_key_args(self, key):
        return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
                '-nodes', '-keyout', key]

    def _make_ca(self, name, cn):
        cadir = self.path(name + '.d')
        os.mkdir(cadir)
        with open(os.path.join(cadir, 'index.txt'), 'w'):
            pass
        with open(os.path.join(cadir, 'serial'), 'w') as f:
            f.write('1000\n')
        cert, key = self.path(name + '.pem'), self.path(name + '.key')
        self._run('req', '-x509', *self._new_key_args(key), '-out', cert,
                  '-subj', '/CN=' + cn, '-days', '30',
                  '-addext', 'basicConstraints=critical,CA:TRUE',
                  '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
        pair = Pair(cert, key)
        pair.dir = cadir
        return pair

    def _leaf(self, ca, name, cn, kind, san='DNS:unused.invalid',
              start=None, end=None):
        cert, key = self.path(name + '.pem'), self.path(name + '.key')
        csr = self.path(name + '.csr')
        cnf = self.path(name + '.cnf')
        with open(cnf, 'w') as f:
            f.write(CA_CONFIG.format(dir=ca.dir, san=san))
        self._run('req', '-new', *self._new_key_args(key), '-out', csr,
                  '-subj', '/CN=' + cn)
        dates = (['-startdate', start, '-enddate', end] if start else
                 ['-days', '30'])
        self._run('ca', '-batch', '-notext', '-config', cnf,
                  '-cert', ca.cert, '-keyfile', ca.key, '-in', csr,
                  '-out', cert, '-extensions', kind, *dates)
        return Pair(cert, key)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
