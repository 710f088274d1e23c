/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "merkki-decoder.h"
#include "merkki-error.h"
#include "merkki-test-qr.h"
#include "merkki-test-utils.h"

/* Asserts that @results holds exactly one code, of exactly @len bytes
 * @data. */
static void
assert_one_code (GPtrArray    *results,
                 const guint8 *data,
                 gsize         len)
{
  MerkkiDecodedCode *code;

  g_assert_nonnull (results);
  g_assert_cmpuint (results->len, ==, 1);
  code = g_ptr_array_index (results, 0);
  g_assert_nonnull (code->text);
  g_assert_true (g_utf8_validate (code->text, -1, NULL));
  g_assert_cmpmem (g_bytes_get_data (code->payload, NULL), g_bytes_get_size (code->payload),
                   data, len);
}

static void
assert_scene_reads (const char       *payload,
                    const MerkkiTestScene      *scene,
                    MerkkiDecodeMode  mode)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(MerkkiTestFrame) frame = merkki_test_qr_render_bytes ((const guint8 *) payload, strlen (payload), scene);
  g_autoptr(GPtrArray) results = NULL;

  results = merkki_decoder_decode_gray8 (decoder, frame->pixels, frame->width, frame->height,
                                         frame->stride, mode);
  assert_one_code (results, (const guint8 *) payload, strlen (payload));
  g_assert_cmpstr (((MerkkiDecodedCode *) g_ptr_array_index (results, 0))->text, ==, payload);
}

#define LABEL "CSA/311228/1001"

/* Text ------------------------------------------------------------------- */

static void
test_text_utf8 (void)
{
  const char *text = "Tietoturvamerkki – 网络安全标签 ✓";
  g_autofree char *result = merkki_decoder_text_from_payload ((const guint8 *) text, strlen (text));
  g_autofree char *with_bom = g_strconcat ("\xEF\xBB\xBF", text, NULL);
  g_autofree char *bom_result = merkki_decoder_text_from_payload ((const guint8 *) with_bom,
                                                                  strlen (with_bom));

  g_assert_cmpstr (result, ==, text);
  g_assert_cmpstr (bom_result, ==, text);
}

static void
test_text_shift_jis (void)
{
  /* "ﾃﾞｻﾞｲﾝQR" in half-width katakana, and "今度の" in kanji and hiragana. */
  const guint8 kana[] = { 0xC3, 0xDE, 0xBB, 0xDE, 0xB2, 0xDD, 'Q', 'R' };
  const guint8 kanji[] = { 0x8D, 0xA1, 0x93, 0x78, 0x82, 0xCC, '~', '\\' };
  g_autofree char *kana_text = merkki_decoder_text_from_payload (kana, sizeof kana);
  g_autofree char *kanji_text = merkki_decoder_text_from_payload (kanji, sizeof kanji);

  g_assert_cmpstr (kana_text, ==, "ﾃﾞｻﾞｲﾝQR");
  g_assert_cmpstr (kanji_text, ==, "今度の~\\");
}

static void
test_text_latin1 (void)
{
  /* "Ménagère à Turku", ISO-8859-1: also valid Shift_JIS byte pairs, which
   * must not turn it into kanji. */
  const guint8 latin1[] = { 'M', 0xE9, 'n', 'a', 'g', 0xE8, 'r', 'e', ' ', 0xE0, ' ', 'T', 'u', 'r', 'k', 'u' };
  const guint8 lone[] = { 'c', 'a', 'f', 0xE9 };
  g_autofree char *text = merkki_decoder_text_from_payload (latin1, sizeof latin1);
  g_autofree char *lone_text = merkki_decoder_text_from_payload (lone, sizeof lone);

  g_assert_cmpstr (text, ==, "Ménagère à Turku");
  g_assert_cmpstr (lone_text, ==, "café");
}

