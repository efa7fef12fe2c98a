/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <stdio.h>

G_BEGIN_DECLS

/**
 * GstSttTranscriptFormat:
 * @GST_STT_TRANSCRIPT_AUTO: from the file name: `.vtt` WebVTT, `.srt`
 *   SubRip, anything else JSON Lines
 * @GST_STT_TRANSCRIPT_JSONL: one JSON object per final, per line
 * @GST_STT_TRANSCRIPT_VTT: WebVTT, a cue per final, speakers as voice tags
 * @GST_STT_TRANSCRIPT_SRT: SubRip, a numbered cue per final
 *
 * How sttpushsink writes finals to `transcript-location`. The values are
 * those of the element's `transcript-format` enum.
 */
typedef enum
{
  GST_STT_TRANSCRIPT_AUTO,
  GST_STT_TRANSCRIPT_JSONL,
  GST_STT_TRANSCRIPT_VTT,
  GST_STT_TRANSCRIPT_SRT,
} GstSttTranscriptFormat;

GstSttTranscriptFormat gst_stt_transcript_format_for_path (
                                          GstSttTranscriptFormat format,
                                          const gchar * path);
const gchar * gst_stt_transcript_header  (GstSttTranscriptFormat format);
gchar *       gst_stt_transcript_entry   (GstSttTranscriptFormat format,
                                          guint index,
                                          const GstStructure * final);
gchar *       gst_stt_transcript_time    (guint64 ms, gchar separator);

/**
 * GstSttTranscriptFile:
 *
 * A transcript file being written: each final is appended and flushed as
 * it comes, so that a reader (or a crash) sees every final posted. After a
 * write error it takes no more (@failed). Written by one thread at a time.
 */
typedef struct
{
  FILE *file;
  GstSttTranscriptFormat format;  /* resolved: never AUTO */
  gint entries;                   /* finals written (atomic: the stats
                                   * read it from any thread) */
  gboolean failed;
} GstSttTranscriptFile;

gboolean      gst_stt_transcript_file_open  (GstSttTranscriptFile * t,
                                          const gchar * path,
                                          GstSttTranscriptFormat format,
                                          GError ** error);
gboolean      gst_stt_transcript_file_write (GstSttTranscriptFile * t,
                                          const GstStructure * final,
                                          GError ** error);
gboolean      gst_stt_transcript_file_close (GstSttTranscriptFile * t,
                                          GError ** error);

G_END_DECLS
