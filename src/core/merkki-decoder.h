/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MERKKI_DECODE_LIVE,   /* camera frames: one quick pass, within the frame budget */
  MERKKI_DECODE_STILL,  /* opened, pasted or paused images: try much harder */
} MerkkiDecodeMode;

/* One QR code read from an image. */
/* payload: the bytes of the code, as encoded; kanji-mode data are Shift_JIS
 * bytes. Only a code that declares its character set with an ECI has its
 * data converted to UTF-8 by zbar, which does not expose the original.
 * Codes split over several symbols (structured append) come joined. */
typedef struct {
  GBytes *payload;  /* the raw bytes of the code */
  char   *text;     /* UTF-8 text derived from the bytes (ECI, UTF-8, Shift_JIS, Latin-1) */
} MerkkiDecodedCode;

void merkki_decoded_code_free (MerkkiDecodedCode *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiDecodedCode, merkki_decoded_code_free)

#define MERKKI_TYPE_DECODER (merkki_decoder_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiDecoder, merkki_decoder, MERKKI, DECODER, GObject)

/* A decoder is not thread-safe; use one per thread. */
MerkkiDecoder *merkki_decoder_new          (void);

/* Reads QR codes in a GRAY8 frame (@stride >= @width). Returns
 * MerkkiDecodedCode*, possibly empty, each payload once. LIVE looks at a
 * frame over 250 000 pixels in turns (whole but downscaled, then its centre
 * at full resolution), so a small code is read within two frames. STILL
 * stops at the first of its passes that reads something. */
GPtrArray     *merkki_decoder_decode_gray8 (MerkkiDecoder    *self,
                                            const guint8     *pixels,
                                            int               width,
                                            int               height,
                                            int               stride,
                                            MerkkiDecodeMode  mode);
/* Loads an image file (png, jpeg, webp, ...) and decodes it in STILL mode.
 * An unreadable, truncated or empty file is MERKKI_ERROR_DECODE. */
GPtrArray     *merkki_decoder_decode_file  (MerkkiDecoder    *self,
                                            const char       *path,
                                            GError          **error);

/* Loads an image file as merkki_decoder_decode_file() does (format from
 * its magic bytes, EXIF orientation applied), scaled down by a whole factor
 * until neither side exceeds @max_side; for thumbnails of evidence photos.
 * New reference, or NULL with MERKKI_ERROR_DECODE. */
GdkPixbuf     *merkki_decoder_load_image   (const char       *path,
                                            int               max_side,
                                            GError          **error);

/* The UTF-8 text of a code's bytes: valid UTF-8 as is (zbar has already
 * converted codes with an ECI), else Shift_JIS when the bytes look like
 * it, else ISO-8859-1. A leading UTF-8 byte order mark is dropped, a NUL
 * byte becomes U+FFFD. Never NULL. */
char          *merkki_decoder_text_from_payload (const guint8 *data,
                                                 gsize         len);

G_END_DECLS