static void
test_text_nul (void)
{
  const guint8 data[] = { 'a', 0, 'b', 0 };
  g_autofree char *text = merkki_decoder_text_from_payload (data, sizeof data);
  g_autofree char *empty = merkki_decoder_text_from_payload (data, 0);

  g_assert_cmpstr (text, ==, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  g_assert_cmpstr (empty, ==, "");
}

/* Frames ------------------------------------------------------------------ */

static void
test_read_label_live (void)
{
  MerkkiTestScene scene = { .width = 640, .height = 480 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_LIVE);
  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

static void
test_read_live_720p_noise (void)
{
  MerkkiTestScene scene = { .module_px = 6, .noise = 40, .white = 220, .black = 30,
                  .width = 1280, .height = 720, .padding = 64 };

  assert_scene_reads ("https://www.csa.gov.sg/our-programmes/certification-and-labelling-schemes/"
                      "cybersecurity-labelling-scheme/product-list/" LABEL,
                      &scene, MERKKI_DECODE_LIVE);
}

/* A big live frame is looked at in turns: whole but downscaled, then its
 * centre at full resolution. A small code aimed at is read within two
 * frames, a big one anywhere at the first. */
static void
test_read_live_turns (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  MerkkiTestScene small = { .module_px = 2.5, .width = 1920, .height = 1080, .noise = 6 };
  MerkkiTestScene big = { .module_px = 8, .width = 1920, .height = 1080, .offset_x = 700,
                          .offset_y = -300, .noise = 6 };
  g_autoptr(MerkkiTestFrame) small_frame =
    merkki_test_qr_render_bytes ((const guint8 *) LABEL, strlen (LABEL), &small);
  g_autoptr(MerkkiTestFrame) big_frame =
    merkki_test_qr_render_bytes ((const guint8 *) LABEL, strlen (LABEL), &big);
  guint small_reads = 0;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) results =
        merkki_decoder_decode_gray8 (decoder, small_frame->pixels, small_frame->width,
                                     small_frame->height, small_frame->stride, MERKKI_DECODE_LIVE);

      small_reads += results->len;
    }
  g_assert_cmpuint (small_reads, >=, 1);

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) results =
        merkki_decoder_decode_gray8 (decoder, big_frame->pixels, big_frame->width,
                                     big_frame->height, big_frame->stride, MERKKI_DECODE_LIVE);

      /* The second call looks at the centre only, where the code is not. */
      if (i == 0)
        assert_one_code (results, (const guint8 *) LABEL, strlen (LABEL));
    }
}

static void
test_read_binary (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  MerkkiTestScene scene = { 0 };
  guint8 all[256];
  const guint8 nuls[] = { 0, 0, 'C', 'S', 'A', 0, 0xFF, 0 };
  const guint8 *payloads[] = { all, nuls };
  gsize lens[] = { sizeof all, sizeof nuls };

  for (guint i = 0; i < 256; i++)
    all[i] = (guint8) i;

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autoptr(MerkkiTestFrame) frame = merkki_test_qr_render_bytes (payloads[i], lens[i], &scene);
      g_autoptr(GPtrArray) results = NULL;

      results = merkki_decoder_decode_gray8 (decoder, frame->pixels, frame->width, frame->height,
                                             frame->stride, MERKKI_DECODE_STILL);
      assert_one_code (results, payloads[i], lens[i]);
    }
}

static void
test_read_utf8 (void)
{
  MerkkiTestScene scene = { 0 };

  assert_scene_reads ("Tietoturvamerkki – Traficom ✓ 网络安全标签 சைபர்", &scene, MERKKI_DECODE_STILL);
}

/* Japanese text in the QR kanji mode, whose bytes are Shift_JIS: the
 * payload keeps them, the text is their UTF-8 reading. */
static void
test_read_kanji (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  const char *text = "今度のバージョンでは安全ラベル";
  g_autofree char *sjis = g_convert (text, -1, "SHIFT_JIS", "UTF-8", NULL, NULL, NULL);
  QRcode *qr;
  MerkkiTestScene scene = { 0 };
  g_autoptr(MerkkiTestFrame) frame = NULL;
  g_autoptr(GPtrArray) results = NULL;
  MerkkiDecodedCode *code;

  g_assert_nonnull (sjis);
  qr = QRcode_encodeString (sjis, 0, QR_ECLEVEL_M, QR_MODE_KANJI, 1);
  g_assert_nonnull (qr);
  frame = merkki_test_qr_render (qr, &scene);
  QRcode_free (qr);

  results = merkki_decoder_decode_gray8 (decoder, frame->pixels, frame->width, frame->height,
                                         frame->stride, MERKKI_DECODE_STILL);
  assert_one_code (results, (const guint8 *) sjis, strlen (sjis));
  code = g_ptr_array_index (results, 0);
  g_assert_cmpstr (code->text, ==, text);
}

