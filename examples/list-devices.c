/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* list-devices: the audio capture devices GStreamer can see, each with the
 * pipeline fragment that captures from it.
 *
 *   $ list-devices --monitors
 *   Built-in Audio Analog Stereo (default)
 *     pulsesrc device=alsa_input.pci-0000_00_1f.3.analog-stereo
 *   Monitor of Built-in Audio Analog Stereo (monitor)
 *     pulsesrc device=alsa_output.pci-0000_00_1f.3.analog-stereo.monitor
 *
 * The fragment goes in front of the rest of a pipeline:
 *
 *   gst-launch-1.0 -e pulsesrc device=... ! audioconvert ! audioresample ! \
 *     audio/x-raw,format=S16LE,rate=48000,channels=2 ! \
 *     audiostreamsink host=receiver.example loopback=true
 *
 * It is printed so that it works both pasted into a shell and given to
 * gst_parse_launch() (stream.c's and stream.py's --device take it as is).
 */

#include <gst/gst.h>
#include <locale.h>
#include <string.h>

typedef struct
{
  gboolean all;
  gboolean monitors;
} Options;

/* ALSA's plugin PCMs: aliases and mixers over the real cards, not devices of
 * their own. */
static const gchar *const alsa_virtual_prefixes[] = {
  "default", "sysdefault", "null", "pulse", "pipewire", "jack", "oss",
  "dmix", "dsnoop", "plug", "plughw", "front", "rear", "center_lfe",
  "side", "surround", "iec958", "spdif", "hdmi", "usbstream", "lavrate",
  "samplerate", "speexrate", "upmix", "vdownmix", "speex", "array",
  NULL
};

static gchar *
device_properties_string (GstDevice * device, const gchar * field)
{
  GstStructure *props = gst_device_get_properties (device);
  gchar *value = NULL;

  if (props == NULL)
    return NULL;
  if (gst_structure_has_field_typed (props, field, G_TYPE_STRING))
    value = g_strdup (gst_structure_get_string (props, field));
  gst_structure_free (props);
  return value;
}

static gboolean
device_is_default (GstDevice * device)
{
  GstStructure *props = gst_device_get_properties (device);
  gboolean is_default = FALSE;

  if (props != NULL) {
    gst_structure_get_boolean (props, "is-default", &is_default);
    gst_structure_free (props);
  }
  return is_default;
}

/* A monitor captures what a sink plays (what-you-hear): PulseAudio marks it
 * device.class=monitor; PipeWire's PulseAudio server does the same, and
 * names it <sink>.monitor. */
static gboolean
device_is_monitor (GstDevice * device)
{
  gchar *klass = device_properties_string (device, "device.class");
  gchar *name = device_properties_string (device, "node.name");
  gboolean monitor;

  monitor = g_strcmp0 (klass, "monitor") == 0 ||
      (name != NULL && g_str_has_suffix (name, ".monitor"));
  g_free (klass);
  g_free (name);
  return monitor;
}

static gboolean
device_is_alsa (GstDevice * device)
{
  gchar *api = device_properties_string (device, "device.api");
  gboolean alsa = g_strcmp0 (api, "alsa") == 0;

  g_free (api);
  return alsa;
}

/* The ALSA name of the PCM the device's element would open: "hw:0,0",
 * "sysdefault:CARD=PCH", "default". */
static gchar *
alsa_pcm_name (GstDevice * device)
{
  GstElement *element = gst_device_create_element (device, NULL);
  gchar *name = NULL;

  if (element == NULL)
    return NULL;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "device"))
    g_object_get (element, "device", &name, NULL);
  gst_object_unref (gst_object_ref_sink (element));
  return name;
}

static gboolean
alsa_name_is_virtual (const gchar * pcm)
{
  gsize len;
  gint i;

  for (i = 0; alsa_virtual_prefixes[i] != NULL; i++) {
    len = strlen (alsa_virtual_prefixes[i]);
    /* "surround51:CARD=PCH,DEV=0" matches "surround" */
    if (strncmp (pcm, alsa_virtual_prefixes[i], len) == 0 &&
        (pcm[len] == '\0' || pcm[len] == ':' || g_ascii_isdigit (pcm[len])))
      return TRUE;
  }
  return FALSE;
}

/* Raw ALSA entries: the plugin PCMs always, and the hw:* cards when a sound
 * server (PulseAudio, PipeWire) lists devices, because the server holds
 * those cards and offers them under its own names. On a machine with ALSA
 * alone, the hw:* cards are the devices, so they stay. */
static gboolean
device_is_virtual (GstDevice * device, gboolean have_sound_server)
{
  gchar *pcm;
  gboolean is_virtual;

  if (!device_is_alsa (device))
    return FALSE;
  pcm = alsa_pcm_name (device);
  if (pcm == NULL)
    return FALSE;
  is_virtual = alsa_name_is_virtual (pcm) ||
      (have_sound_server && g_str_has_prefix (pcm, "hw:"));
  g_free (pcm);
  return is_virtual;
}

static gboolean
any_sound_server_device (GList * devices)
{
  GList *l;

  for (l = devices; l != NULL; l = l->next) {
    if (!device_is_alsa (l->data))
      return TRUE;
  }
  return FALSE;
}

static gboolean
device_is_listed (GstDevice * device, const Options * options,
    gboolean have_sound_server)
{
  if (device_is_monitor (device))
    return options->monitors;
  return options->all || !device_is_virtual (device, have_sound_server);
}

/* Quotes a value for both a shell and gst_parse_launch(): double quotes,
 * inside which both take a backslash as "the next character as is". */
