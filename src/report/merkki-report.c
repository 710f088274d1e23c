/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "merkki-decoder.h"
#include "merkki-error.h"
#include "merkki-history-export.h"
#include "merkki-verdict.h"
#include "merkki-report.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_surface_t, cairo_surface_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_t, cairo_destroy)

gboolean
merkki_report_format_from_string (const char         *str,
                                  MerkkiReportFormat *out)
{
  static const struct { const char *name; MerkkiReportFormat format; } formats[] = {
    { "csv", MERKKI_REPORT_FORMAT_CSV },
    { "json", MERKKI_REPORT_FORMAT_JSON },
    { "pdf", MERKKI_REPORT_FORMAT_PDF },
  };

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (formats); i++)
    {
      if (g_str_equal (str, formats[i].name))
        {
          if (out != NULL)
            *out = formats[i].format;
          return TRUE;
        }
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Reading history entries                                            */

static const char *
get_string (json_t     *object,
            const char *key)
{
  const char *value = json_string_value (json_object_get (object, key));

  return value != NULL ? value : "";
}

static json_t *
get_product (json_t *entry)
{
  json_t *record = merkki_history_entry_get_record (entry);
  json_t *product = record != NULL ? json_object_get (record, "product") : NULL;

  return json_is_object (product) ? product : NULL;
}

/* The label reference as printed, or the raw input for anything else. */
static const char *
get_reference_text (json_t *entry)
{
  json_t *reference = json_object_get (entry, "reference");

  if (json_is_object (reference) && json_string_value (json_object_get (reference, "id")) != NULL)
    return get_string (reference, "id");
  return get_string (entry, "input");
}

static MerkkiVerdict
get_verdict (json_t *entry)
{
  MerkkiVerdict verdict;

  /* An entry the store wrote always has a known verdict; anything else is
   * treated as the one verdict that claims nothing. */
  if (!merkki_verdict_from_string (get_string (entry, "verdict"), &verdict))
    return MERKKI_VERDICT_UNVERIFIED;
  return verdict;
}

static GDateTime *
get_checked_at (json_t *entry)
{
  GDateTime *utc = g_date_time_new_from_iso8601 (get_string (entry, "checked_at"), NULL);
  GDateTime *local;

  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);
  g_date_time_unref (utc);
  return local;
}

/* ------------------------------------------------------------------ */
/* PDF                                                                */

/* A4 in points, with 2 cm margins. */
#define PAGE_WIDTH     595.276
#define PAGE_HEIGHT    841.89
#define MARGIN         56.7
#define CONTENT_WIDTH  (PAGE_WIDTH - 2 * MARGIN)
#define CONTENT_TOP    (MARGIN + 18)
#define CONTENT_BOTTOM (PAGE_HEIGHT - MARGIN - 10)
#define THUMB_SIZE     72.0
#define VERDICT_WIDTH  150.0
/* Tamil and Han named before fontconfig's fallback: left to it, a Tamil
 * vowel sign can come from a Grantha font and break its cluster, and Han
 * from a Japanese face. */
#define FONT_FAMILY    "Noto Sans, Noto Sans Tamil, Noto Sans CJK SC, DejaVu Sans, Sans"

typedef struct {
  double r, g, b;
} Colour;

static const Colour ink = { 0.12, 0.12, 0.14 };
static const Colour muted = { 0.38, 0.38, 0.42 };
static const Colour rule = { 0.80, 0.80, 0.83 };
static const Colour shade = { 0.95, 0.95, 0.96 };

typedef enum {
  BADGE_CHECK,
  BADGE_CROSS,
  BADGE_EXCLAMATION,
  BADGE_QUESTION,
  BADGE_DASH,
} BadgeGlyph;

/* Every verdict has its own glyph and words besides its colour, so that
 * a report printed in black and white, or read by someone who does not
 * tell red from green, says the same. */
static void
verdict_style (MerkkiVerdict verdict,
               Colour       *colour,
               BadgeGlyph   *glyph)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_VALID:
      *colour = (Colour) { 0.15, 0.52, 0.29 };
      *glyph = BADGE_CHECK;
      break;
    case MERKKI_VERDICT_EXPIRED:
    case MERKKI_VERDICT_REVOKED:
    case MERKKI_VERDICT_NOT_FOUND:
      *colour = (Colour) { 0.75, 0.11, 0.16 };
      *glyph = BADGE_CROSS;
      break;
    case MERKKI_VERDICT_MISMATCH:
    case MERKKI_VERDICT_SUSPICIOUS:
      *colour = (Colour) { 0.75, 0.11, 0.16 };
      *glyph = BADGE_EXCLAMATION;
      break;
    case MERKKI_VERDICT_UNVERIFIED:
      *colour = (Colour) { 0.71, 0.45, 0.0 };
      *glyph = BADGE_QUESTION;
      break;
    case MERKKI_VERDICT_NOT_A_LABEL:
    default:
      *colour = (Colour) { 0.45, 0.45, 0.48 };
      *glyph = BADGE_DASH;
      break;
    }
}

