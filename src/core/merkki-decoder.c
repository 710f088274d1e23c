/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>
#include <zbar.h>

#include "merkki-decoder.h"
#include "merkki-error.h"

/* A live pass looks at most this many pixels, which keeps it within a
 * camera frame's budget (zbar takes about 50 ns a pixel on a 2020s laptop core: 12 ms). A
 * larger frame is looked at in turns: downscaled whole, for codes held
 * close, then its centre at full resolution, for small codes aimed at. */
#define LIVE_MAX_PIXELS (250 * 1000)

/* Still images are scanned at most this large on their longer side; a
 * larger image is downscaled first, which bounds memory and time on huge
 * pictures (a 10000×10000 frame is scanned at 2000×2000). */
#define STILL_MAX_SIDE 2048

/* The last still pass looks at the picture at full resolution, at most
 * this large on its longer side. */
#define STILL_FULL_MAX_SIDE 5000

/* Files with more pixels than this are refused: gdk-pixbuf decodes some
 * formats (PNG) at full size before scaling, 3 bytes a pixel. 120 MP is
 * more than any phone camera's picture. */
#define FILE_MAX_PIXELS (120 * 1000 * 1000)

/* The geometric still passes (rotation, undistortion) work on at most
 * this large a picture. */
#define ROTATE_MAX_SIDE 1024

/* Files are loaded at most this large on their longer side, so that a
 * hostile 60000×60000 PNG does not take gigabytes. */
#define FILE_MAX_SIDE 4096

/* Below this size on its shorter side, a still image is also tried
 * upscaled: zbar needs a few pixels per module to find the finder
 * patterns of a small code. */
#define STILL_UPSCALE_BELOW 480

/* Smaller than this, no QR code can be read in the picture. */
#define MIN_SIDE 8

/* A grey image with rows packed (stride == width). */
typedef struct {
  guint8 *data;
  int     width;
  int     height;
} GrayImage;

struct _MerkkiDecoder
{
  GObject parent_instance;

  zbar_image_scanner_t *scanner;
  guint                 live_turn;
};

G_DEFINE_FINAL_TYPE (MerkkiDecoder, merkki_decoder, G_TYPE_OBJECT)

void
merkki_decoded_code_free (MerkkiDecodedCode *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_pointer (&self->text, g_free);
  g_free (self);
}

/* Character sets ---------------------------------------------------------- */

/* Whether @data is plausibly Shift_JIS: every byte forms a valid single- or
 * double-byte character, and there is evidence beyond chance, since many
 * Latin-1 texts are valid Shift_JIS byte strings too ("Mé" is a kanji).
 * Evidence is a lead byte in 0x81–0x9F (C1 control codes in Latin-1, so
 * never Latin-1 text), two double-byte characters in a row, or three
 * half-width katakana in a row. */
static gboolean
looks_like_shift_jis (const guint8 *data,
                      gsize         len)
{
  gboolean evidence = FALSE;
  guint double_run = 0;
  guint kana_run = 0;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (c < 0x80)
        {
          double_run = 0;
          kana_run = 0;
        }
      else if (c >= 0xA1 && c <= 0xDF)
        {
          /* Half-width katakana. */
          double_run = 0;
          if (++kana_run >= 3)
            evidence = TRUE;
        }
      else if ((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC))
        {
          guint8 trail;

          if (i + 1 >= len)
            return FALSE;
          trail = data[++i];
          if (trail < 0x40 || trail == 0x7F || trail > 0xFC)
            return FALSE;
          kana_run = 0;
          if (c <= 0x9F || ++double_run >= 2)
            evidence = TRUE;
        }
      else
        {
          return FALSE;
        }
    }

  return evidence;
}

typedef enum {
  CHARSET_UTF8,
  CHARSET_SHIFT_JIS,
  CHARSET_LATIN1,
} Charset;

