/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <qrencode.h>

G_BEGIN_DECLS

/* How a test pictures a QR code; zero fields are the defaults. The code is
 * drawn from its bytes, so that every read can be compared with the exact
 * bytes it was made of. */
typedef struct {
  double   module_px;    /* pixels per module at the code's centre; 0 for 4 */
  double   angle;        /* rotation, degrees */
  double   tilt;         /* perspective: 0 is a flat view */
  double   bulge;        /* radial distortion about the frame's centre: 0 is none */
  int      blur;         /* box blur radius, pixels */
  int      black;        /* grey level of dark modules */
  int      white;        /* grey level of light modules and background; 0 for 255 */
  int      noise;        /* amplitude of uniform noise */
  gboolean invert;       /* light modules on a dark background */
  gboolean clutter;      /* a background of grey shapes instead of plain white */
  int      padding;      /* bytes at the end of each row (stride - width) */
  int      width;        /* frame size; 0 for just around the code */
  int      height;
  int      offset_x;     /* the code's centre from the frame's, pixels */
  int      offset_y;
  guint32  seed;         /* for the noise and the clutter */
} MerkkiTestScene;

/* A GRAY8 frame, rows @stride bytes apart. */
typedef struct {
  guint8 *pixels;
  int     width;
  int     height;
  int     stride;
} MerkkiTestFrame;

void             merkki_test_frame_free     (MerkkiTestFrame       *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiTestFrame, merkki_test_frame_free)

/* The QR code of @len bytes @data, in byte mode, error correction M. */
QRcode          *merkki_test_qr_encode      (const guint8          *data,
                                             gsize                  len);
/* Whether the point (@u, @v), in modules from the code's top-left corner,
 * is dark; the quiet zone and everything around it are light. */
gboolean         merkki_test_qr_is_dark     (const QRcode          *qr,
                                             double                 u,
                                             double                 v);
MerkkiTestFrame *merkki_test_qr_render      (const QRcode          *qr,
                                             const MerkkiTestScene *scene);
MerkkiTestFrame *merkki_test_qr_render_bytes (const guint8         *data,
                                              gsize                 len,
                                              const MerkkiTestScene *scene);

G_END_DECLS