/* The order verdicts are counted and findings listed in: the most serious first. */
static const MerkkiVerdict verdict_order[] = {
  MERKKI_VERDICT_NOT_FOUND,
  MERKKI_VERDICT_SUSPICIOUS,
  MERKKI_VERDICT_REVOKED,
  MERKKI_VERDICT_EXPIRED,
  MERKKI_VERDICT_MISMATCH,
  MERKKI_VERDICT_UNVERIFIED,
  MERKKI_VERDICT_NOT_A_LABEL,
  MERKKI_VERDICT_VALID,
};

static guint
verdict_rank (MerkkiVerdict verdict)
{
  for (guint i = 0; i < G_N_ELEMENTS (verdict_order); i++)
    if (verdict_order[i] == verdict)
      return i;
  return G_N_ELEMENTS (verdict_order);
}

typedef struct {
  guint          number;      /* 1-based, in the order the checks were made */
  json_t        *entry;       /* borrowed */
  MerkkiVerdict  verdict;
  GDateTime     *checked_at;  /* local time, may be NULL */
} Row;

static void
row_clear (gpointer data)
{
  Row *row = data;

  g_clear_pointer (&row->checked_at, g_date_time_unref);
}

typedef struct {
  const MerkkiReportInfo *info;
  GArray     *rows;           /* Row, in check order */
  GPtrArray  *findings;       /* Row*, most serious first */
  cairo_t    *cr;
  double      y;
  guint       page;
  guint       n_pages;        /* known in the second pass; 0 in the first */
  gboolean    measuring;      /* first pass: lay out only, load no photos */
  gboolean    in_table;       /* a page break repeats the table header */
  char       *session_title;
} Report;

static char *
format_date_time (GDateTime *local)
{
  /* Translators: a date and time on the inspection report, as a
   * g_date_time_format() pattern ("27 Nov 2026 14:05"). */
  return g_date_time_format (local, _("%-d %b %Y %H:%M"));
}