/* Converts one NUL-free piece of a payload to UTF-8 and appends it. */
static void
append_converted (GString      *out,
                  const guint8 *data,
                  gsize         len,
                  Charset       charset)
{
  g_autofree char *converted = NULL;

  if (len == 0)
    return;

  switch (charset)
    {
    case CHARSET_UTF8:
      g_string_append_len (out, (const char *) data, len);
      return;

    case CHARSET_SHIFT_JIS:
      /* CP932 first: it maps 0x5C and 0x7E to '\' and '~' as QR encoders
       * mean them, where glibc's SHIFT_JIS gives '¥' and '‾', and it has
       * the NEC and IBM extensions phones use. */
      converted = g_convert ((const char *) data, len, "UTF-8", "CP932",
                             NULL, NULL, NULL);
      if (converted == NULL)
        converted = g_convert ((const char *) data, len, "UTF-8", "SHIFT_JIS",
                               NULL, NULL, NULL);
      if (converted != NULL)
        break;
      G_GNUC_FALLTHROUGH;

    case CHARSET_LATIN1:
    default:
      /* Every byte string is valid ISO-8859-1. */
      g_clear_pointer (&converted, g_free);
      converted = g_convert ((const char *) data, len, "UTF-8", "ISO-8859-1",
                             NULL, NULL, NULL);
      break;
    }

  if (converted != NULL)
    g_string_append (out, converted);
}

/**
 * merkki_decoder_text_from_payload:
 * @data: the bytes of a code
 * @len: their number
 *
 * Derives the text of a QR code from its bytes: valid UTF-8 as it is (zbar
 * has already converted to UTF-8 the data of a code that declares its
 * character set with an ECI), else Shift_JIS when the bytes look like it,
 * else ISO-8859-1, the standard's default. A leading UTF-8 byte order mark
 * is dropped, and a NUL byte, which a C string cannot hold, becomes
 * U+FFFD; the payload keeps the exact bytes.
 *
 * Returns: (transfer full): valid UTF-8, never %NULL
 */