static void
test_read_small (void)
{
  MerkkiTestScene scene = { .module_px = 1.5 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

static void
test_read_rotated (void)
{
  const double angles[] = { 15, 45, 90, 200 };

  for (guint i = 0; i < G_N_ELEMENTS (angles); i++)
    {
      MerkkiTestScene scene = { .angle = angles[i] };

      g_test_message ("rotated by %g°", angles[i]);
      assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
    }
}

static void
test_read_blurred (void)
{
  MerkkiTestScene scene = { .module_px = 6, .blur = 3 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

static void
test_read_low_contrast (void)
{
  MerkkiTestScene scene = { .black = 120, .white = 150 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

static void
test_read_inverted (void)
{
  MerkkiTestScene scene = { .invert = TRUE };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

static void
test_read_perspective (void)
{
  MerkkiTestScene scene = { .module_px = 5, .tilt = 0.6, .angle = 10 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

/* A code on a bulging surface, or through a wide-angle lens: more than
 * zbar's projective grid fit allows. */
static void
test_read_bulging (void)
{
  MerkkiTestScene scene = { .bulge = 0.3 };

  assert_scene_reads ("https://www.traficom.fi/en/tietoturvamerkki/1234-5678 " LABEL, &scene,
                      MERKKI_DECODE_STILL);
}

static void
test_read_noise (void)
{
  MerkkiTestScene scene = { .noise = 90, .padding = 13 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

/* Places @frames side by side on one white frame. */
static MerkkiTestFrame *
frame_new_side_by_side (GPtrArray *frames)
{
  MerkkiTestFrame *row = g_new0 (MerkkiTestFrame, 1);
  int left = 0;

  for (guint i = 0; i < frames->len; i++)
    {
      MerkkiTestFrame *frame = g_ptr_array_index (frames, i);

      row->width += frame->width;
      row->height = MAX (row->height, frame->height);
    }
  row->stride = row->width;
  row->pixels = g_malloc ((gsize) row->width * row->height);
  memset (row->pixels, 255, (gsize) row->width * row->height);
  for (guint i = 0; i < frames->len; i++)
    {
      MerkkiTestFrame *frame = g_ptr_array_index (frames, i);

      for (int y = 0; y < frame->height; y++)
        memcpy (row->pixels + (gsize) y * row->stride + left,
                frame->pixels + (gsize) y * frame->stride, frame->width);
      left += frame->width;
    }
  return row;
}

/* A payload split over several symbols (structured append) is one code
 * when all are in view, and none while one is missing. */
static void
test_read_structured_append (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  const char *payload = "https://www.csa.gov.sg/cls/" LABEL "?split=over-several-symbols";
  QRcode_List *list = QRcode_encodeString8bitStructured (payload, 1, QR_ECLEVEL_L);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_test_frame_free);
  MerkkiTestScene scene = { 0 };
  g_autoptr(MerkkiTestFrame) all = NULL;
  g_autoptr(MerkkiTestFrame) some = NULL;
  g_autoptr(GPtrArray) all_results = NULL;
  g_autoptr(GPtrArray) some_results = NULL;

  g_assert_nonnull (list);
  for (QRcode_List *l = list; l != NULL; l = l->next)
    g_ptr_array_add (parts, merkki_test_qr_render (l->code, &scene));
  QRcode_List_free (list);
  g_assert_cmpuint (parts->len, >=, 3);

  all = frame_new_side_by_side (parts);
  all_results = merkki_decoder_decode_gray8 (decoder, all->pixels, all->width, all->height,
                                             all->stride, MERKKI_DECODE_STILL);
  assert_one_code (all_results, (const guint8 *) payload, strlen (payload));

  g_ptr_array_remove_index (parts, 1);
  some = frame_new_side_by_side (parts);
  some_results = merkki_decoder_decode_gray8 (decoder, some->pixels, some->width, some->height,
                                              some->stride, MERKKI_DECODE_STILL);
  g_assert_cmpuint (some_results->len, ==, 0);
}

static void
test_read_two_codes (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  MerkkiTestScene scene = { 0 };
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_test_frame_free);
  g_autoptr(MerkkiTestFrame) frame = NULL;
  g_autoptr(GPtrArray) results = NULL;
  gboolean seen_left = FALSE, seen_right = FALSE;

  g_ptr_array_add (codes, merkki_test_qr_render_bytes ((const guint8 *) "left", 4, &scene));
  g_ptr_array_add (codes, merkki_test_qr_render_bytes ((const guint8 *) LABEL, strlen (LABEL), &scene));
  /* The same code twice is reported once. */
  g_ptr_array_add (codes, merkki_test_qr_render_bytes ((const guint8 *) "left", 4, &scene));
  frame = frame_new_side_by_side (codes);

  results = merkki_decoder_decode_gray8 (decoder, frame->pixels, frame->width, frame->height,
                                         frame->stride, MERKKI_DECODE_STILL);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (results, i);

      seen_left |= g_str_equal (code->text, "left");
      seen_right |= g_str_equal (code->text, LABEL);
    }
  g_assert_true (seen_left && seen_right);
}

static void
test_degenerate_frames (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  const guint8 one = 0;
  guint8 tiny[5 * 7];
  const MerkkiDecodeMode modes[] = { MERKKI_DECODE_LIVE, MERKKI_DECODE_STILL };

  memset (tiny, 0x80, sizeof tiny);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GPtrArray) empty = merkki_decoder_decode_gray8 (decoder, NULL, 0, 0, 0, modes[i]);
      g_autoptr(GPtrArray) line = merkki_decoder_decode_gray8 (decoder, NULL, 100, 0, 100, modes[i]);
      g_autoptr(GPtrArray) single = merkki_decoder_decode_gray8 (decoder, &one, 1, 1, 1, modes[i]);
      g_autoptr(GPtrArray) small = merkki_decoder_decode_gray8 (decoder, tiny, 5, 7, 5, modes[i]);

      g_assert_cmpuint (empty->len, ==, 0);
      g_assert_cmpuint (line->len, ==, 0);
      g_assert_cmpuint (single->len, ==, 0);
      g_assert_cmpuint (small->len, ==, 0);
    }
}

/* A 10000×10000 frame is read, within bounded work, by both modes: the code
 * in it is large, as it would be in a photo that big. */
static void
test_huge_frame (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  const int side = 10000;
  QRcode *qr = merkki_test_qr_encode ((const guint8 *) LABEL, strlen (LABEL));
  int module_px = 60;
  int origin = side / 2 - qr->width * module_px / 2;
  g_autofree guint8 *pixels = g_malloc ((gsize) side * side);
  const MerkkiDecodeMode modes[] = { MERKKI_DECODE_LIVE, MERKKI_DECODE_STILL };

  memset (pixels, 255, (gsize) side * side);
  for (int y = 0; y < qr->width * module_px; y++)
    for (int x = 0; x < qr->width * module_px; x++)
      if (merkki_test_qr_is_dark (qr, (double) x / module_px, (double) y / module_px))
        pixels[(gsize) (origin + y) * side + origin + x] = 0;
  QRcode_free (qr);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GPtrArray) results = merkki_decoder_decode_gray8 (decoder, pixels, side, side, side,
                                                                  modes[i]);

      assert_one_code (results, (const guint8 *) LABEL, strlen (LABEL));
    }
}

/* A small code in a big photo: the downscaled picture has too few pixels
 * per module, the full-resolution pass reads it. */
static void
test_small_code_in_big_frame (void)
{
  MerkkiTestScene scene = { .module_px = 2.5, .width = 4000, .height = 3000, .offset_x = 900,
                            .offset_y = -600, .clutter = TRUE, .noise = 8 };

  assert_scene_reads (LABEL, &scene, MERKKI_DECODE_STILL);
}

/* Files ------------------------------------------------------------------- */

static GdkPixbuf *
pixbuf_from_frame (const MerkkiTestFrame *frame,
                   gboolean     mirror)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, frame->width, frame->height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < frame->height; y++)
    for (int x = 0; x < frame->width; x++)
      {
        int sx = mirror ? frame->width - 1 - x : x;
        guint8 v = frame->pixels[(gsize) y * frame->stride + sx];
        guint8 *p = pixels + (gsize) y * rowstride + x * 3;

        p[0] = p[1] = p[2] = v;
      }
  return pixbuf;
}

static char *
save_frame (const MerkkiTestFrame *frame,
            const char  *name,
            const char  *type)
{
  g_autoptr(GdkPixbuf) pixbuf = pixbuf_from_frame (frame, FALSE);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (merkki_test_get_tmpdir (), name, NULL);

  gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
  return path;
}

static MerkkiTestFrame *
render_label (void)
{
  MerkkiTestScene scene = { 0 };

  return merkki_test_qr_render_bytes ((const guint8 *) LABEL, strlen (LABEL), &scene);
}

static void
assert_file_reads (const char *path)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = merkki_decoder_decode_file (decoder, path, &error);

  g_assert_no_error (error);
  assert_one_code (results, (const guint8 *) LABEL, strlen (LABEL));
}

static void
test_file_png_jpeg (void)
{
  g_autoptr(MerkkiTestFrame) frame = render_label ();
  g_autofree char *png = save_frame (frame, "label.png", "png");
  g_autofree char *jpeg = save_frame (frame, "label.jpg", "jpeg");

  assert_file_reads (png);
  assert_file_reads (jpeg);
}

static gboolean
pixbuf_can_write (const char *name)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *format_name = gdk_pixbuf_format_get_name (l->data);

      if (g_str_equal (format_name, name))
        return gdk_pixbuf_format_is_writable (l->data);
    }
  return FALSE;
}

