/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the QR decoder on arbitrary GRAY8 frames.
 *
 * Input: bytes 0-1 the width and 2-3 the height in cells (little-endian,
 * folded into 1..MAX_CELLS; the height also to the rows the input has
 * cells for), byte 4 the mode (bit 0: still, else live), the stride's
 * padding (bits 1-3) and the cell size less one (bits 4-7: a cell is 1 to
 * 16 pixels a side); the rest are the cells, row by row, white where the
 * input runs out.
 *
 * Cells rather than pixels keep the inputs small and the mutations
 * meaningful: a seed is a real QR code at one cell a module, and flipping
 * a byte flips a module of it, so the fuzzer explores the decoding of real
 * codes instead of fine noise. The frame is capped so that every input
 * runs in a fraction of a second under ASan: still frames are at most
 * MAX_STILL_SIDE pixels a side (the still passes upscale and resample), live
 * ones MAX_LIVE_SIDE, which is enough to reach the live pass's centre crop
 * of large frames. */
#include "config.h"

#include <string.h>

#include "merkki-decoder.h"
#include "merkki-fuzz.h"

#define MAX_CELLS      320
#define MAX_STILL_SIDE 128
#define MAX_LIVE_SIDE  640

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* One decoder for every frame, as the camera keeps one. */
  static MerkkiDecoder *decoder = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  g_autofree guint8 *pixels = NULL;
  const guint8 *cells = data + 5;
  gsize n_cells = size >= 5 ? size - 5 : 0;
  int columns, rows, cell, max_side, width, height, stride;
  MerkkiDecodeMode mode;

  if (size < 5)
    return 0;

  if (decoder == NULL)
    decoder = merkki_decoder_new ();

  columns = 1 + (data[0] | data[1] << 8) % MAX_CELLS;
  rows = 1 + (data[2] | data[3] << 8) % MAX_CELLS;
  rows = MIN (rows, MAX (1, (int) ((n_cells + columns - 1) / columns)));
  mode = (data[4] & 1) ? MERKKI_DECODE_STILL : MERKKI_DECODE_LIVE;
  cell = 1 + (data[4] >> 4);

  /* Smaller cells, then fewer of them, until the frame fits. */
  max_side = mode == MERKKI_DECODE_STILL ? MAX_STILL_SIDE : MAX_LIVE_SIDE;
  cell = MIN (cell, MAX (1, max_side / MAX (columns, rows)));
  columns = MIN (columns, max_side / cell);
  rows = MIN (rows, max_side / cell);

  width = columns * cell;
  height = rows * cell;
  stride = width + ((data[4] >> 1) & 7);
  pixels = g_malloc ((gsize) stride * height);
  memset (pixels, 0xff, (gsize) stride * height);
  for (int y = 0; y < height; y++)
    {
      gsize row = (gsize) (y / cell) * (gsize) columns;

      for (int x = 0; x < width; x++)
        {
          gsize index = row + (gsize) (x / cell);

          if (index < n_cells)
            pixels[(gsize) y * stride + x] = cells[index];
        }
    }

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