char *
merkki_decoder_text_from_payload (const guint8 *data,
                                  gsize         len)
{
  GString *out;
  Charset charset = CHARSET_UTF8;
  gsize start;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* g_utf8_validate_len() stops at NUL; validate the pieces between. */
  for (start = 0; start < len; )
    {
      const guint8 *nul = memchr (data + start, '\0', len - start);
      gsize piece = nul != NULL ? (gsize) (nul - data) - start : len - start;

      if (!g_utf8_validate_len ((const char *) data + start, piece, NULL))
        {
          charset = looks_like_shift_jis (data, len) ? CHARSET_SHIFT_JIS : CHARSET_LATIN1;
          break;
        }
      start += piece + 1;
    }

  out = g_string_sized_new (len + 1);
  start = 0;
  /* A UTF-8 byte order mark is how some encoders say "UTF-8" without an
   * ECI; it is not part of the text. */
  if (charset == CHARSET_UTF8 && len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    start = 3;
  for (; start <= len; )
    {
      const guint8 *nul = start < len ? memchr (data + start, '\0', len - start) : NULL;
      gsize piece = nul != NULL ? (gsize) (nul - data) - start : len - start;

      append_converted (out, data + start, piece, charset);
      if (nul == NULL)
        break;
      g_string_append (out, "\xEF\xBF\xBD");
      start += piece + 1;
    }

  return g_string_free (out, FALSE);
}

/* Images ------------------------------------------------------------------ */

static void
gray_image_clear (GrayImage *image)
{
  g_clear_pointer (&image->data, g_free);
  image->width = image->height = 0;
}

/* Allocates @width × @height; both are at most a few thousand here, so the
 * product cannot overflow, but g_malloc_n checks anyway. */
static GrayImage
gray_image_new (int width,
                int height)
{
  GrayImage image = { NULL, width, height };

  image.data = g_malloc_n ((gsize) width, (gsize) height);
  return image;
}

/* Averages @factor × @factor blocks of a strided source: both a cheap
 * low-pass filter and a downscale. */
static GrayImage
gray_image_new_downscaled (const guint8 *pixels,
                           int           width,
                           int           height,
                           gsize         stride,
                           int           factor)
{
  GrayImage out = gray_image_new (MAX (width / factor, 1), MAX (height / factor, 1));
  g_autofree guint *sums = g_new0 (guint, out.width);
  guint area = (guint) factor * (guint) factor;

  for (int oy = 0; oy < out.height; oy++)
    {
      memset (sums, 0, sizeof (guint) * out.width);
      for (int dy = 0; dy < factor; dy++)
        {
          int y = MIN (oy * factor + dy, height - 1);
          const guint8 *row = pixels + (gsize) y * stride;

          for (int ox = 0; ox < out.width; ox++)
            {
              const guint8 *p = row + (gsize) ox * factor;

              for (int dx = 0; dx < factor; dx++)
                sums[ox] += p[MIN (dx, width - 1 - ox * factor)];
            }
        }
      for (int ox = 0; ox < out.width; ox++)
        out.data[(gsize) oy * out.width + ox] = (guint8) ((sums[ox] + area / 2) / area);
    }

  return out;
}

/* Bilinear resampling to @width × @height. */
static GrayImage
gray_image_new_resized (const GrayImage *src,
                        int              width,
                        int              height)
{
  GrayImage out = gray_image_new (width, height);
  double sx = (double) src->width / width;
  double sy = (double) src->height / height;

  for (int y = 0; y < height; y++)
    {
      double fy = (y + 0.5) * sy - 0.5;
      int y0 = CLAMP ((int) floor (fy), 0, src->height - 1);
      int y1 = MIN (y0 + 1, src->height - 1);
      int wy = (int) ((fy - floor (fy)) * 256);
      const guint8 *r0 = src->data + (gsize) y0 * src->width;
      const guint8 *r1 = src->data + (gsize) y1 * src->width;

      if (fy < 0)
        wy = 0;
      for (int x = 0; x < width; x++)
        {
          double fx = (x + 0.5) * sx - 0.5;
          int x0 = CLAMP ((int) floor (fx), 0, src->width - 1);
          int x1 = MIN (x0 + 1, src->width - 1);
          int wx = fx < 0 ? 0 : (int) ((fx - floor (fx)) * 256);
          int top = r0[x0] * (256 - wx) + r0[x1] * wx;
          int bottom = r1[x0] * (256 - wx) + r1[x1] * wx;

          out.data[(gsize) y * width + x] = (guint8) ((top * (256 - wy) + bottom * wy + 32768) >> 16);
        }
    }

  return out;
}

static GrayImage
gray_image_new_inverted (const GrayImage *src)
{
  GrayImage out = gray_image_new (src->width, src->height);
  gsize n = (gsize) src->width * src->height;

  for (gsize i = 0; i < n; i++)
    out.data[i] = 255 - src->data[i];
  return out;
}

/* Stretches the 1st..99th percentile of grey levels to the full range:
 * for low-contrast prints and under- or over-exposed photos. */
static GrayImage
gray_image_new_stretched (const GrayImage *src)
{
  GrayImage out = gray_image_new (src->width, src->height);
  gsize n = (gsize) src->width * src->height;
  gsize histogram[256] = { 0 };
  gsize seen = 0;
  int lo = 0, hi = 255;

  for (gsize i = 0; i < n; i++)
    histogram[src->data[i]]++;
  for (lo = 0; lo < 255 && (seen += histogram[lo]) < n / 100; lo++)
    ;
  seen = 0;
  for (hi = 255; hi > 0 && (seen += histogram[hi]) < n / 100; hi--)
    ;
  if (hi <= lo)
    hi = lo + 1;
  for (gsize i = 0; i < n; i++)
    out.data[i] = (guint8) CLAMP ((src->data[i] - lo) * 255 / (hi - lo), 0, 255);
  return out;
}

/* Sums of the rectangle [0, x) × [0, y) for every (x, y), with a zero
 * first row and column. 64 bits: 2560² × 255 does not fit in 32. */
static guint64 *
integral_image_new (const GrayImage *src)
{
  gsize w1 = (gsize) src->width + 1;
  guint64 *sums = g_new0 (guint64, w1 * (src->height + 1));

  for (int y = 0; y < src->height; y++)
    {
      guint64 row = 0;

      for (int x = 0; x < src->width; x++)
        {
          row += src->data[(gsize) y * src->width + x];
          sums[(y + 1) * w1 + x + 1] = sums[y * w1 + x + 1] + row;
        }
    }
  return sums;
}

/* Local-mean thresholding (Bradley's method): a pixel is black when darker
 * than the mean of its (2@radius+1)² neighbourhood by @percent %. It fixes
 * shadows, gradients and glare that a global threshold cannot. */
static GrayImage
gray_image_new_thresholded (const GrayImage *src,
                            int              radius,
                            int              percent)
{
  GrayImage out = gray_image_new (src->width, src->height);
  g_autofree guint64 *sums = integral_image_new (src);
  gsize w1 = (gsize) src->width + 1;

  for (int y = 0; y < src->height; y++)
    {
      int y0 = MAX (y - radius, 0), y1 = MIN (y + radius + 1, src->height);

      for (int x = 0; x < src->width; x++)
        {
          int x0 = MAX (x - radius, 0), x1 = MIN (x + radius + 1, src->width);
          guint64 sum = sums[y1 * w1 + x1] - sums[y0 * w1 + x1]
                        - sums[y1 * w1 + x0] + sums[y0 * w1 + x0];
          guint64 area = (guint64) (x1 - x0) * (guint64) (y1 - y0);
          guint64 value = src->data[(gsize) y * src->width + x];

          out.data[(gsize) y * src->width + x] =
            value * area * 100 <= sum * (guint64) (100 - percent) ? 0 : 255;
        }
    }
  return out;
}

/* Unsharp mask with a 3×3 box: restores edges of slightly blurred codes. */
static GrayImage
gray_image_new_sharpened (const GrayImage *src)
{
  GrayImage out = gray_image_new (src->width, src->height);
  int w = src->width, h = src->height;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int sum = 0;
        int v = src->data[(gsize) y * w + x];

        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            sum += src->data[(gsize) CLAMP (y + dy, 0, h - 1) * w + CLAMP (x + dx, 0, w - 1)];
        out.data[(gsize) y * w + x] = (guint8) CLAMP (v + 2 * (9 * v - sum) / 9, 0, 255);
      }
  return out;
}