static void
test_file_webp (void)
{
  g_autoptr(MerkkiTestFrame) frame = render_label ();
  g_autofree char *webp = NULL;

  /* build-aux/install-deps.sh installs webp-pixbuf-loader, which can
   * write WebP too. */
  if (!pixbuf_can_write ("webp"))
    {
      g_test_skip ("No gdk-pixbuf loader for WebP (webp-pixbuf-loader)");
      return;
    }
  webp = save_frame (frame, "label.webp", "webp");
  assert_file_reads (webp);
}

/* A JPEG of the mirror image of a code rotated by 90°, tagged with EXIF
 * orientation 7 (transpose), as phone cameras write them. zbar reads
 * mirrored and rotated codes too, so this shows that such files load and
 * read, not which way they were turned. */
static void
test_file_exif_orientation (void)
{
  g_autoptr(MerkkiTestFrame) frame = render_label ();
  g_autoptr(GdkPixbuf) mirrored = pixbuf_from_frame (frame, TRUE);
  g_autoptr(GdkPixbuf) turned = gdk_pixbuf_rotate_simple (mirrored, GDK_PIXBUF_ROTATE_CLOCKWISE);
  g_autoptr(GError) error = NULL;
  g_autofree char *jpeg = NULL;
  g_autofree char *path = g_build_filename (merkki_test_get_tmpdir (), "exif.jpg", NULL);
  g_autoptr(GByteArray) with_exif = g_byte_array_new ();
  gsize len = 0;
  /* APP1 "Exif", big-endian TIFF header, IFD0 with one entry: Orientation
   * (0x0112), SHORT, 1 value: 7. */
  const guint8 app1[] = {
    0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01,
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };

  gdk_pixbuf_save_to_buffer (turned, &jpeg, &len, "jpeg", &error, "quality", "95", NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 2);

  g_byte_array_append (with_exif, (const guint8 *) jpeg, 2);   /* SOI */
  g_byte_array_append (with_exif, app1, sizeof app1);
  g_byte_array_append (with_exif, (const guint8 *) jpeg + 2, len - 2);
  g_file_set_contents (path, (const char *) with_exif->data, with_exif->len, &error);
  g_assert_no_error (error);

  assert_file_reads (path);
}

