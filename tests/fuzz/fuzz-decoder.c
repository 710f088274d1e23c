/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the QR decoder on arbitrary GRAY8 frames.
 *
 * Input: bytes 0-1 the width and 2-3 the height (little-endian, folded
 * into 1..MAX_SIDE), byte 4 the mode (bit 0: still, else live) and the
 * stride's padding (bits 1-3); the rest are the pixels, row by row, white
 * where the input runs out. */
#include "config.h"

#include <string.h>

#include "merkki-decoder.h"
#include "merkki-fuzz.h"

/* Big enough for a version 10 code at 4 pixels a module, small enough for
 * thousands of still-mode passes a minute. */
#define MAX_SIDE 320

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* One decoder for every frame, as the camera keeps one. */
  static MerkkiDecoder *decoder = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  g_autofree guint8 *pixels = NULL;
  int width, height, stride;
  MerkkiDecodeMode mode;
  gsize n_pixels;

  if (size < 5)
    return 0;

  if (decoder == NULL)
    decoder = merkki_decoder_new ();

  width = 1 + (data[0] | data[1] << 8) % MAX_SIDE;
  height = 1 + (data[2] | data[3] << 8) % MAX_SIDE;
  mode = (data[4] & 1) ? MERKKI_DECODE_STILL : MERKKI_DECODE_LIVE;
  stride = width + ((data[4] >> 1) & 7);

  n_pixels = (gsize) stride * height;
  pixels = g_malloc (n_pixels);
  memset (pixels, 0xff, n_pixels);
  memcpy (pixels, data + 5, MIN (size - 5, n_pixels));

  codes = merkki_decoder_decode_gray8 (decoder, pixels, width, height, stride, mode);
  g_assert (codes != NULL);

  for (guint i = 0; i < codes->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (codes, i);
      gsize len = 0;
      const guint8 *bytes = g_bytes_get_data (code->payload, &len);
      g_autofree char *text = merkki_decoder_text_from_payload (bytes, len);

      g_assert (code->text != NULL);
      g_assert (g_utf8_validate (code->text, -1, NULL));
      g_assert_cmpstr (code->text, ==, text);
    }

  return 0;
}