/* Where the pixel (@x, @y) of a remapped picture comes from in the source. */
typedef void (*SourcePoint) (const double *params,
                             double        x,
                             double        y,
                             double       *source_x,
                             double       *source_y);

/* A @width × @height picture whose pixels are bilinear samples of @src at
 * the points @source_point gives; outside @src is white (the usual quiet
 * zone). */
static GrayImage
gray_image_new_remapped (const GrayImage *src,
                         int              width,
                         int              height,
                         SourcePoint      source_point,
                         const double    *params)
{
  GrayImage out = gray_image_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double fx, fy;
        int x0, y0;
        guint8 value = 255;

        source_point (params, x + 0.5, y + 0.5, &fx, &fy);
        fx -= 0.5;
        fy -= 0.5;
        x0 = (int) floor (fx);
        y0 = (int) floor (fy);
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < src->width && y0 + 1 < src->height)
          {
            double wx = fx - x0, wy = fy - y0;
            const guint8 *p = src->data + (gsize) y0 * src->width + x0;
            double top = p[0] * (1 - wx) + p[1] * wx;
            double bottom = p[src->width] * (1 - wx) + p[src->width + 1] * wx;

            value = (guint8) (top * (1 - wy) + bottom * wy + 0.5);
          }
        out.data[(gsize) y * width + x] = value;
      }
  return out;
}

/* params: cos, sin, source centre x and y, destination centre x and y. */
static void
rotated_source_point (const double *params,
                      double        x,
                      double        y,
                      double       *source_x,
                      double       *source_y)
{
  double dx = x - params[4], dy = y - params[5];

  *source_x = params[0] * dx + params[1] * dy + params[2];
  *source_y = -params[1] * dx + params[0] * dy + params[3];
}

/* Rotates by @degrees around the centre onto a canvas large enough for the
 * whole picture. */
static GrayImage
gray_image_new_rotated (const GrayImage *src,
                        double           degrees)
{
  double a = degrees * G_PI / 180.0;
  double c = cos (a), s = sin (a);
  int w = (int) ceil (fabs (src->width * c) + fabs (src->height * s));
  int h = (int) ceil (fabs (src->width * s) + fabs (src->height * c));
  const double params[] = { c, s, src->width / 2.0, src->height / 2.0, w / 2.0, h / 2.0 };

  return gray_image_new_remapped (src, w, h, rotated_source_point, params);
}

/* params: the strength, centre x and y, and the radius that is 1. */
static void
radial_source_point (const double *params,
                     double        x,
                     double        y,
                     double       *source_x,
                     double       *source_y)
{
  double dx = x - params[1], dy = y - params[2];
  double r = sqrt (dx * dx + dy * dy) / params[3];
  double scale = 1 + params[0] * (r - 1);

  *source_x = params[1] + dx * scale;
  *source_y = params[2] + dy * scale;
}

/* Undoes some radial distortion: the pixel at radius r comes from radius
 * r·(1 + @strength·(r - 1)), with r 1 at half the shorter side (where
 * nothing moves). A small positive strength flattens a code printed on a
 * bulging surface (a bag, a shirt, a bottle's shoulder) or seen through a
 * wide-angle lens; a negative one the opposite. */
