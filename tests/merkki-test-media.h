/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Image and video files of QR codes drawn from their bytes (with
 * merkki-test-qr), so that every read can be compared with the exact bytes
 * it was made of. */

/* Saves the code alone (quiet zone included, @module_px per module) as an
 * image; the type comes from the extension: png, jpeg (jpg), webp. */
gboolean  merkki_test_write_qr_image   (const char    *path,
                                        const guint8  *payload,
                                        gsize          len,
                                        int            module_px,
                                        GError       **error);

/* Several codes in one photo: one per text of @payloads (NULL-terminated),
 * side by side from left to right, each with its quiet zone. */
gboolean  merkki_test_write_qr_images  (const char         *path,
                                        const char * const *payloads,
                                        int                 module_px,
                                        GError            **error);

/* Records a video with GStreamer: @blank_frames frames of a cluttered
 * background, then @code_frames frames showing the code on it (@payload may
 * be NULL: no code at all), then @after_frames of background again, at
 * @fps; @width is a multiple of 4. The container comes from the extension:
 * webm (VP8), mkv (VP8), ogg (Theora). */
gboolean  merkki_test_write_qr_video   (const char    *path,
                                        const guint8  *payload,
                                        gsize          len,
                                        int            width,
                                        int            height,
                                        int            fps,
                                        int            blank_frames,
                                        int            code_frames,
                                        int            after_frames,
                                        GError       **error);

/* Lowercase hexadecimal of @bytes. */
char     *merkki_test_hex              (const guint8  *bytes,
                                        gsize          len);

G_END_DECLS