static void
assert_file_fails (const char *path)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = merkki_decoder_decode_file (decoder, path, &error);
  g_autofree char *basename = g_path_get_basename (path);

  g_assert_null (results);
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE);
  g_test_message ("%s", error->message);
  /* The message names the file, for a person scanning many. */
  g_assert_nonnull (strstr (error->message, basename));
}

static guint32
crc32_of (const guint8 *data,
          gsize         len)
{
  guint32 crc = 0xFFFFFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
    }
  return ~crc;
}

static void
append_png_chunk (GByteArray   *png,
                  const char   *type,
                  const guint8 *data,
                  guint32       len)
{
  g_autoptr(GByteArray) typed = g_byte_array_new ();
  guint32 be_len = GUINT32_TO_BE (len), be_crc;

  g_byte_array_append (typed, (const guint8 *) type, 4);
  g_byte_array_append (typed, data, len);
  be_crc = GUINT32_TO_BE (crc32_of (typed->data, typed->len));
  g_byte_array_append (png, (const guint8 *) &be_len, 4);
  g_byte_array_append (png, typed->data, typed->len);
  g_byte_array_append (png, (const guint8 *) &be_crc, 4);
}

/* A valid PNG of a few dozen bytes that claims 30000×30000 pixels: it is
 * refused at once, without gigabytes of memory. */
