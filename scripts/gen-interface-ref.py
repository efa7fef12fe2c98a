#!/usr/bin/python3
"""Write a JSON reference of the interface of every element in the plugins
found in the given directories, in the spirit of GStreamer's
gst_plugins_cache.json.

Usage: gen-interface-ref.py --plugin-dir DIR [--plugin-dir DIR ...]
                            [--output FILE]

Only the given plugins are described; the system plugins stay loadable so
that anything they provide still resolves.  Nothing is instantiated: every
value comes from the element class and its param specs, so a write-only
property (a secret) is never read.  The output depends only on the plugins,
never on the machine or the time it was generated.
"""

import argparse
import json
import math
import os
import sys

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, GObject, Gst  # noqa: E402

PLUGIN_SUFFIXES = ('.so', '.dylib', '.dll')

PARAM_FLAG_NAMES = (
    (int(GObject.ParamFlags.READABLE), 'readable'),
    (int(GObject.ParamFlags.WRITABLE), 'writable'),
    (int(GObject.ParamFlags.CONSTRUCT), 'construct'),
    (int(GObject.ParamFlags.CONSTRUCT_ONLY), 'construct-only'),
    (Gst.PARAM_MUTABLE_READY, 'mutable-ready'),
    (Gst.PARAM_MUTABLE_PAUSED, 'mutable-paused'),
    (Gst.PARAM_MUTABLE_PLAYING, 'mutable-playing'),
    (Gst.PARAM_CONTROLLABLE, 'controllable'),
    (Gst.PARAM_DOC_SHOW_DEFAULT, 'doc-show-default'),
    (Gst.PARAM_CONDITIONALLY_AVAILABLE, 'conditionally-available'),
    (int(GObject.ParamFlags.DEPRECATED), 'deprecated'),
)

# Fundamental types whose param spec default is a plain JSON value.
SCALAR_TYPES = (
    GObject.TYPE_BOOLEAN, GObject.TYPE_CHAR, GObject.TYPE_UCHAR,
    GObject.TYPE_INT, GObject.TYPE_UINT, GObject.TYPE_LONG,
    GObject.TYPE_ULONG, GObject.TYPE_INT64, GObject.TYPE_UINT64,
    GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE, GObject.TYPE_STRING,
)

SIGNAL_RUN_STAGES = (
    (int(GObject.SignalFlags.RUN_FIRST), 'first'),
    (int(GObject.SignalFlags.RUN_LAST), 'last'),
    (int(GObject.SignalFlags.RUN_CLEANUP), 'cleanup'),
)


def find_plugin_files(plugin_dirs):
    """Plugin modules directly inside each directory, in a stable order."""
    files = []
    for plugin_dir in plugin_dirs:
        if not os.path.isdir(plugin_dir):
            raise SystemExit('not a directory: %s' % plugin_dir)
        for name in sorted(os.listdir(plugin_dir)):
            path = os.path.join(plugin_dir, name)
            if name.endswith(PLUGIN_SUFFIXES) and os.path.isfile(path):
                files.append(os.path.realpath(path))
    return files


def load_plugin(path):
    """Load one plugin file; fail loudly rather than describe a stale copy
    that the registry may hold under the same name."""
    try:
        plugin = Gst.Plugin.load_file(path)
    except GLib.Error as err:
        raise SystemExit('cannot load plugin %s: %s' % (path, err.message))
    if os.path.realpath(plugin.get_filename()) != path:
        raise SystemExit('loading %s gave plugin %s from %s instead'
                         % (path, plugin.get_name(), plugin.get_filename()))
    return plugin


def element_factories(plugin):
    """The loaded element factories the plugin registered, by name."""
    registry = Gst.Registry.get()
    factories = []
    for feature in registry.get_feature_list_by_plugin(plugin.get_name()):
        if not isinstance(feature, Gst.ElementFactory):
            continue
        owner = feature.get_plugin()
        if owner is None or owner.get_filename() != plugin.get_filename():
            continue
        factories.append(feature.load())
    return sorted(factories, key=lambda factory: factory.get_name())


def load_plugins_factories(plugin_dirs):
    """(plugin, [element factories]) for every plugin file in the dirs."""
    return [(plugin, element_factories(plugin))
            for plugin in map(load_plugin, find_plugin_files(plugin_dirs))]


def type_hierarchy(gtype):
    """Type names from the element's own type up to the root type."""
    names = []
    while gtype is not None and gtype != GObject.TYPE_INVALID:
        names.append(gtype.name)
        gtype = gtype.parent
    return names


def type_interfaces(gtype):
    return sorted(iface.name for iface in GObject.type_interfaces(gtype))


def rank_name(rank):
    for value, member in Gst.Rank.__enum_values__.items():
        if value == rank:
            return member.value_nick
    return str(rank)


def describe_pad_templates(factory):
    templates = {}
    for template in factory.get_static_pad_templates():
        templates[template.name_template] = {
            'caps': template.static_caps.get().to_string(),
            'direction': template.direction.value_nick,
            'presence': template.presence.value_nick,
        }
    return templates


def own_properties(gtype):
    """Param specs the element type installs itself, sorted by name."""
    specs = [spec for spec in GObject.list_properties(gtype)
             if spec.owner_type == gtype]
    return sorted(specs, key=lambda spec: spec.name)


def param_flags(spec):
    flags = int(spec.flags)
    names = [name for bit, name in PARAM_FLAG_NAMES if flags & bit]
    if 'writable' in names and 'readable' not in names:
        names.append('write-only')
    return names


