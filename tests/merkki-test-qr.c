/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "merkki-test-qr.h"

void
merkki_test_frame_free (MerkkiTestFrame *frame)
{
  if (frame == NULL)
    return;
  g_free (frame->pixels);
  g_free (frame);
}

QRcode *
merkki_test_qr_encode (const guint8 *data,
                       gsize         len)
{
  QRcode *qr = QRcode_encodeData ((int) len, data, 0, QR_ECLEVEL_M);

  g_assert_nonnull (qr);
  return qr;
}

gboolean
merkki_test_qr_is_dark (const QRcode *qr,
                        double        u,
                        double        v)
{
  int x = (int) floor (u), y = (int) floor (v);

  if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
    return FALSE;
  return (qr->data[y * qr->width + x] & 1) != 0;
}

static void
box_blur (guint8 *pixels,
          int     width,
          int     height,
          int     radius)
{
  g_autofree guint8 *copy = g_memdup2 (pixels, (gsize) width * height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        int sum = 0, n = 0;

        for (int dy = -radius; dy <= radius; dy++)
          for (int dx = -radius; dx <= radius; dx++)
            {
              int sx = x + dx, sy = y + dy;

              if (sx >= 0 && sy >= 0 && sx < width && sy < height)
                {
                  sum += copy[sy * width + sx];
                  n++;
                }
            }
        pixels[y * width + x] = (guint8) (sum / n);
      }
}

/* A desk under a lamp: a brightness gradient with grey rectangles and
 * stripes of random sizes, the kind of edges a scanner must reject. */
static void
draw_clutter (guint8 *pixels,
              int     width,
              int     height,
              GRand  *rand)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      pixels[(gsize) y * width + x] = (guint8) (120 + 80 * x / MAX (width, 1) + 40 * y / MAX (height, 1));

  for (int i = 0; i < 60; i++)
    {
      int w = g_rand_int_range (rand, 4, MAX (width / 4, 5));
      int h = g_rand_int_range (rand, 4, MAX (height / 4, 5));
      int x0 = g_rand_int_range (rand, 0, MAX (width - w, 1));
      int y0 = g_rand_int_range (rand, 0, MAX (height - h, 1));
      guint8 grey = (guint8) g_rand_int_range (rand, 0, 256);
      int period = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 2, 12) : 0;

      for (int y = y0; y < MIN (y0 + h, height); y++)
        for (int x = x0; x < MIN (x0 + w, width); x++)
          if (period == 0 || (x / period) % 2 == 0)
            pixels[(gsize) y * width + x] = grey;
    }
}

/* How much farther from the frame's centre the point (@x, @y) of the
 * picture lies in the scene: a surface bulging towards the camera, or a
 * wide-angle lens, pictures the centre larger than the edges. */
static double
bulge_scale (const MerkkiTestScene *scene,
             const MerkkiTestFrame *frame,
             double                 x,
             double                 y)
{
  double dx = x - frame->width / 2.0, dy = y - frame->height / 2.0;
  double r = sqrt (dx * dx + dy * dy) / (MIN (frame->width, frame->height) / 2.0);

  return 1 - scene->bulge * (r - 1);
}

/* Draws @qr as @scene says: each pixel of the code is supersampled 3×3
 * through the inverse of the rotation and of a projective tilt. */
