/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Test media drawn from the bytes of a code (libqrencode), so that every
 * read can be compared with the exact bytes it was made of. */

/* A GRAY8 frame of @width × @height (stride = width): a soft gradient
 * background and, if @payload is not NULL, its QR code centred, @module_px
 * pixels per module with the quiet zone. Free with g_free(). */
guint8   *merkki_test_draw_frame       (const guint8  *payload,
                                        gsize          len,
                                        int            width,
                                        int            height,
                                        int            module_px);

/* Saves the code alone (quiet zone included, @module_px per module) as an
 * image; the type comes from the extension: png, jpeg (jpg), webp. */
gboolean  merkki_test_write_qr_image   (const char    *path,
                                        const guint8  *payload,
                                        gsize          len,
                                        int            module_px,
                                        GError       **error);

/* Records a video with GStreamer: @blank_frames frames of background, then
 * @code_frames frames showing the code (@payload may be NULL: no code at
 * all), at @fps. The container comes from the extension: webm (VP8), mkv
 * (VP8), ogg (Theora). */
gboolean  merkki_test_write_qr_video   (const char    *path,
                                        const guint8  *payload,
                                        gsize          len,
                                        int            width,
                                        int            height,
                                        int            fps,
                                        int            blank_frames,
                                        int            code_frames,
                                        GError       **error);

/* Lowercase hexadecimal of @bytes. */
char     *merkki_test_hex              (const guint8  *bytes,
                                        gsize          len);

G_END_DECLS
