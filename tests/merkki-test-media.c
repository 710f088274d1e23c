/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "merkki-test-media.h"
#include "merkki-test-qr.h"

/* Modules of the quiet zone around a code, as merkki-test-qr draws it. */
#define QUIET_ZONE 4

/* Saves @frames side by side on white, top-aligned, as an image whose type
 * comes from the extension of @path. */
static gboolean
save_frames (const char             *path,
             MerkkiTestFrame *const *frames,
             guint                   n_frames,
             GError                **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  guint8 *rgb;
  int rowstride;
  int width = 0, height = 0, left = 0;
  const char *type;

  for (guint i = 0; i < n_frames; i++)
    {
      width += frames[i]->width;
      height = MAX (height, frames[i]->height);
    }
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  gdk_pixbuf_fill (pixbuf, 0xffffffff);
  rgb = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (guint i = 0; i < n_frames; i++)
    {
      const MerkkiTestFrame *frame = frames[i];

      for (int y = 0; y < frame->height; y++)
        for (int x = 0; x < frame->width; x++)
          memset (rgb + y * rowstride + (left + x) * 3, frame->pixels[y * frame->stride + x], 3);
      left += frame->width;
    }

  if (g_str_has_suffix (path, ".png"))
    type = "png";
  else if (g_str_has_suffix (path, ".jpg") || g_str_has_suffix (path, ".jpeg"))
    type = "jpeg";
  else if (g_str_has_suffix (path, ".webp"))
    type = "webp";
  else
    g_assert_not_reached ();

  return gdk_pixbuf_save (pixbuf, path, type, error, NULL);
}

gboolean
merkki_test_write_qr_image (const char    *path,
                            const guint8  *payload,
                            gsize          len,
                            int            module_px,
                            GError       **error)
{
  MerkkiTestScene scene = { .module_px = module_px };
  g_autoptr(MerkkiTestFrame) frame = merkki_test_qr_render_bytes (payload, len, &scene);

  return save_frames (path, &frame, 1, error);
}

gboolean
merkki_test_write_qr_images (const char         *path,
                             const char * const *payloads,
                             int                 module_px,
                             GError            **error)
{
  MerkkiTestScene scene = { .module_px = module_px };
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_test_frame_free);

  for (guint i = 0; payloads[i] != NULL; i++)
    g_ptr_array_add (frames, merkki_test_qr_render_bytes ((const guint8 *) payloads[i], strlen (payloads[i]),
                                                          &scene));
  return save_frames (path, (MerkkiTestFrame *const *) frames->pdata, frames->len, error);
}

gboolean
merkki_test_write_qr_video (const char    *path,
                            const guint8  *payload,
                            gsize          len,
                            int            width,
                            int            height,
                            int            fps,
                            int            blank_frames,
                            int            code_frames,
                            int            after_frames,
                            GError       **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) src = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autofree char *description = NULL;
  g_autoptr(MerkkiTestFrame) blank = NULL;
  g_autoptr(MerkkiTestFrame) code = NULL;
  MerkkiTestScene scene = { .clutter = TRUE, .noise = 6, .width = width, .height = height };
  const char *encode_mux;
  gboolean ok = TRUE;

  /* GStreamer's GRAY8 rows are 4-byte aligned; the frames here are packed. */
  g_assert_cmpint (width % 4, ==, 0);

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  /* Sharp enough for a code: a low quantizer, frequent key frames. */
  if (g_str_has_suffix (path, ".webm"))
    encode_mux = "vp8enc deadline=1 cpu-used=8 max-quantizer=20 keyframe-max-dist=10 ! webmmux";
  else if (g_str_has_suffix (path, ".mkv"))
    encode_mux = "vp8enc deadline=1 cpu-used=8 max-quantizer=20 keyframe-max-dist=10 ! matroskamux";
  else if (g_str_has_suffix (path, ".ogg") || g_str_has_suffix (path, ".ogv"))
    encode_mux = "theoraenc quality=50 keyframe-force=10 ! oggmux";
  else
    g_assert_not_reached ();

  description = g_strdup_printf ("appsrc name=src format=time block=true max-bytes=%d "
                                 "! videoconvert ! %s ! filesink name=sink",
                                 width * height * 4, encode_mux);
  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return FALSE;

  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (sink, "location", path, NULL);
  caps = gst_caps_new_simple ("video/x-raw",
                              "format", G_TYPE_STRING, "GRAY8",
                              "width", G_TYPE_INT, width,
                              "height", G_TYPE_INT, height,
                              "framerate", GST_TYPE_FRACTION, fps, 1,
                              NULL);
  g_object_set (src, "caps", caps, NULL);

  if (payload != NULL)
    {
      QRcode *qr = merkki_test_qr_encode (payload, len);

      /* The module size a phone held at a label would give: about a third
       * of the frame's height for the whole code. */
      scene.module_px = MAX (2, height / 3 / (qr->width + 2 * QUIET_ZONE));
      code = merkki_test_qr_render (qr, &scene);
      QRcode_free (qr);
    }

  /* The same background with the code far outside the frame. */
  scene.offset_x = 100 * width;
  blank = merkki_test_qr_render_bytes ((const guint8 *) "-", 1, &scene);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (int i = 0; i < blank_frames + code_frames + after_frames; i++)
    {
      gboolean shows_code = code != NULL && i >= blank_frames && i < blank_frames + code_frames;
      const MerkkiTestFrame *frame = shows_code ? code : blank;
      GstBuffer *buffer = gst_buffer_new_memdup (frame->pixels, (gsize) width * height);

      GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (i, GST_SECOND, fps);
      GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (1, GST_SECOND, fps);
      if (gst_app_src_push_buffer (GST_APP_SRC (src), buffer) != GST_FLOW_OK)
        break;
    }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "writing %s timed out", path);
      ok = FALSE;
    }
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      gst_message_parse_error (message, error, NULL);
      ok = FALSE;
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

char *
merkki_test_hex (const guint8 *bytes,
                 gsize         len)
{
  GString *hex = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}