MerkkiTestFrame *
merkki_test_qr_render (const QRcode          *qr,
                       const MerkkiTestScene *given)
{
  MerkkiTestScene defaults = *given;
  const MerkkiTestScene *scene = &defaults;
  MerkkiTestFrame *frame = g_new0 (MerkkiTestFrame, 1);
  g_autofree guint8 *packed = NULL;
  g_autoptr(GRand) rand = NULL;
  double side, a, cos_a, sin_a, centre_x, centre_y;

  if (defaults.module_px == 0)
    defaults.module_px = 4;
  if (defaults.white == 0)
    defaults.white = 255;
  rand = g_rand_new_with_seed (scene->seed != 0 ? scene->seed : 42);
  side = (qr->width + 8) * scene->module_px;
  a = -scene->angle * G_PI / 180.0;
  cos_a = cos (a);
  sin_a = sin (a);

  frame->width = scene->width > 0 ? scene->width : (int) ceil (side * 1.5);
  frame->height = scene->height > 0 ? scene->height : frame->width;
  frame->stride = frame->width + scene->padding;
  centre_x = frame->width / 2.0 + scene->offset_x;
  centre_y = frame->height / 2.0 + scene->offset_y;
  packed = g_malloc ((gsize) frame->width * frame->height);
  if (scene->clutter)
    draw_clutter (packed, frame->width, frame->height, rand);

  for (int y = 0; y < frame->height; y++)
    for (int x = 0; x < frame->width; x++)
      {
        int dark = 0, inside = 0;
        double bulge = bulge_scale (scene, frame, x + 0.5, y + 0.5);
        double cx = (x + 0.5 - frame->width / 2.0) * bulge + frame->width / 2.0 - centre_x;
        double cy = (y + 0.5 - frame->height / 2.0) * bulge + frame->height / 2.0 - centre_y;
        double cw = 1 + scene->tilt * cy / side;
        double cu = ((cx / cw) * cos_a - (cy / cw) * sin_a) / scene->module_px;
        double cv = ((cx / cw) * sin_a + (cy / cw) * cos_a) / scene->module_px;

        /* Far from the code: background, without supersampling. */
        if (cw > 0.1 && (fabs (cu) > qr->width / 2.0 + 6 || fabs (cv) > qr->width / 2.0 + 6))
          {
            if (!scene->clutter)
              packed[(gsize) y * frame->width + x] = (guint8) scene->white;
            continue;
          }

        for (int sy = 0; sy < 3; sy++)
          for (int sx = 0; sx < 3; sx++)
            {
              double bx = x + (sx + 0.5) / 3, by = y + (sy + 0.5) / 3;
              double b = bulge_scale (scene, frame, bx, by);
              double px = (bx - frame->width / 2.0) * b + frame->width / 2.0 - centre_x;
              double py = (by - frame->height / 2.0) * b + frame->height / 2.0 - centre_y;
              double w = 1 + scene->tilt * py / side;
              double rx = (px / w) * cos_a - (py / w) * sin_a;
              double ry = (px / w) * sin_a + (py / w) * cos_a;
              double u = rx / scene->module_px + qr->width / 2.0;
              double v = ry / scene->module_px + qr->width / 2.0;

              /* The code with its 4-module quiet zone is a white label. */
              inside += w > 0 && u >= -4 && v >= -4 && u < qr->width + 4 && v < qr->width + 4;
              dark += merkki_test_qr_is_dark (qr, u, v);
            }
        if (!scene->clutter || inside == 9)
          packed[(gsize) y * frame->width + x] =
            (guint8) (scene->white - (scene->white - scene->black) * dark / 9);
      }

  if (scene->blur > 0)
    box_blur (packed, frame->width, frame->height, scene->blur);

  for (gsize i = 0; i < (gsize) frame->width * frame->height; i++)
    {
      int v = packed[i];

      if (scene->noise > 0)
        v += g_rand_int_range (rand, -scene->noise, scene->noise + 1);
      v = CLAMP (v, 0, 255);
      packed[i] = (guint8) (scene->invert ? 255 - v : v);
    }

  /* The padding is filled with a pattern a decoder that ignores the
   * stride would trip on. */
  frame->pixels = g_malloc ((gsize) frame->stride * frame->height);
  for (int y = 0; y < frame->height; y++)
    {
      memcpy (frame->pixels + (gsize) y * frame->stride, packed + (gsize) y * frame->width, frame->width);
      for (int x = frame->width; x < frame->stride; x++)
        frame->pixels[(gsize) y * frame->stride + x] = (x & 1) ? 0 : 255;
    }

  return frame;
}

MerkkiTestFrame *
merkki_test_qr_render_bytes (const guint8          *data,
                             gsize                  len,
                             const MerkkiTestScene *scene)
{
  QRcode *qr = merkki_test_qr_encode (data, len);
  MerkkiTestFrame *frame = merkki_test_qr_render (qr, scene);

  QRcode_free (qr);
  return frame;
}