def json_number(value):
    """JSON has no infinities or NaN: spell them out instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def enum_values(spec):
    """(value, nick, description) of an enum or flags param spec's type."""
    if spec.value_type.fundamental == GObject.TYPE_ENUM:
        return [(int(value), member.value_nick, member.value_name)
                for value, member
                in spec.enum_class.__enum_values__.items()]
    return [(int(value), member.first_value_nick, member.first_value_name)
            for value, member in spec.flags_class.__flags_values__.items()]


def enum_default(spec):
    default = int(spec.default_value)
    for value, nick, _ in enum_values(spec):
        if value == default:
            return nick
    return default


def flags_default(spec):
    """Set flags as nicks joined by '+', like gst_value_serialize()."""
    default = int(spec.default_value)
    values = enum_values(spec)
    nicks = [nick for value, nick, _ in values
             if value != 0 and default & value == value]
    if nicks:
        return '+'.join(nicks)
    zero = [nick for value, nick, _ in values if value == 0]
    return zero[0] if zero else str(default)


def default_value(spec):
    """The param spec's default as a JSON value; null for boxed/objects."""
    fundamental = spec.value_type.fundamental
    if fundamental == GObject.TYPE_ENUM:
        return enum_default(spec)
    if fundamental == GObject.TYPE_FLAGS:
        return flags_default(spec)
    if fundamental in SCALAR_TYPES:
        return json_number(spec.default_value)
    return None


def describe_enum_type(spec):
    kind = 'enum' if spec.value_type.fundamental == GObject.TYPE_ENUM \
        else 'flags'
    return {
        'kind': kind,
        'values': [{'desc': desc, 'name': nick, 'value': value}
                   for value, nick, desc in enum_values(spec)],
    }


def describe_property(spec, types):
    """One property; records its enum/flags type in `types`."""
    prop = {
        'blurb': spec.blurb,
        'default': default_value(spec),
        'flags': param_flags(spec),
        'type': spec.value_type.name,
    }
    if hasattr(spec, 'minimum'):
        prop['min'] = json_number(spec.minimum)
        prop['max'] = json_number(spec.maximum)
    if spec.value_type.fundamental in (GObject.TYPE_ENUM,
                                       GObject.TYPE_FLAGS):
        types[spec.value_type.name] = describe_enum_type(spec)
    return prop


def describe_signal(query):
    flags = int(query.signal_flags)
    signal = {
        'args': [{'name': 'arg%d' % i, 'type': gtype.name}
                 for i, gtype in enumerate(query.param_types)],
        'return-type': query.return_type.name,
        'when': [name for bit, name in SIGNAL_RUN_STAGES if flags & bit],
    }
    if flags & int(GObject.SignalFlags.ACTION):
        signal['action'] = True
    return signal


def own_signals(gtype):
    """Signals and action signals the element type defines itself."""
    signals, actions = {}, {}
    for signal_id in GObject.signal_list_ids(gtype):
        query = GObject.signal_query(signal_id)
        signal = describe_signal(query)
        target = actions if signal.get('action') else signals
        target[query.signal_name] = signal
    return signals, actions


def describe_element(factory, types):
    gtype = factory.get_element_type()
    # Signals only exist once the class is initialised.
    GObject.type_class_ref(gtype)
    element = {
        'author': factory.get_metadata(Gst.ELEMENT_METADATA_AUTHOR),
        'description':
            factory.get_metadata(Gst.ELEMENT_METADATA_DESCRIPTION),
        'hierarchy': type_hierarchy(gtype),
        'interfaces': type_interfaces(gtype),
        'klass': factory.get_metadata(Gst.ELEMENT_METADATA_KLASS),
        'long-name': factory.get_metadata(Gst.ELEMENT_METADATA_LONGNAME),
        'pad-templates': describe_pad_templates(factory),
        'properties': {spec.name: describe_property(spec, types)
                       for spec in own_properties(gtype)},
        'rank': rank_name(factory.get_rank()),
    }
    signals, actions = own_signals(gtype)
    if signals:
        element['signals'] = signals
    if actions:
        element['actions'] = actions
    return element


def describe_plugin(plugin, factories, types):
    return {
        'description': plugin.get_description(),
        'elements': {factory.get_name(): describe_element(factory, types)
                     for factory in factories},
        'filename': os.path.basename(plugin.get_filename()),
        'license': plugin.get_license(),
        'origin': plugin.get_origin(),
        'package': plugin.get_package(),
        'source': plugin.get_source(),
    }


def build_reference(plugin_dirs):
    types = {}
    plugins = {plugin.get_name(): describe_plugin(plugin, factories, types)
               for plugin, factories in load_plugins_factories(plugin_dirs)}
    return {'plugins': plugins, 'types': types}


def to_json(reference):
    return json.dumps(reference, indent=2, sort_keys=True,
                      ensure_ascii=False) + '\n'


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--plugin-dir', action='append', required=True,
                        help='directory holding plugin modules (repeatable)')
    parser.add_argument('--output',
                        help='file to write (default: standard output)')
    return parser.parse_args(argv)


def write_output(text, path):
    if path is None:
        sys.stdout.write(text)
        return
    with open(path, 'w', encoding='utf-8') as out:
        out.write(text)


def main(argv=None):
    args = parse_args(argv)
    Gst.init(None)
    reference = build_reference(args.plugin_dir)
    if not reference['plugins']:
        raise SystemExit('no plugin found in %s' % ', '.join(args.plugin_dir))
    write_output(to_json(reference), args.output)


if __name__ == '__main__':
    main()