static GrayImage
gray_image_new_undistorted (const GrayImage *src,
                            double           strength)
{
  const double params[] = { strength, src->width / 2.0, src->height / 2.0,
                            MIN (src->width, src->height) / 2.0 };

  return gray_image_new_remapped (src, src->width, src->height, radial_source_point, params);
}

/* Scanning ---------------------------------------------------------------- */

static gboolean
results_contain (GPtrArray *results,
                 GBytes    *payload)
{
  for (guint i = 0; i < results->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (results, i);

      if (g_bytes_equal (code->payload, payload))
        return TRUE;
    }
  return FALSE;
}

/* One zbar pass over a packed image; appends the new codes to @results and
 * returns how many codes it found (new or not). */
static guint
scan_pass (MerkkiDecoder   *self,
           const GrayImage *image,
           GPtrArray       *results)
{
  zbar_image_t *zimage;
  guint found = 0;

  if (image->width < MIN_SIDE || image->height < MIN_SIDE)
    return 0;

  zimage = zbar_image_create ();
  zbar_image_set_format (zimage, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (zimage, (unsigned) image->width, (unsigned) image->height);
  zbar_image_set_data (zimage, image->data, (gsize) image->width * image->height, NULL);

  if (zbar_scan_image (self->scanner, zimage) > 0)
    {
      for (const zbar_symbol_t *symbol = zbar_image_first_symbol (zimage);
           symbol != NULL;
           symbol = zbar_symbol_next (symbol))
        {
          g_autoptr(GBytes) payload = NULL;
          MerkkiDecodedCode *code;

          if (zbar_symbol_get_type (symbol) != ZBAR_QRCODE)
            continue;

          found++;
          payload = g_bytes_new (zbar_symbol_get_data (symbol),
                                 zbar_symbol_get_data_length (symbol));
          if (results_contain (results, payload))
            continue;

          code = g_new0 (MerkkiDecodedCode, 1);
          code->text = merkki_decoder_text_from_payload (g_bytes_get_data (payload, NULL),
                                                         g_bytes_get_size (payload));
          code->payload = g_steal_pointer (&payload);
          g_ptr_array_add (results, code);
        }
    }

  zbar_image_destroy (zimage);
  return found;
}

/* One pass: scans @image, logs the outcome (to see which passes read the
 * pictures that matter: G_MESSAGES_DEBUG=Merkki) and frees @image. */
static gboolean
try_pass (MerkkiDecoder *self,
          const char    *name,
          GrayImage      image,
          GPtrArray     *results)
{
  guint found = scan_pass (self, &image, results);

  g_debug ("pass %s (%dx%d): %s", name, image.width, image.height,
           found > 0 ? "read" : "nothing");
  gray_image_clear (&image);
  return found > 0;
}

/* The smallest integer factor that brings @width × @height within
 * @max_side on each side. */
static int
downscale_factor (int width,
                  int height,
                  int max_side)
{
  int longest = MAX (width, height);

  return MAX (1, (longest + max_side - 1) / max_side);
}

static void
decode_live (MerkkiDecoder *self,
             const guint8  *pixels,
             int            width,
             int            height,
             gsize          stride,
             GPtrArray     *results)
{
  gint64 area = (gint64) width * height;
  int factor = 1;

  if (area > LIVE_MAX_PIXELS && self->live_turn++ % 2 == 1)
    {
      /* The centre, with the frame's aspect ratio. */
      double shrink = sqrt ((double) LIVE_MAX_PIXELS / (double) area);
      int crop_width = MAX ((int) (width * shrink), 1);
      int crop_height = MAX ((int) (height * shrink), 1);
      const guint8 *corner = pixels + (gsize) ((height - crop_height) / 2) * stride
                             + (width - crop_width) / 2;

      try_pass (self, "live centre", gray_image_new_downscaled (corner, crop_width, crop_height,
                                                                stride, 1),
                results);
      return;
    }

  while ((gint64) (width / factor) * (height / factor) > LIVE_MAX_PIXELS)
    factor++;
  try_pass (self, "live whole", gray_image_new_downscaled (pixels, width, height, stride, factor),
            results);
}

static void
decode_still (MerkkiDecoder *self,
              const guint8  *pixels,
              int            width,
              int            height,
              gsize          stride,
              GPtrArray     *results)
{
  int factor = downscale_factor (width, height, STILL_MAX_SIDE);
  GrayImage base;
  gboolean done;
  int shorter;

  base = gray_image_new_downscaled (pixels, width, height, stride, factor);
  shorter = MIN (base.width, base.height);

#define TRY(name, expr) G_STMT_START { if (!done) done = try_pass (self, name, (expr), results); } G_STMT_END

  done = FALSE;
  TRY ("as it is", gray_image_new_downscaled (base.data, base.width, base.height, base.width, 1));
  TRY ("inverted", gray_image_new_inverted (&base));

  /* Small codes: zbar wants a few pixels per module. */
  if (shorter < STILL_UPSCALE_BELOW)
    {
      TRY ("upscaled 2x", gray_image_new_resized (&base, base.width * 2, base.height * 2));
      if (shorter < STILL_UPSCALE_BELOW / 2)
        TRY ("upscaled 3x", gray_image_new_resized (&base, base.width * 3, base.height * 3));
    }

  /* Large, noisy or blurred codes: averaging removes noise and halftone
   * dots, and shortens blurred edges in pixels. */
  for (int f = 2; f <= 4 && shorter / f >= 64; f++)
    TRY ("downscaled", gray_image_new_downscaled (base.data, base.width, base.height, base.width, f));

  TRY ("stretched", gray_image_new_stretched (&base));
  TRY ("local threshold 1/16", gray_image_new_thresholded (&base, MAX (shorter / 16, 4), 10));
  TRY ("local threshold 1/8", gray_image_new_thresholded (&base, MAX (shorter / 8, 4), 5));

  /* A small code in a big photo may need every pixel: the whole picture
   * at full resolution, if it is not too big (a hostile 10000×10000 frame
   * is looked at halved). */
  if (factor > 1)
    {
      int full = downscale_factor (width, height, STILL_FULL_MAX_SIDE);

      TRY ("full resolution", gray_image_new_downscaled (pixels, width, height, stride, full));
    }

  TRY ("sharpened", gray_image_new_sharpened (&base));

  /* The geometric passes work on at most ROTATE_MAX_SIDE pixels a side:
   * resampling costs more than a scan, and a rotated canvas has twice the
   * area. */
  {
    GrayImage small = gray_image_new_downscaled (base.data, base.width, base.height, base.width,
                                                 downscale_factor (base.width, base.height,
                                                                   ROTATE_MAX_SIDE));

    /* zbar reads codes at any angle; this is for the odd one it misses at
     * 45°, where finder patterns are least like their upright selves. */
    TRY ("rotated 45 degrees", gray_image_new_rotated (&small, 45));
    /* Codes on curved or wrinkled surfaces: zbar fits a projective grid,
     * which is off by more than a module in places; these bend the
     * picture back, each way, a little and more. */
    TRY ("undistorted +0.05", gray_image_new_undistorted (&small, 0.05));
    TRY ("undistorted -0.05", gray_image_new_undistorted (&small, -0.05));
    TRY ("undistorted +0.15", gray_image_new_undistorted (&small, 0.15));
    TRY ("undistorted -0.15", gray_image_new_undistorted (&small, -0.15));
    gray_image_clear (&small);
  }

#undef TRY

  gray_image_clear (&base);
}

GPtrArray *
merkki_decoder_decode_gray8 (MerkkiDecoder    *self,
                             const guint8     *pixels,
                             int               width,
                             int               height,
                             int               stride,
                             MerkkiDecodeMode  mode)
{
  GPtrArray *results;

  g_return_val_if_fail (MERKKI_IS_DECODER (self), NULL);
  g_return_val_if_fail (width >= 0 && height >= 0 && stride >= width, NULL);
  g_return_val_if_fail (pixels != NULL || width == 0 || height == 0, NULL);

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_decoded_code_free);
  if (width < MIN_SIDE || height < MIN_SIDE)
    return results;

  switch (mode)
    {
    case MERKKI_DECODE_LIVE:
      decode_live (self, pixels, width, height, (gsize) stride, results);
      break;

    case MERKKI_DECODE_STILL:
    default:
      decode_still (self, pixels, width, height, (gsize) stride, results);
      break;
    }

  return results;
}