static PangoLayout *
make_layout (Report     *report,
             const char *text,
             double      size,
             PangoWeight weight,
             double      width)
{
  PangoLayout *layout = pango_cairo_create_layout (report->cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  pango_font_description_set_size (font, (int) (size * PANGO_SCALE));
  pango_font_description_set_weight (font, weight);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text != NULL ? text : "", -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int height;

  pango_layout_get_size (layout, NULL, &height);
  return (double) height / PANGO_SCALE;
}

static void
set_colour (cairo_t      *cr,
            const Colour *colour)
{
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
}

static void
show_layout (Report       *report,
             PangoLayout  *layout,
             double        x,
             double        y,
             const Colour *colour)
{
  cairo_save (report->cr);
  set_colour (report->cr, colour);
  cairo_move_to (report->cr, x, y);
  pango_cairo_show_layout (report->cr, layout);
  cairo_restore (report->cr);
}

/* Draws @text at (@x, @y) and returns its height. */
static double
draw_text (Report       *report,
           const char   *text,
           double        x,
           double        y,
           double        width,
           double        size,
           PangoWeight   weight,
           const Colour *colour)
{
  g_autoptr(PangoLayout) layout = make_layout (report, text, size, weight, width);

  show_layout (report, layout, x, y, colour);
  return layout_height (layout);
}

static void
draw_rule (Report *report,
           double  y)
{
  cairo_save (report->cr);
  set_colour (report->cr, &rule);
  cairo_set_line_width (report->cr, 0.6);
  cairo_move_to (report->cr, MARGIN, y);
  cairo_line_to (report->cr, PAGE_WIDTH - MARGIN, y);
  cairo_stroke (report->cr);
  cairo_restore (report->cr);
}

static void
draw_badge (Report        *report,
            MerkkiVerdict  verdict,
            double         x,
            double         y,
            double         size)
{
  cairo_t *cr = report->cr;
  double cx = x + size / 2, cy = y + size / 2, s = size / 2;
  Colour colour;
  BadgeGlyph glyph;

  verdict_style (verdict, &colour, &glyph);

  cairo_save (cr);
  /* Text drawn before leaves a current point that an arc would join. */
  cairo_new_path (cr);
  set_colour (cr, &colour);
  if (glyph == BADGE_EXCLAMATION)
    {
      /* A warning triangle, as on road signs. */
      cairo_move_to (cr, cx, y);
      cairo_line_to (cr, x + size, y + size * 0.93);
      cairo_line_to (cr, x, y + size * 0.93);
      cairo_close_path (cr);
    }
  else
    cairo_arc (cr, cx, cy, s, 0, 2 * G_PI);
  cairo_fill (cr);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, size * 0.13);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  switch (glyph)
    {
    case BADGE_CHECK:
      cairo_move_to (cr, cx - s * 0.48, cy + s * 0.02);
      cairo_line_to (cr, cx - s * 0.12, cy + s * 0.38);
      cairo_line_to (cr, cx + s * 0.50, cy - s * 0.36);
      cairo_stroke (cr);
      break;
    case BADGE_CROSS:
      cairo_move_to (cr, cx - s * 0.38, cy - s * 0.38);
      cairo_line_to (cr, cx + s * 0.38, cy + s * 0.38);
      cairo_move_to (cr, cx + s * 0.38, cy - s * 0.38);
      cairo_line_to (cr, cx - s * 0.38, cy + s * 0.38);
      cairo_stroke (cr);
      break;
    case BADGE_EXCLAMATION:
      cairo_move_to (cr, cx, y + size * 0.32);
      cairo_line_to (cr, cx, y + size * 0.62);
      cairo_stroke (cr);
      cairo_new_path (cr);
      cairo_arc (cr, cx, y + size * 0.78, size * 0.07, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case BADGE_QUESTION:
      cairo_new_path (cr);
      cairo_arc (cr, cx, cy - s * 0.22, s * 0.30, G_PI, 2.3 * G_PI);
      cairo_line_to (cr, cx, cy + s * 0.22);
      cairo_stroke (cr);
      cairo_new_path (cr);
      cairo_arc (cr, cx, cy + s * 0.52, size * 0.07, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case BADGE_DASH:
    default:
      cairo_move_to (cr, cx - s * 0.45, cy);
      cairo_line_to (cr, cx + s * 0.45, cy);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

static void
draw_page_chrome (Report *report)
{
  g_autofree char *page = NULL;
  g_autoptr(PangoLayout) right = NULL;
  int width;

  /* The first pass does not know the page count yet; the second draws it. */
  if (report->n_pages > 0)
    /* Translators: the page number at the foot of each report page. */
    page = g_strdup_printf (_("Page %u of %u"), report->page, report->n_pages);
  else
    page = g_strdup_printf (_("Page %u of %u"), report->page, report->page);

  draw_rule (report, PAGE_HEIGHT - MARGIN + 2);
  draw_text (report, report->session_title, MARGIN, PAGE_HEIGHT - MARGIN + 6,
             CONTENT_WIDTH - 100, 8, PANGO_WEIGHT_NORMAL, &muted);
  right = make_layout (report, page, 8, PANGO_WEIGHT_NORMAL, -1);
  pango_layout_get_size (right, &width, NULL);
  show_layout (report, right, PAGE_WIDTH - MARGIN - (double) width / PANGO_SCALE,
               PAGE_HEIGHT - MARGIN + 6, &muted);

  if (report->page > 1)
    {
      /* Translators: the running head of the report's pages after the first. */
      draw_text (report, _("Cybersecurity label inspection report"), MARGIN, MARGIN - 14,
                 CONTENT_WIDTH, 8, PANGO_WEIGHT_NORMAL, &muted);
      draw_rule (report, MARGIN + 2);
    }
}

static void draw_table_header (Report *report);

static void
new_page (Report *report)
{
  draw_page_chrome (report);
  cairo_show_page (report->cr);
  report->page++;
  report->y = CONTENT_TOP;
  if (report->in_table)
    draw_table_header (report);
}

static void
ensure_space (Report *report,
              double  height)
{
  if (report->y + height > CONTENT_BOTTOM && report->y > CONTENT_TOP + 30)
    new_page (report);
}

static void
draw_heading (Report     *report,
              const char *text)
{
  /* A heading never ends a page: room for it, the table header and a row. */
  ensure_space (report, 150);
  report->y += draw_text (report, text, MARGIN, report->y, CONTENT_WIDTH, 15,
                          PANGO_WEIGHT_BOLD, &ink);
  report->y += 8;
}

static void
draw_table_header (Report *report)
{
  double x_text = MARGIN + THUMB_SIZE + 12;

  cairo_save (report->cr);
  set_colour (report->cr, &shade);
  cairo_rectangle (report->cr, MARGIN, report->y, CONTENT_WIDTH, 18);
  cairo_fill (report->cr);
  cairo_restore (report->cr);

  /* Translators: a column heading of the report: the evidence photo. */
  draw_text (report, _("Photo"), MARGIN + 4, report->y + 3, THUMB_SIZE, 8, PANGO_WEIGHT_BOLD, &muted);
  /* Translators: a column heading of the report: what was read and found. */
  draw_text (report, _("Label and product"), x_text, report->y + 3, 200, 8, PANGO_WEIGHT_BOLD, &muted);
  /* Translators: a column heading of the report. */
  draw_text (report, _("Verdict"), PAGE_WIDTH - MARGIN - VERDICT_WIDTH, report->y + 3,
             VERDICT_WIDTH, 8, PANGO_WEIGHT_BOLD, &muted);
  report->y += 24;
}

/* Loads a photo as a cairo surface no larger than @max_px, upright. */
static cairo_surface_t *
load_thumbnail (const char *path,
                int         max_px)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  cairo_surface_t *surface;
  int width, height, src_stride, dst_stride, channels;
  const guint8 *src;
  guint8 *dst;

  /* The decoder's loader: the same photo the code was read from, upright. */
  pixbuf = merkki_decoder_load_image (path, max_px, NULL);
  if (pixbuf == NULL)
    return NULL;

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  src_stride = gdk_pixbuf_get_rowstride (pixbuf);
  src = gdk_pixbuf_read_pixels (pixbuf);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_surface_flush (surface);
  dst = cairo_image_surface_get_data (surface);
  dst_stride = cairo_image_surface_get_stride (surface);

  /* GdkPixbuf is RGB(A) bytes, not premultiplied; cairo wants native-endian
   * premultiplied ARGB words. */
  for (int y = 0; y < height; y++)
    {
      const guint8 *s = src + (gsize) y * src_stride;
      guint32 *d = (guint32 *) (gpointer) (dst + (gsize) y * dst_stride);

      for (int x = 0; x < width; x++, s += channels)
        {
          guint a = channels == 4 ? s[3] : 255;
          guint r = (s[0] * a + 127) / 255;
          guint g = (s[1] * a + 127) / 255;
          guint b = (s[2] * a + 127) / 255;

          d[x] = (a << 24) | (r << 16) | (g << 8) | b;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static void
draw_thumbnail (Report *report,
                json_t *entry,
                double  x,
                double  y)
{
  const char *relative = json_string_value (json_object_get (entry, "evidence"));
  g_autoptr(cairo_surface_t) image = NULL;
  cairo_t *cr = report->cr;

  if (!report->measuring && relative != NULL)
    {
      g_autofree char *path = NULL;

      if (g_path_is_absolute (relative) || report->info->evidence_base == NULL)
        path = g_strdup (relative);
      else
        path = g_build_filename (report->info->evidence_base, relative, NULL);
      /* Twice the box in pixels keeps the photo sharp when printed. */
      image = load_thumbnail (path, (int) (THUMB_SIZE * 3));
    }

  cairo_save (cr);
  set_colour (cr, &shade);
  cairo_rectangle (cr, x, y, THUMB_SIZE, THUMB_SIZE);
  cairo_fill (cr);

  if (image != NULL)
    {
      double w = cairo_image_surface_get_width (image);
      double h = cairo_image_surface_get_height (image);
      double scale = MIN (THUMB_SIZE / w, THUMB_SIZE / h);

      cairo_save (cr);
      cairo_translate (cr, x + (THUMB_SIZE - w * scale) / 2, y + (THUMB_SIZE - h * scale) / 2);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, image, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_paint (cr);
      cairo_restore (cr);
    }
  else if (!report->measuring)
    {
      g_autoptr(PangoLayout) layout = NULL;

      /* Translators: in place of the evidence photo when a check has none
       * (typed or pasted, or the file is gone). */
      layout = make_layout (report, _("No photo"), 7, PANGO_WEIGHT_NORMAL, THUMB_SIZE);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      show_layout (report, layout, x, y + THUMB_SIZE / 2 - 5, &muted);
    }

  set_colour (cr, &rule);
  cairo_set_line_width (cr, 0.6);
  cairo_rectangle (cr, x, y, THUMB_SIZE, THUMB_SIZE);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static const char *
outcome_words (const char *outcome)
{
  if (g_strcmp0 (outcome, "found") == 0)
    /* Translators: what a registry answered, in the report's provenance line. */
    return _("found");
  if (g_strcmp0 (outcome, "not-found") == 0)
    /* Translators: what a registry answered, in the report's provenance line. */
    return _("no such label");
  if (g_strcmp0 (outcome, "skipped") == 0)
    /* Translators: a registry was not asked, in the report's provenance line. */
    return _("not asked");
  /* Translators: a registry could not be reached, in the report's provenance line. */
  return _("no answer");
}

static const char *
source_words (const char *source)
{
  if (g_strcmp0 (source, "online") == 0)
    /* Translators: where a registry answer came from, in the report. */
    return _("online");
  if (g_strcmp0 (source, "cache") == 0)
    /* Translators: where a registry answer came from, in the report. */
    return _("saved answer");
  if (g_strcmp0 (source, "snapshot") == 0)
    /* Translators: where a registry answer came from, in the report. */
    return _("offline copy");
  return NULL;
}

/* One line per registry: "CSA registry: found, online, 27 Nov 2026 14:05". */
static char *
describe_registries (json_t *entry)
{
  GString *out = g_string_new (NULL);
  size_t i;
  json_t *answer;

  json_array_foreach (json_object_get (entry, "registries"), i, answer)
    {
      const char *name = json_string_value (json_object_get (answer, "name"));
      const char *source = source_words (json_string_value (json_object_get (answer, "source")));
      const char *outcome = get_string (answer, "outcome");
      g_autoptr(GDateTime) fetched_utc = g_date_time_new_from_iso8601 (get_string (answer, "fetched_at"), NULL);

      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%s: %s", name != NULL ? name : get_string (answer, "registry"),
                              outcome_words (outcome));
      if (source != NULL && (g_str_equal (outcome, "found") || g_str_equal (outcome, "not-found")))
        g_string_append_printf (out, ", %s", source);
      if (fetched_utc != NULL && (g_str_equal (outcome, "found") || g_str_equal (outcome, "not-found")))
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (fetched_utc);
          g_autofree char *when = format_date_time (local);

          g_string_append_printf (out, ", %s", when);
        }
      if (json_is_true (json_object_get (answer, "stale_offline_copy")))
        {
          json_int_t days = json_integer_value (json_object_get (answer, "offline_copy_age_days"));

          g_string_append (out, " — ");
          g_string_append_printf (out,
                                  /* Translators: said with a verdict reached from an old offline copy of
                                   * the registry; %d is its age in days. */
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "From an offline copy %d day old: check again online",
                                               "From an offline copy %d days old: check again online",
                                               (gulong) days),
                                  (int) days);
        }
      if (json_is_true (json_object_get (answer, "demo")))
        g_string_append_printf (out, " (%s)", _("demo data"));
    }

  if (out->len == 0)
    /* Translators: on the report, for a code that is no label reference. */
    g_string_append (out, _("No registry asked: the code is not a label reference"));

  return g_string_free (out, FALSE);
}

/* "Acme Cam 2 · Level 3", or NULL when no registry knew the product. */
static char *
describe_product (json_t *entry)
{
  json_t *record = merkki_history_entry_get_record (entry);
  json_t *product = get_product (entry);
  json_int_t level = record != NULL ? json_integer_value (json_object_get (record, "level")) : 0;
  const char *expires = record != NULL ? json_string_value (json_object_get (record, "expires")) : NULL;
  GString *out;

  if (product == NULL)
    return NULL;

  out = g_string_new (NULL);
  g_string_append_printf (out, "%s %s", get_string (product, "brand"), get_string (product, "model"));
  if (level > 0)
    {
      g_string_append (out, " · ");
      /* Translators: a product's label level on the report ("Level 3"). */
      g_string_append_printf (out, _("Level %d"), (int) level);
    }
  if (expires != NULL)
    {
      g_string_append (out, " · ");
      /* Translators: a label's expiry date on the report; %s is the date
       * as the registry gives it (YYYY-MM-DD). */
      g_string_append_printf (out, _("expires %s"), expires);
    }
  return g_string_free (out, FALSE);
}

/* Lays out (and, unless @measure_only, draws) one check at the current
 * position; returns its height. */
static double
draw_check (Report    *report,
            const Row *row,
            gboolean   with_explanation,
            gboolean   measure_only)
{
  double x_text = MARGIN + THUMB_SIZE + 12;
  double text_width = CONTENT_WIDTH - THUMB_SIZE - 12 - VERDICT_WIDTH - 10;
  double x_verdict = PAGE_WIDTH - MARGIN - VERDICT_WIDTH;
  double y = report->y + 6;
  double text_y = y, verdict_y = y;
  g_autofree char *heading = g_strdup_printf ("#%u  %s", row->number, get_reference_text (row->entry));
  g_autofree char *product = describe_product (row->entry);
  g_autofree char *registries = describe_registries (row->entry);
  g_autofree char *when = row->checked_at != NULL ? format_date_time (row->checked_at) : g_strdup ("?");
  const char *note = json_string_value (json_object_get (row->entry, "note"));
  const char *explanation = json_string_value (json_object_get (row->entry, "explanation"));
  g_autoptr(PangoLayout) heading_layout = make_layout (report, heading, 10, PANGO_WEIGHT_BOLD, text_width);
  g_autoptr(PangoLayout) product_layout = NULL;
  g_autoptr(PangoLayout) registries_layout = make_layout (report, registries, 7.5, PANGO_WEIGHT_NORMAL, text_width);
  g_autoptr(PangoLayout) note_layout = NULL;
  g_autoptr(PangoLayout) explanation_layout = NULL;
  g_autoptr(PangoLayout) verdict_layout = NULL;
  g_autoptr(PangoLayout) when_layout = make_layout (report, when, 7.5, PANGO_WEIGHT_NORMAL, VERDICT_WIDTH - 22);
  g_autoptr(PangoLayout) stale_layout = NULL;
  double height;

  if (json_is_true (json_object_get (row->entry, "stale_offline_copy")))
    /* Translators: under a verdict on the report that rests on an offline
     * copy older than the limit set in Preferences. */
    stale_layout = make_layout (report, _("Old offline copy: check again online"), 7.5,
                                PANGO_WEIGHT_BOLD, VERDICT_WIDTH - 22);

  /* Whatever a QR code said can be long: three lines of it are enough. */
  pango_layout_set_ellipsize (heading_layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_height (heading_layout, -3);

  verdict_layout = make_layout (report, merkki_verdict_get_title (row->verdict), 10,
                                PANGO_WEIGHT_BOLD, VERDICT_WIDTH - 22);
  if (product != NULL)
    product_layout = make_layout (report, product, 9, PANGO_WEIGHT_NORMAL, text_width);
  else
    /* Translators: on the report, for a check whose product no registry knew. */
    product_layout = make_layout (report, _("Product unknown to the registries"), 9,
                                  PANGO_WEIGHT_NORMAL, text_width);
  if (note != NULL && *note != '\0')
    {
      /* Translators: the inspector's note on a check, in the report. */
      g_autofree char *text = g_strdup_printf (_("Note: %s"), note);

      note_layout = make_layout (report, text, 8.5, PANGO_WEIGHT_NORMAL, text_width);
      pango_layout_set_ellipsize (note_layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_height (note_layout, -6);
    }
  if (with_explanation && explanation != NULL && *explanation != '\0')
    {
      explanation_layout = make_layout (report, explanation, 8, PANGO_WEIGHT_NORMAL, text_width);
      pango_layout_set_ellipsize (explanation_layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_height (explanation_layout, -8);
    }

  text_y += layout_height (heading_layout) + 2;
  text_y += layout_height (product_layout) + 3;
  text_y += layout_height (registries_layout);
  if (note_layout != NULL)
    text_y += 3 + layout_height (note_layout);
  if (explanation_layout != NULL)
    text_y += 3 + layout_height (explanation_layout);
  verdict_y += MAX (layout_height (verdict_layout), 16) + 3 + layout_height (when_layout);
  if (stale_layout != NULL)
    verdict_y += 2 + layout_height (stale_layout);

  height = MAX (MAX (text_y, verdict_y), y + THUMB_SIZE) - report->y + 6;
  if (measure_only)
    return height;

  draw_thumbnail (report, row->entry, MARGIN, y);

  text_y = y;
  show_layout (report, heading_layout, x_text, text_y, &ink);
  text_y += layout_height (heading_layout) + 2;
  show_layout (report, product_layout, x_text, text_y, product != NULL ? &ink : &muted);
  text_y += layout_height (product_layout) + 3;
  show_layout (report, registries_layout, x_text, text_y, &muted);
  text_y += layout_height (registries_layout);
  if (note_layout != NULL)
    {
      text_y += 3;
      show_layout (report, note_layout, x_text, text_y, &ink);
      text_y += layout_height (note_layout);
    }
  if (explanation_layout != NULL)
    show_layout (report, explanation_layout, x_text, text_y + 3, &muted);

  draw_badge (report, row->verdict, x_verdict, y, 16);
  {
    Colour colour;
    BadgeGlyph glyph;

    verdict_style (row->verdict, &colour, &glyph);
    show_layout (report, verdict_layout, x_verdict + 22, y, &colour);
  }
  show_layout (report, when_layout, x_verdict + 22, y + MAX (layout_height (verdict_layout), 16) + 3, &muted);
  if (stale_layout != NULL)
    {
      static const Colour amber = { 0.62, 0.38, 0.0 };

      show_layout (report, stale_layout, x_verdict + 22,
                   y + MAX (layout_height (verdict_layout), 16) + 5 + layout_height (when_layout), &amber);
    }

  draw_rule (report, report->y + height);
  return height;
}

static void
draw_rows (Report    *report,
           const Row *const *rows,
           guint      n_rows,
           gboolean   with_explanation)
{
  report->in_table = TRUE;
  draw_table_header (report);
  for (guint i = 0; i < n_rows; i++)
    {
      double height = draw_check (report, rows[i], with_explanation, TRUE);

      ensure_space (report, height);
      report->y += draw_check (report, rows[i], with_explanation, FALSE);
    }
  report->in_table = FALSE;
}

/* Two columns of "label: value" on the title page. */
static void
draw_fact (Report     *report,
           const char *label,
           const char *value)
{
  double h1, h2;

  if (value == NULL || *value == '\0')
    value = "—";
  h1 = draw_text (report, label, MARGIN, report->y, 130, 10, PANGO_WEIGHT_NORMAL, &muted);
  h2 = draw_text (report, value, MARGIN + 140, report->y, CONTENT_WIDTH - 140, 10, PANGO_WEIGHT_BOLD, &ink);
  report->y += MAX (h1, h2) + 6;
}

static char *
describe_period (Report *report)
{
  GDateTime *first = report->info->started_at;
  GDateTime *last = report->info->ended_at;
  g_autoptr(GDateTime) first_local = NULL;
  g_autoptr(GDateTime) last_local = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (first == NULL && report->rows->len > 0)
    first = g_array_index (report->rows, Row, 0).checked_at;
  if (last == NULL && report->rows->len > 0)
    last = g_array_index (report->rows, Row, report->rows->len - 1).checked_at;
  if (first == NULL)
    return NULL;

  first_local = g_date_time_to_local (first);
  from = format_date_time (first_local);
  if (last == NULL)
    /* Translators: the period of a session still open; %s is when it started. */
    return g_strdup_printf (_("from %s"), from);

  last_local = g_date_time_to_local (last);
  if (g_date_time_get_year (first_local) == g_date_time_get_year (last_local)
      && g_date_time_get_day_of_year (first_local) == g_date_time_get_day_of_year (last_local))
    to = g_date_time_format (last_local, "%H:%M");
  else
    to = format_date_time (last_local);
  /* Translators: a period of time, from the first to the last date. */
  return g_strdup_printf (_("%s – %s"), from, to);
}

static void
draw_summary (Report *report,
              guint  *counts,
              guint   n_total)
{
  double bar_x = MARGIN + 290, bar_width = CONTENT_WIDTH - 290 - 40;

  for (guint i = 0; i < G_N_ELEMENTS (verdict_order); i++)
    {
      MerkkiVerdict verdict = verdict_order[i];
      g_autofree char *count = g_strdup_printf ("%u", counts[verdict]);
      g_autoptr(PangoLayout) count_layout = make_layout (report, count, 10, PANGO_WEIGHT_BOLD, -1);
      Colour colour;
      BadgeGlyph glyph;
      int width;

      verdict_style (verdict, &colour, &glyph);
      if (i % 2 == 0)
        {
          cairo_save (report->cr);
          set_colour (report->cr, &shade);
          cairo_rectangle (report->cr, MARGIN, report->y - 3, CONTENT_WIDTH, 20);
          cairo_fill (report->cr);
          cairo_restore (report->cr);
        }
      draw_badge (report, verdict, MARGIN + 4, report->y, 13);
      draw_text (report, merkki_verdict_get_title (verdict), MARGIN + 24, report->y - 1, 210, 10,
                 PANGO_WEIGHT_NORMAL, &ink);
      pango_layout_get_size (count_layout, &width, NULL);
      show_layout (report, count_layout, bar_x - 14 - (double) width / PANGO_SCALE, report->y - 1, &ink);
      if (counts[verdict] > 0 && n_total > 0)
        {
          cairo_save (report->cr);
          set_colour (report->cr, &colour);
          cairo_rectangle (report->cr, bar_x, report->y + 2,
                           MAX (1.5, bar_width * counts[verdict] / n_total), 9);
          cairo_fill (report->cr);
          cairo_restore (report->cr);
        }
      report->y += 20;
    }
}

static void
draw_title_page (Report *report,
                 guint  *counts,
                 guint   n_action,
                 guint   n_photos,
                 gboolean any_demo)
{
  g_autofree char *period = describe_period (report);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *generated = format_date_time (now);
  g_autofree char *checks = g_strdup_printf ("%u", report->rows->len);
  g_autofree char *action = g_strdup_printf ("%u", n_action);
  g_autofree char *photos = g_strdup_printf ("%u", n_photos);

  cairo_save (report->cr);
  cairo_set_source_rgb (report->cr, 0.11, 0.25, 0.45);
  cairo_rectangle (report->cr, 0, 0, PAGE_WIDTH, 10);
  cairo_fill (report->cr);
  cairo_restore (report->cr);

  report->y = MARGIN + 20;
  /* Translators: the small line above the report's title. */
  report->y += draw_text (report, _("MERKKI · CONSUMER IoT CYBERSECURITY LABELS"), MARGIN, report->y,
                          CONTENT_WIDTH, 8.5, PANGO_WEIGHT_BOLD, &muted) + 6;
  /* Translators: the title of the PDF report. */
  report->y += draw_text (report, _("Inspection report"), MARGIN, report->y, CONTENT_WIDTH, 26,
                          PANGO_WEIGHT_BOLD, &ink) + 4;
  report->y += draw_text (report, report->session_title, MARGIN, report->y, CONTENT_WIDTH, 16,
                          PANGO_WEIGHT_NORMAL, &ink) + 22;
  draw_rule (report, report->y - 10);

  /* Translators: a field on the report's title page. */
  draw_fact (report, _("Place"), report->info->place);
  /* Translators: a field on the report's title page. */
  draw_fact (report, _("Inspector"), report->info->inspector);
  /* Translators: a field on the report's title page: when the session ran. */
  draw_fact (report, _("Period"), period);
  /* Translators: a field on the report's title page: how many products were checked. */
  draw_fact (report, _("Checks"), checks);
  /* Translators: a field on the report's title page. */
  draw_fact (report, _("Need action"), action);
  /* Translators: a field on the report's title page: how many checks have a photo. */
  draw_fact (report, _("Evidence photos"), photos);
  /* Translators: a field on the report's title page. */
  draw_fact (report, _("Report made"), generated);

  report->y += 22;
  /* Translators: a heading on the report's title page. */
  draw_heading (report, _("Summary by verdict"));
  draw_summary (report, counts, report->rows->len);

  report->y += 22;
  report->y += draw_text (report,
                          _("Findings that need action (possible counterfeits, suspicious links, withdrawn, "
                            "expired or mismatching labels) are listed first, most serious first. Then every "
                            "check follows in the order it was made, with the photo the code was read from. "
                            "Each verdict is shown by a symbol and in words; colour only repeats it."),
                          MARGIN, report->y, CONTENT_WIDTH, 9, PANGO_WEIGHT_NORMAL, &muted) + 8;
  if (any_demo)
    report->y += draw_text (report,
                            _("Some records in this report come from Merkki's bundled demo data, not from "
                              "an authority's registry: they prove nothing about a real product."),
                            MARGIN, report->y, CONTENT_WIDTH, 9, PANGO_WEIGHT_BOLD, &ink) + 8;
}

static void
render (Report *report)
{
  guint counts[G_N_ELEMENTS (verdict_order)] = { 0 };
  guint n_photos = 0;
  gboolean any_demo = FALSE;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  for (guint i = 0; i < report->rows->len; i++)
    {
      Row *row = &g_array_index (report->rows, Row, i);

      counts[row->verdict]++;
      if (json_string_value (json_object_get (row->entry, "evidence")) != NULL)
        n_photos++;
      if (json_is_true (json_object_get (row->entry, "demo")))
        any_demo = TRUE;
      g_ptr_array_add (all, row);
    }

  report->page = 1;
  report->y = CONTENT_TOP;
  draw_title_page (report, counts, report->findings->len, n_photos, any_demo);

  new_page (report);
  /* Translators: a heading of the report. */
  draw_heading (report, _("Findings that need action"));
  if (report->findings->len == 0)
    report->y += draw_text (report, _("None: no check in this report needs action."),
                            MARGIN, report->y, CONTENT_WIDTH, 10, PANGO_WEIGHT_NORMAL, &ink) + 10;
  else
    draw_rows (report, (const Row *const *) report->findings->pdata, report->findings->len, TRUE);

  report->y += 24;
  /* Translators: a heading of the report: one row per check. */
  draw_heading (report, _("All checks"));
  if (all->len == 0)
    draw_text (report, _("No checks yet."), MARGIN, report->y, CONTENT_WIDTH, 10, PANGO_WEIGHT_NORMAL, &ink);
  else
    draw_rows (report, (const Row *const *) all->pdata, all->len, FALSE);

  draw_page_chrome (report);
  cairo_show_page (report->cr);
}

typedef struct {
  GOutputStream *out;
  GCancellable  *cancellable;
  GError        *error;
} StreamClosure;

static cairo_status_t
write_to_stream (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  StreamClosure *stream = closure;

  if (stream->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (stream->out, data, length, NULL, stream->cancellable, &stream->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t
write_nowhere (void                *closure,
               const unsigned char *data,
               unsigned int         length)
{
  return CAIRO_STATUS_SUCCESS;
}

static int
compare_rows_by_id (gconstpointer a,
                    gconstpointer b)
{
  const Row *ra = a, *rb = b;
  json_int_t ia = json_integer_value (json_object_get (ra->entry, "history_id"));
  json_int_t ib = json_integer_value (json_object_get (rb->entry, "history_id"));

  return (ia > ib) - (ia < ib);
}

static int
compare_findings (gconstpointer a,
                  gconstpointer b)
{
  const Row *ra = *(const Row * const *) a, *rb = *(const Row * const *) b;
  guint ka = verdict_rank (ra->verdict), kb = verdict_rank (rb->verdict);

  if (ka != kb)
    return ka < kb ? -1 : 1;
  return (ra->number > rb->number) - (ra->number < rb->number);
}

static gboolean
write_pdf (json_t                 *entries,
           const MerkkiReportInfo *info,
           GOutputStream          *out,
           GCancellable           *cancellable,
           GError                **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_autoptr(GPtrArray) findings = g_ptr_array_new ();
  StreamClosure stream = { out, cancellable, NULL };
  Report report = { info, rows, findings, NULL, 0, 0, 0, TRUE, FALSE, NULL };
  size_t i;
  json_t *entry;
  cairo_status_t status;

  g_array_set_clear_func (rows, row_clear);
  json_array_foreach (entries, i, entry)
    {
      Row row = { 0, entry, get_verdict (entry), get_checked_at (entry) };

      g_array_append_val (rows, row);
    }
  /* The store lists newest first; a report reads in the order of the visit. */
  g_array_sort (rows, compare_rows_by_id);
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = &g_array_index (rows, Row, r);

      row->number = r + 1;
      if (merkki_verdict_needs_action (row->verdict))
        g_ptr_array_add (findings, row);
    }
  g_ptr_array_sort (findings, compare_findings);

  if (info->session != NULL)
    /* Translators: the subtitle of a session's report; %s is the session's name. */
    report.session_title = g_strdup_printf (_("Session “%s”"), info->session);
  else
    /* Translators: the subtitle of a report of the whole history. */
    report.session_title = g_strdup (_("All checks in the history"));

  /* The first pass lays the report out to count its pages, so that every
   * page can say "Page 2 of 7"; the second draws it. */
  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(cairo_surface_t) surface = NULL;
      g_autoptr(cairo_t) cr = NULL;

      report.measuring = pass == 0;
      surface = cairo_pdf_surface_create_for_stream (pass == 0 ? write_nowhere : write_to_stream,
                                                     &stream, PAGE_WIDTH, PAGE_HEIGHT);
      if (pass == 1)
        {
          g_autofree char *creator = g_strdup_printf ("Merkki %s", PACKAGE_VERSION);

          cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, report.session_title);
          cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, creator);
          if (info->inspector != NULL)
            cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR, info->inspector);
        }
      cr = cairo_create (surface);
      report.cr = cr;
      render (&report);
      report.n_pages = report.page;
      report.cr = NULL;
      g_clear_pointer (&cr, cairo_destroy);
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
      if (status != CAIRO_STATUS_SUCCESS)
        break;
    }

  g_free (report.session_title);

  if (stream.error != NULL)
    {
      g_propagate_error (error, stream.error);
      return FALSE;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: %s is cairo's reason. */
                   _("Could not make the PDF report: %s"), cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

gboolean
merkki_report_write (json_t                 *entries,
                     const MerkkiReportInfo *info,
                     MerkkiReportFormat      format,
                     GOutputStream          *out,
                     GCancellable           *cancellable,
                     GError                **error)
{
  static const MerkkiReportInfo no_info = { NULL };
  g_autofree char *text = NULL;
  gsize length = 0;

  g_return_val_if_fail (json_is_array (entries), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (info == NULL)
    info = &no_info;

  switch (format)
    {
    /* The history page's exports and the CLI's are one writer's. */
    case MERKKI_REPORT_FORMAT_CSV:
      text = merkki_history_export (entries, MERKKI_EXPORT_CSV, &length);
      break;
    case MERKKI_REPORT_FORMAT_JSON:
      text = merkki_history_export (entries, MERKKI_EXPORT_JSON, &length);
      break;
    case MERKKI_REPORT_FORMAT_PDF:
      return write_pdf (entries, info, out, cancellable, error);
    default:
      g_return_val_if_reached (FALSE);
    }

  return g_output_stream_write_all (out, text, length, NULL, cancellable, error);
}