static gchar *
quote_value (const gchar * value)
{
  GString *out;
  const gchar *p;

  if (*value != '\0' && strspn (value, "abcdefghijklmnopqrstuvwxyz"
          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:,/@+%") == strlen (value))
    return g_strdup (value);

  out = g_string_new ("\"");
  for (p = value; *p != '\0'; p++) {
    if (strchr ("\"\\$`", *p) != NULL)
      g_string_append_c (out, '\\');
    g_string_append_c (out, *p);
  }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static gboolean
property_is_settable (GParamSpec * pspec)
{
  return (pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE &&
      !(pspec->flags & (G_PARAM_CONSTRUCT_ONLY | G_PARAM_DEPRECATED)) &&
      strcmp (pspec->name, "name") != 0 && strcmp (pspec->name, "parent") != 0;
}

/* The property as gst-launch syntax; NULL when it has no text form. */
static gchar *
property_text (GObject * object, GParamSpec * pspec)
{
  GValue value = G_VALUE_INIT;
  gchar *text;

  g_value_init (&value, pspec->value_type);
  g_object_get_property (object, pspec->name, &value);
  if (G_VALUE_HOLDS_STRING (&value))
    text = g_value_dup_string (&value);
  else if (G_VALUE_HOLDS_OBJECT (&value) || (G_VALUE_HOLDS_BOXED (&value)
          && g_value_get_boxed (&value) == NULL))
    text = NULL;
  else
    text = gst_value_serialize (&value);
  g_value_unset (&value);
  return text;
}

/* "pulsesrc device=foo.monitor": the element the device creates, with the
 * properties it set, that is those that differ from a fresh element of the
 * same kind. */
static gchar *
pipeline_fragment (GstDevice * device)
{
  GstElement *element, *fresh;
  GParamSpec **specs;
  guint n, i;
  GString *out;

  element = gst_device_create_element (device, NULL);
  if (element == NULL)
    return NULL;
  gst_object_ref_sink (element);
  fresh = gst_element_factory_create (gst_element_get_factory (element), NULL);
  gst_object_ref_sink (fresh);

  out = g_string_new (GST_OBJECT_NAME (gst_element_get_factory (element)));
  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  for (i = 0; i < n; i++) {
    gchar *mine, *theirs, *quoted;

    if (!property_is_settable (specs[i]))
      continue;
    mine = property_text (G_OBJECT (element), specs[i]);
    theirs = property_text (G_OBJECT (fresh), specs[i]);
    if (mine != NULL && g_strcmp0 (mine, theirs) != 0) {
      quoted = quote_value (mine);
      g_string_append_printf (out, " %s=%s", specs[i]->name, quoted);
      g_free (quoted);
    }
    g_free (mine);
    g_free (theirs);
  }
  g_free (specs);
  gst_object_unref (fresh);
  gst_object_unref (element);
  return g_string_free (out, FALSE);
}

static void
print_device (GstDevice * device)
{
  gchar *name = gst_device_get_display_name (device);
  gchar *fragment = pipeline_fragment (device);
  GString *notes = g_string_new (NULL);

  if (device_is_default (device))
    g_string_append (notes, " (default)");
  if (device_is_monitor (device))
    g_string_append (notes, " (monitor)");

  g_print ("%s%s\n", name, notes->str);
  if (fragment != NULL)
    g_print ("  %s\n", fragment);
  else
    g_print ("  (no element can capture from it)\n");

  g_string_free (notes, TRUE);
  g_free (fragment);
  g_free (name);
}

/* Every audio capture device that the device providers report now. */
static GList *
probe_capture_devices (gboolean show_hidden_providers)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();
  GList *devices;

  gst_device_monitor_add_filter (monitor, "Audio/Source", NULL);
  /* PulseAudio's provider hides ALSA's (and PipeWire's hides both) to avoid
   * listing each card twice; --all shows them anyway. */
  gst_device_monitor_set_show_all_devices (monitor, show_hidden_providers);
  if (!gst_device_monitor_start (monitor)) {
    gst_object_unref (monitor);
    return NULL;
  }
  devices = gst_device_monitor_get_devices (monitor);
  gst_device_monitor_stop (monitor);
  gst_object_unref (monitor);
  return devices;
}

static gboolean
parse_options (int *argc, char ***argv, Options * options)
{
  GOptionEntry entries[] = {
    {"all", 'a', 0, G_OPTION_ARG_NONE, &options->all,
        "Also list ALSA's raw and virtual entries (hw:*, default, "
          "sysdefault, null, dmix ...) and devices of hidden providers", NULL},
    {"monitors", 'm', 0, G_OPTION_ARG_NONE, &options->monitors,
        "Also list monitor sources: what an output plays (loopback "
          "capture; stream it with loopback=true)", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  gboolean ok;

  ctx = g_option_context_new ("- list audio capture devices");
  g_option_context_set_summary (ctx,
      "Lists the audio capture devices GStreamer finds, each with the "
      "pipeline fragment\nthat captures from it, e.g. "
      "\"pulsesrc device=...\".");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
  }
  g_option_context_free (ctx);
  return ok;
}

int
main (int argc, char **argv)
{
  Options options = { FALSE, FALSE };
  GList *devices, *l;
  gboolean have_sound_server;
  guint listed = 0;

  setlocale (LC_ALL, "");
  if (!parse_options (&argc, &argv, &options))
    return 2;

  devices = probe_capture_devices (options.all);
  have_sound_server = any_sound_server_device (devices);
  for (l = devices; l != NULL; l = l->next) {
    if (device_is_listed (l->data, &options, have_sound_server)) {
      print_device (l->data);
      listed++;
    }
  }
  if (listed == 0)
    g_printerr ("No audio capture devices found.%s\n",
        options.all && options.monitors ? "" :
        " --all and --monitors may find more.");

  g_list_free_full (devices, gst_object_unref);
  return 0;
}