/* Files ------------------------------------------------------------------- */

/* What a loader has told of the picture so far. */
typedef struct {
  int      width;
  int      height;
  int      rows_done;    /* the bottom of the rows delivered */
  gboolean too_large;
  int      max_side;     /* scaled down by a whole factor to fit this */
} LoadState;

static void
on_size_prepared_cb (GdkPixbufLoader *loader,
                     int              width,
                     int              height,
                     gpointer         user_data)
{
  LoadState *state = user_data;
  int factor = downscale_factor (width, height, state->max_side);

  state->width = width;
  state->height = height;
  if ((gint64) width * height > FILE_MAX_PIXELS)
    {
      /* A size of 0 makes the loaders stop before they allocate. */
      state->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
  else if (factor > 1)
    gdk_pixbuf_loader_set_size (loader, MAX (width / factor, 1), MAX (height / factor, 1));
}

/* The gdk-pixbuf loader for the usual photo formats, from their magic
 * bytes. gdk-pixbuf sniffs with the shared MIME database, which is not
 * always there (minimal systems, tests with isolated XDG directories);
 * NULL for anything else, left to that sniffing. */
static const char *
loader_type_for (const guint8 *data,
                 gsize         len)
{
  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "png";
  if (len >= 3 && memcmp (data, "\xFF\xD8\xFF", 3) == 0)
    return "jpeg";
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return "webp";
  if (len >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return "gif";
  if (len >= 4 && (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0))
    return "tiff";
  if (len >= 2 && memcmp (data, "BM", 2) == 0)
    return "bmp";
  return NULL;
}

/* Whether the chunks of a PNG run to the IEND chunk. */
static gboolean
png_is_complete (const guint8 *data,
                 gsize         len)
{
  gsize at = 8;

  while (len >= 12 && at <= len - 12)
    {
      guint32 chunk = ((guint32) data[at] << 24) | ((guint32) data[at + 1] << 16)
                      | ((guint32) data[at + 2] << 8) | data[at + 3];

      if (memcmp (data + at + 4, "IEND", 4) == 0)
        return TRUE;
      if (chunk > len - 12 - at)
        return FALSE;
      at += 12 + (gsize) chunk;
    }
  return FALSE;
}

/* Whether the segments of a JPEG run to the EOI marker. Entropy-coded data
 * after each SOS ends at the first marker that is not a stuffed 0xFF00 or
 * a restart marker. */
static gboolean
jpeg_is_complete (const guint8 *data,
                  gsize         len)
{
  gsize at = 2;

  while (at + 1 < len)
    {
      guint8 marker;

      if (data[at] != 0xFF)
        return FALSE;
      marker = data[at + 1];
      if (marker == 0xFF)
        {
          at++;   /* fill byte */
          continue;
        }
      if (marker == 0xD9)
        return TRUE;
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
        {
          at += 2;
          continue;
        }
      if (at + 3 >= len)
        return FALSE;
      at += 2 + (((gsize) data[at + 2] << 8) | data[at + 3]);
      if (marker == 0xDA)
        {
          while (at + 1 < len &&
                 !(data[at] == 0xFF && data[at + 1] != 0x00 &&
                   !(data[at + 1] >= 0xD0 && data[at + 1] <= 0xD7)))
            at++;
        }
    }
  return FALSE;
}

/* Whether a file is cut short, from the structure of the formats whose
 * gdk-pixbuf loaders accept a truncated file without an error (giving the
 * missing rows blank, which would read as "no code"). */
static gboolean
is_truncated (const char   *type,
              const guint8 *data,
              gsize         len)
{
  if (g_strcmp0 (type, "png") == 0)
    return !png_is_complete (data, len);
  if (g_strcmp0 (type, "jpeg") == 0)
    return !jpeg_is_complete (data, len);
  if (g_strcmp0 (type, "webp") == 0)
    {
      guint32 riff = (guint32) data[4] | ((guint32) data[5] << 8)
                     | ((guint32) data[6] << 16) | ((guint32) data[7] << 24);

      return riff > len - 8;
    }
  return FALSE;
}

static void
on_area_updated_cb (GdkPixbufLoader *loader,
                    int              x,
                    int              y,
                    int              width,
                    int              height,
                    gpointer         user_data)
{
  LoadState *state = user_data;

  state->rows_done = MAX (state->rows_done, y + height);
}

/* Loads @path with gdk-pixbuf, at most @max_side on a side, with its
 * EXIF orientation applied. */
static GdkPixbuf *
load_pixbuf (const char  *path,
             int          max_side,
             GError     **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  const guint8 *contents;
  gsize length;
  const char *type;
  GdkPixbuf *pixbuf;
  LoadState state = { .max_side = max_side };

  /* Mapped, not read: a huge file costs address space, not memory. */
  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  contents = (const guint8 *) g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);

  if (length == 0)
    {
      /* Translators: the reason an image file could not be read. */
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_DECODE, _("The file is empty"));
      return NULL;
    }

  type = loader_type_for (contents, length);
  if (is_truncated (type, contents, length))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                           _("The file is truncated"));
      return NULL;
    }
  if (type != NULL)
    loader = gdk_pixbuf_loader_new_with_type (type, NULL);
  if (loader == NULL)
    loader = gdk_pixbuf_loader_new ();

  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared_cb), &state);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated_cb), &state);

  /* In pieces, to stop as soon as the header tells of a picture too large
   * to decode (a few kilobytes of PNG can claim 30000×30000 pixels). */
  for (gsize done = 0; done < length && !state.too_large; )
    {
      gsize piece = MIN (length - done, (gsize) 64 * 1024);

      if (!gdk_pixbuf_loader_write (loader, contents + done, piece, error) && !state.too_large)
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return NULL;
        }
      done += piece;
    }
  if (state.too_large)
    {
      g_clear_error (error);
      gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                   /* Translators: the reason an image file could not be
                    * read; the numbers are its width and height. */
                   _("The picture is too large (%d × %d pixels)"),
                   state.width, state.height);
      return NULL;
    }
  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                           _("The file is not an image in a known format"));
      return NULL;
    }

  /* The same for other formats, as far as the loader tells. */
  if (state.rows_done < gdk_pixbuf_get_height (pixbuf))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                           _("The file is truncated"));
      return NULL;
    }

  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