static void
test_file_too_large (void)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autofree char *path = g_build_filename (merkki_test_get_tmpdir (), "bomb.png", NULL);
  g_autoptr(GError) error = NULL;
  const guint8 ihdr[] = { 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 0, 0, 0, 0 };
  const guint8 idat[] = { 0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  append_png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_png_chunk (png, "IDAT", idat, sizeof idat);
  append_png_chunk (png, "IEND", NULL, 0);
  g_file_set_contents (path, (const char *) png->data, png->len, &error);
  g_assert_no_error (error);

  assert_file_fails (path);
}

static void
test_file_bad (void)
{
  g_autoptr(MerkkiTestFrame) frame = render_label ();
  g_autofree char *png = save_frame (frame, "whole.png", "png");
  g_autofree char *missing = g_build_filename (merkki_test_get_tmpdir (), "missing.png", NULL);
  g_autofree char *empty = g_build_filename (merkki_test_get_tmpdir (), "empty.png", NULL);
  g_autofree char *truncated = g_build_filename (merkki_test_get_tmpdir (), "truncated.png", NULL);
  g_autofree char *garbage = g_build_filename (merkki_test_get_tmpdir (), "garbage.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (png, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (empty, "", 0, &error);
  g_assert_no_error (error);
  g_file_set_contents (truncated, contents, (gssize) len / 2, &error);
  g_assert_no_error (error);
  g_file_set_contents (garbage, "\xFF\xD8\xFFnot really a JPEG at all", -1, &error);
  g_assert_no_error (error);

  assert_file_fails (missing);
  assert_file_fails (empty);
  assert_file_fails (truncated);
  assert_file_fails (garbage);
  assert_file_fails (merkki_test_get_tmpdir ());
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/decoder/text/utf8", test_text_utf8);
  g_test_add_func ("/decoder/text/shift-jis", test_text_shift_jis);
  g_test_add_func ("/decoder/text/latin1", test_text_latin1);
  g_test_add_func ("/decoder/text/nul", test_text_nul);
  g_test_add_func ("/decoder/read/label", test_read_label_live);
  g_test_add_func ("/decoder/read/live-720p-noise", test_read_live_720p_noise);
  g_test_add_func ("/decoder/read/live-turns", test_read_live_turns);
  g_test_add_func ("/decoder/read/binary", test_read_binary);
  g_test_add_func ("/decoder/read/utf8", test_read_utf8);
  g_test_add_func ("/decoder/read/kanji", test_read_kanji);
  g_test_add_func ("/decoder/read/small", test_read_small);
  g_test_add_func ("/decoder/read/rotated", test_read_rotated);
  g_test_add_func ("/decoder/read/blurred", test_read_blurred);
  g_test_add_func ("/decoder/read/low-contrast", test_read_low_contrast);
  g_test_add_func ("/decoder/read/inverted", test_read_inverted);
  g_test_add_func ("/decoder/read/perspective", test_read_perspective);
  g_test_add_func ("/decoder/read/bulging", test_read_bulging);
  g_test_add_func ("/decoder/read/noise", test_read_noise);
  g_test_add_func ("/decoder/read/two-codes", test_read_two_codes);
  g_test_add_func ("/decoder/read/structured-append", test_read_structured_append);
  g_test_add_func ("/decoder/frame/degenerate", test_degenerate_frames);
  g_test_add_func ("/decoder/frame/huge", test_huge_frame);
  g_test_add_func ("/decoder/frame/small-code-in-big-frame", test_small_code_in_big_frame);
  g_test_add_func ("/decoder/file/png-jpeg", test_file_png_jpeg);
  g_test_add_func ("/decoder/file/webp", test_file_webp);
  g_test_add_func ("/decoder/file/exif", test_file_exif_orientation);
  g_test_add_func ("/decoder/file/bad", test_file_bad);
  g_test_add_func ("/decoder/file/too-large", test_file_too_large);

  return g_test_run ();
}
