#!/usr/bin/python3
"""Fail when docs/plugins/gst_plugins_cache.json no longer matches the
interface of the built plugins, so that every change to a property, pad
template or signal arrives as a reviewed diff of that file.

Usage: test_interface_ref.py --plugin-dir DIR [--plugin-dir DIR ...]
Needs AUDIOSTREAM_SOURCE_ROOT and AUDIOSTREAM_BUILD_ROOT (set by meson).
"""

import argparse
import difflib
import os
import subprocess
import sys
import tempfile

REFERENCE = os.path.join('docs', 'plugins', 'gst_plugins_cache.json')
GENERATOR = os.path.join('scripts', 'gen-interface-ref.py')


def generate(source_root, plugin_dirs, output):
    command = [sys.executable, os.path.join(source_root, GENERATOR),
               '--output', output]
    for plugin_dir in plugin_dirs:
        command += ['--plugin-dir', plugin_dir]
    subprocess.run(command, check=True)


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return f.readlines()


def regenerate_hint(build_root):
    return 'ninja -C %s update-interface-ref' % build_root


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--plugin-dir', action='append', required=True)
    args = parser.parse_args()
    source_root = os.environ['AUDIOSTREAM_SOURCE_ROOT']
    build_root = os.environ['AUDIOSTREAM_BUILD_ROOT']
    committed = os.path.join(source_root, REFERENCE)

    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, 'gst_plugins_cache.json')
        generate(source_root, args.plugin_dir, fresh)
        fresh_lines = read_lines(fresh)

    if not os.path.exists(committed):
        print('%s is missing; create it with:\n  %s'
              % (REFERENCE, regenerate_hint(build_root)))
        return 1

    diff = list(difflib.unified_diff(read_lines(committed), fresh_lines,
                                     REFERENCE + ' (committed)',
                                     REFERENCE + ' (built)'))
    if not diff:
        print('%s is up to date' % REFERENCE)
        return 0

    sys.stdout.writelines(diff)
    print('\n%s is stale: the built plugins\' interface changed (diff above,'
          ' committed -> built).\nIf the change is intended, regenerate and'
          ' commit the file:\n  %s' % (REFERENCE, regenerate_hint(build_root)))
    return 1


if __name__ == '__main__':
    sys.exit(main())