GdkPixbuf *
merkki_decoder_load_image (const char  *path,
                           int          max_side,
                           GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (max_side > 0, NULL);

  return load_pixbuf (path, max_side, error);
}

/* Converts to luma (BT.601), with transparent pixels composed over white:
 * a code drawn on a transparent background is black on white. */
static GrayImage
gray_image_new_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  gsize rowstride = (gsize) gdk_pixbuf_get_rowstride (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  GrayImage out = gray_image_new (width, height);

  for (int y = 0; y < height; y++)
    {
      const guint8 *p = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, p += channels)
        {
          guint luma = channels >= 3 ? (77u * p[0] + 150u * p[1] + 29u * p[2] + 128) >> 8 : p[0];

          if (alpha)
            {
              guint a = p[channels - 1];

              luma = (luma * a + 255u * (255u - a) + 127) / 255u;
            }
          out.data[(gsize) y * width + x] = (guint8) MIN (luma, 255u);
        }
    }
  return out;
}

GPtrArray *
merkki_decoder_decode_file (MerkkiDecoder  *self,
                            const char     *path,
                            GError        **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;
  GrayImage gray;
  GPtrArray *results;

  g_return_val_if_fail (MERKKI_IS_DECODER (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pixbuf = load_pixbuf (path, FILE_MAX_SIDE, &local_error);
  if (pixbuf == NULL)
    {
      g_autofree char *display_name = g_filename_display_name (path);

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                   /* Translators: the first %s is a file name, the second
                    * the reason, such as "The file is empty". */
                   _("Could not read the image “%s”: %s"),
                   display_name, local_error->message);
      return NULL;
    }

  gray = gray_image_new_from_pixbuf (pixbuf);
  results = merkki_decoder_decode_gray8 (self, gray.data, gray.width, gray.height,
                                         gray.width, MERKKI_DECODE_STILL);
  gray_image_clear (&gray);
  return results;
}

/* Object ------------------------------------------------------------------ */

static void
merkki_decoder_finalize (GObject *object)
{
  MerkkiDecoder *self = MERKKI_DECODER (object);

  g_clear_pointer (&self->scanner, zbar_image_scanner_destroy);

  G_OBJECT_CLASS (merkki_decoder_parent_class)->finalize (object);
}

static void
merkki_decoder_class_init (MerkkiDecoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = merkki_decoder_finalize;
}

static void
merkki_decoder_init (MerkkiDecoder *self)
{
  self->scanner = zbar_image_scanner_create ();

  /* QR codes only: other symbologies cost time and give false reads on
   * printed text and box edges. Raw bytes: the character set is decided
   * here, where Shift_JIS and Latin-1 are told apart better. */
  zbar_image_scanner_set_config (self->scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (self->scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config (self->scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
  /* Each call is a new picture: no result cache across calls. */
  zbar_image_scanner_enable_cache (self->scanner, 0);
}

MerkkiDecoder *
merkki_decoder_new (void)
{
  return g_object_new (MERKKI_TYPE_DECODER, NULL);
}
