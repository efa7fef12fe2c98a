#!/usr/bin/python3
"""Run gst-inspect-1.0 on every element of the project's plugins, with
criticals fatal, and check that what a user reads there is complete: the
element's klass, its pad templates and a description for every property the
element defines itself.

Usage: test_inspect.py --plugin-dir DIR [--plugin-dir DIR ...]
The elements are discovered from the plugin files in those directories.
Needs AUDIOSTREAM_SOURCE_ROOT (set by meson).
"""

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys

SKIP = 77  # meson's exit code for a skipped test

# "  name                : blurb" in the "Element Properties:" section
PROPERTY_LINE = re.compile(r'^  (?P<name>[\w-]+)\s*:(?P<blurb>.*)$')


def load_generator(source_root):
    """The reference generator knows how to find and load the plugins."""
    path = os.path.join(source_root, 'scripts', 'gen-interface-ref.py')
    spec = importlib.util.spec_from_file_location('gen_interface_ref', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inspect_env(plugin_dirs):
    """Make sure gst-inspect-1.0 sees every plugin dir under test."""
    env = dict(os.environ, G_DEBUG='fatal_criticals',
               GST_INSPECT_NO_COLORS='1')
    paths = list(plugin_dirs)
    if env.get('GST_PLUGIN_PATH_1_0'):
        paths.append(env['GST_PLUGIN_PATH_1_0'])
    env['GST_PLUGIN_PATH_1_0'] = os.pathsep.join(paths)
    return env


def property_blurbs(output):
    """{name: blurb} from gst-inspect's "Element Properties:" section."""
    blurbs = {}
    in_properties = False
    for line in output.splitlines():
        # Blank lines occur inside the section (after a structure's value).
        if line and not line.startswith(' '):
            in_properties = line.startswith('Element Properties:')
            continue
        match = PROPERTY_LINE.match(line) if in_properties else None
        if match:
            blurbs[match.group('name')] = match.group('blurb').strip()
    return blurbs


def check_element(gen, inspect, factory, env):
    """Problems found in gst-inspect's output for one element."""
    name = factory.get_name()
    result = subprocess.run([inspect, name], env=env, capture_output=True,
                            text=True)
    problems = []
    if result.returncode != 0:
        problems.append('exit status %d' % result.returncode)
    for level in ('CRITICAL', 'WARNING'):
        if level in result.stderr:
            problems.append('%s in stderr:\n%s' % (level, result.stderr))

    klass = factory.get_metadata('klass')
    if not re.search(r'^\s*Klass\s+%s$' % re.escape(klass), result.stdout,
                     re.MULTILINE):
        problems.append('klass %r not printed' % klass)

    templates = factory.get_static_pad_templates()
    if not templates:
        problems.append('no pad template')
    for template in templates:
        if "template: '%s'" % template.name_template not in result.stdout:
            problems.append('pad template %r not printed'
                            % template.name_template)

    blurbs = property_blurbs(result.stdout)
    for spec in gen.own_properties(factory.get_element_type()):
        if spec.name not in blurbs:
            problems.append('property %s not printed' % spec.name)
        elif not spec.blurb or blurbs[spec.name] in ('', '(null)'):
            problems.append('property %s has no description' % spec.name)
    return ['%s: %s' % (name, problem) for problem in problems]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--plugin-dir', action='append', required=True)
    args = parser.parse_args()

    inspect = shutil.which('gst-inspect-1.0')
    if inspect is None:
        print('SKIP: gst-inspect-1.0 not found (gstreamer1.0-tools)')
        return SKIP

    gen = load_generator(os.environ['AUDIOSTREAM_SOURCE_ROOT'])
    gen.Gst.init(None)
    factories = [factory
                 for _, plugin_factories
                 in gen.load_plugins_factories(args.plugin_dir)
                 for factory in plugin_factories]
    if not factories:
        print('no element found in %s' % ', '.join(args.plugin_dir))
        return 1

    env = inspect_env(args.plugin_dir)
    problems = []
    for factory in factories:
        found = check_element(gen, inspect, factory, env)
        print('%s %s' % ('FAIL' if found else 'ok  ', factory.get_name()))
        problems += found

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
