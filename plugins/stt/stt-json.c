/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The checks every server message passes before json-glib parses it, and
 * typed access to what it holds. */

#include "stt-json.h"

#include <string.h>

G_DEFINE_QUARK (gst-stt-error-quark, gst_stt_error);

/* ------------------------------------------------------------------------ */
/* JSON syntax                                                               */

typedef enum
{
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE,        /* just after '[' */
  EXPECT_KEY,
  EXPECT_KEY_OR_CLOSE,          /* just after '{' */
  EXPECT_COLON,
  AFTER_VALUE,
} JsonExpect;

static gboolean
is_json_space (gchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gint
hex4 (const gchar * p, gsize left)
{
  gint v = 0, i;

  if (left < 4)
    return -1;
  for (i = 0; i < 4; i++) {
    gint d = g_ascii_xdigit_value (p[i]);

    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Scans the string starting at data[*i] == '"'; leaves *i after it. */
static gboolean
scan_string (const gchar * data, gsize size, gsize * i)
{
  gsize p = *i + 1;

  while (p < size) {
    guchar c = data[p];

    if (c == '"') {
      *i = p + 1;
      return TRUE;
    }
    if (c < 0x20)
      return FALSE;
    if (c != '\\') {
      p++;
      continue;
    }
    if (++p >= size)
      return FALSE;
    if (strchr ("\"\\/bfnrt", data[p]) != NULL && data[p] != '\0') {
      p++;
    } else if (data[p] == 'u') {
      gint u = hex4 (data + p + 1, size - p - 1);

      if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
        return FALSE;           /* not hex, or a lone low surrogate */
      p += 5;
      if (u >= 0xd800 && u <= 0xdbff) {
        /* a high surrogate must be followed by a low one */
        gint lo;

        if (p + 1 >= size || data[p] != '\\' || data[p + 1] != 'u')
          return FALSE;
        lo = hex4 (data + p + 2, size - p - 2);
        if (lo < 0xdc00 || lo > 0xdfff)
          return FALSE;
        p += 6;
      }
    } else {
      return FALSE;
    }
  }
  return FALSE;
}

static gsize
scan_digits (const gchar * data, gsize size, gsize p)
{
  while (p < size && g_ascii_isdigit (data[p]))
    p++;
  return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (const gchar * data, gsize size, gsize * i)
{
  gsize p = *i, q;

  if (data[p] == '-')
    p++;
  if (p >= size || !g_ascii_isdigit (data[p]))
    return FALSE;
  p = data[p] == '0' ? p + 1 : scan_digits (data, size, p);
  if (p < size && data[p] == '.') {
    q = scan_digits (data, size, p + 1);
    if (q == p + 1)
      return FALSE;
    p = q;
  }
  if (p < size && (data[p] == 'e' || data[p] == 'E')) {
    p++;
    if (p < size && (data[p] == '+' || data[p] == '-'))
      p++;
    q = scan_digits (data, size, p);
    if (q == p)
      return FALSE;
    p = q;
  }
  *i = p;
  return TRUE;
}

static gboolean
scan_literal (const gchar * data, gsize size, gsize * i)
{
  static const gchar *const literals[] = { "true", "false", "null" };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (literals); k++) {
    gsize len = strlen (literals[k]);

    if (size - *i >= len && memcmp (data + *i, literals[k], len) == 0) {
      *i += len;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * gst_stt_json_check:
 *
 * Checks that @data is exactly one JSON value (RFC 8259, whitespace around
 * allowed), nested at most @max_depth deep, with valid escapes and paired
 * surrogates. One linear pass, no recursion, no allocation.
 *
 * What json-glib gets is therefore always sane: its parser recurses (a
 * megabyte of '[' would exhaust the stack), and json-glib 1.6 accepts
 * several concatenated values, leaking all but the last (found by the
 * fuzzer). Assumes @data is valid UTF-8.
 */
gboolean
gst_stt_json_check (const gchar * data, gsize size, guint max_depth,
    GError ** error)
{
  gchar stack[GST_STT_MAX_JSON_DEPTH];
  JsonExpect expect = EXPECT_VALUE;
  guint depth = 0;
  gsize i = 0;
  const gchar *what = "unexpected character";

  max_depth = MIN (max_depth, GST_STT_MAX_JSON_DEPTH);
  for (;;) {
    gchar c;

    while (i < size && is_json_space (data[i]))
      i++;
    if (i == size) {
      if (expect == AFTER_VALUE && depth == 0)
        return TRUE;
      what = "unexpected end";
      goto bad;
    }
    c = data[i];

    switch (expect) {
      case EXPECT_VALUE_OR_CLOSE:
      case EXPECT_KEY_OR_CLOSE:
        if (c == (expect == EXPECT_VALUE_OR_CLOSE ? ']' : '}')) {
          depth--;
          i++;
          expect = AFTER_VALUE;
          continue;
        }
        expect = expect == EXPECT_VALUE_OR_CLOSE ? EXPECT_VALUE : EXPECT_KEY;
        continue;
      case EXPECT_KEY:
        if (c != '"' || !scan_string (data, size, &i))
          goto bad;
        expect = EXPECT_COLON;
        continue;
      case EXPECT_COLON:
        if (c != ':')
          goto bad;
        i++;
        expect = EXPECT_VALUE;
        continue;
      case AFTER_VALUE:
        if (depth == 0) {
          what = "more than one value";
          goto bad;
        }
        if (c == ',') {
          i++;
          expect = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
        } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
          i++;
          depth--;
        } else {
          goto bad;
        }
        continue;
      case EXPECT_VALUE:
        break;
    }

    if (c == '{' || c == '[') {
      if (depth >= max_depth) {
        what = "nested too deep";
        goto bad;
      }
      stack[depth++] = c;
      i++;
      expect = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
      continue;
    }
    if (!(c == '"' ? scan_string (data, size, &i) :
            (c == '-' || g_ascii_isdigit (c)) ? scan_number (data, size, &i) :
            scan_literal (data, size, &i)))
      goto bad;
    expect = AFTER_VALUE;
  }

bad:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "not JSON: %s at byte %" G_GSIZE_FORMAT, what, i);
  return FALSE;
}

/**
 * gst_stt_json_drop_nul_escapes:
 * @data: JSON text that passed gst_stt_json_check()
 * @out_size: (out): the size of the copy
 *
 * JSON may escape U+0000 ("\u0000"); json-glib decodes it into a C string,
 * which ends there, so whatever follows in that string would be lost
 * without a word. The escape is dropped instead (the character means
 * nothing in a transcript), and the rest of the string kept.
 *
 * Returns: (transfer full) (nullable): a copy without the escapes, or NULL
 * when @data has none
 */
gchar *
gst_stt_json_drop_nul_escapes (const gchar * data, gsize size,
    gsize * out_size)
{
  GString *out = NULL;
  gboolean in_string = FALSE;
  gsize i = 0, copied = 0;

  while (i < size) {
    gchar c = data[i];

    if (!in_string) {
      in_string = c == '"';
      i++;
      continue;
    }
    if (c == '"') {
      in_string = FALSE;
      i++;
      continue;
    }
    if (c != '\\' || i + 1 >= size) {
      i++;
      continue;
    }
    if (data[i + 1] == 'u' && size - i >= 6 &&
        memcmp (data + i + 2, "0000", 4) == 0) {
      if (out == NULL)
        out = g_string_sized_new (size);
      g_string_append_len (out, data + copied, i - copied);
      i += 6;
      copied = i;
      continue;
    }
    i += 2;                     /* any other escape, \" and \\ included */
  }
  if (out == NULL)
    return NULL;
  g_string_append_len (out, data + copied, size - copied);
  *out_size = out->len;
  return g_string_free (out, FALSE);
}

/**
 * gst_stt_json_scalar_to_string:
 *
 * Returns: (transfer full) (nullable): a string, number or boolean as
 * query text, NULL for anything else
 */
gchar *
gst_stt_json_scalar_to_string (JsonNode * node)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof (buf),
              json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
  }
}

/* ------------------------------------------------------------------------ */
/* Typed JSON access                                                         */

static JsonNode *
member (JsonObject * o, const gchar * name)
{
  if (o == NULL)
    return NULL;
  return json_object_get_member (o, name);
}

const gchar *
gst_stt_json_string (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gboolean
gst_stt_json_double (JsonObject * o, const gchar * name, gdouble * value)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  switch (json_node_get_value_type (n)) {
    case G_TYPE_INT64:
      *value = (gdouble) json_node_get_int (n);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (n);
      return TRUE;
    default:
      return FALSE;
  }
}

/* An integer, or a double that holds one (services write 1.0 for 1). */
gboolean
gst_stt_json_int (JsonObject * o, const gchar * name, gint64 * value)
{
  gdouble d;

  if (!gst_stt_json_double (o, name, &d))
    return FALSE;
  /* also refuses NaN */
  if (!(d >= -9.0e15 && d <= 9.0e15))
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}

gboolean
gst_stt_json_boolean (JsonObject * o, const gchar * name, gboolean * value)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (n);
  return TRUE;
}

JsonObject *
gst_stt_json_object (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return (n != NULL && JSON_NODE_HOLDS_OBJECT (n)) ?
      json_node_get_object (n) : NULL;
}

JsonArray *
gst_stt_json_array (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return (n != NULL && JSON_NODE_HOLDS_ARRAY (n)) ?
      json_node_get_array (n) : NULL;
}

JsonObject *
gst_stt_json_array_object (JsonArray * a, guint index)
{
  JsonNode *n;

  if (a == NULL || index >= json_array_get_length (a))
    return NULL;
  n = json_array_get_element (a, index);
  return (n != NULL && JSON_NODE_HOLDS_OBJECT (n)) ?
      json_node_get_object (n) : NULL;
}

/**
 * gst_stt_json_merge:
 *
 * Merges @src into @dest: objects merge member by member, at any depth; a
 * null removes a member @dest has (one the element sets) and is kept as a
 * null otherwise (a service's own "off", such as OpenAI's turn_detection);
 * anything else replaces the member. How `extra` reaches a configuration
 * message.
 */
void
gst_stt_json_merge (JsonObject * dest, JsonObject * src)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, src);
  while (json_object_iter_next_ordered (&iter, &name, &value)) {
    JsonObject *inner = gst_stt_json_object (dest, name);

    if (JSON_NODE_HOLDS_NULL (value) && json_object_has_member (dest, name))
      json_object_remove_member (dest, name);
    else if (JSON_NODE_HOLDS_OBJECT (value) && inner != NULL)
      gst_stt_json_merge (inner, json_node_get_object (value));
    else
      json_object_set_member (dest, name, json_node_copy (value));
  }
}

/* Returns: (transfer full): @o as compact JSON text */
gchar *
gst_stt_json_object_to_string (JsonObject * o)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  gchar *text = json_to_string (node, FALSE);

  json_node_unref (node);
  return text;
}
