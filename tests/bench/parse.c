/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "merkki-core.h"

/* bench-parse: the time merkki_label_ref_parse() takes on typical and on
 * hostile payloads, at 10 KB, 100 KB and 1 MB, next to a baseline (one
 * g_utf8_make_valid() pass over the same bytes, the least any reader of
 * untrusted text does). Linear time shows as a ratio near 10 between one
 * size and the next. */

static const char *patterns[] = {
  "CSA/",
  "csa / 31",
  "https://",
  "://",
  "https://tietoturvamerkki.fi@",
  "%2F",
  "\xd1\x96",
  "https://x/?u=https://",
  "CSA/311228/",
  "\\",
  "xn--",
  "\x01\xff",
};

static double
seconds_per_call (void (*func) (const char *, gsize),
                  const char *data,
                  gsize       len)
{
  gint64 start = g_get_monotonic_time ();
  guint calls = 0;

  /* At least a quarter second, at least three calls. */
  do
    {
      func (data, len);
      calls++;
    }
  while (calls < 3 || g_get_monotonic_time () - start < G_USEC_PER_SEC / 4);

  return (g_get_monotonic_time () - start) / 1e6 / calls;
}

static void
run_parse (const char *data,
           gsize       len)
{
  merkki_label_ref_unref (merkki_label_ref_parse ((const guint8 *) data, len));
}

static void
run_baseline (const char *data,
              gsize       len)
{
  g_free (g_utf8_make_valid (data, len));
}

static char *
fill (const char *pattern,
      gsize       len)
{
  GString *out = g_string_sized_new (len + strlen (pattern));

  while (out->len < len)
    g_string_append (out, pattern);
  g_string_truncate (out, len);
  return g_string_free (out, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  static const gsize sizes[] = { 10 * 1024, 100 * 1024, 1024 * 1024 };
  static const char *typical[] = {
    "CSA/311228/1001",
    "https://tietoturvamerkki.fi/fi/tuotteet/demo-aurora-hub-2",
    "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html",
    "https://tietoturvamerkki-fi.com/en/products/x",
    "WIFI:S:home;T:WPA;P:secret;;",
  };

  merkki_core_init ();

  printf ("%-64s %12s %12s\n", "typical payload", "parse µs", "baseline µs");
  for (gsize i = 0; i < G_N_ELEMENTS (typical); i++)
    printf ("%-64.64s %12.2f %12.2f\n", typical[i],
            seconds_per_call (run_parse, typical[i], strlen (typical[i])) * 1e6,
            seconds_per_call (run_baseline, typical[i], strlen (typical[i])) * 1e6);

  printf ("\n%-32s %8s %12s %12s %10s\n", "hostile pattern (escaped)", "size", "parse ms", "baseline ms", "ratio");
  for (gsize p = 0; p < G_N_ELEMENTS (patterns); p++)
    {
      g_autofree char *shown = merkki_escape_bytes ((const guint8 *) patterns[p], strlen (patterns[p]));
      double previous = 0;

      for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          g_autofree char *data = fill (patterns[p], sizes[s]);
          double parse = seconds_per_call (run_parse, data, sizes[s]);
          double baseline = seconds_per_call (run_baseline, data, sizes[s]);
          char ratio[32] = "";

          if (previous > 0)
            g_snprintf (ratio, sizeof ratio, "×%.1f", parse / previous);
          printf ("%-32.32s %7zuK %12.3f %12.3f %10s\n", shown, sizes[s] / 1024, parse * 1e3, baseline * 1e3, ratio);
          previous = parse;
        }
    }

  return 0;
}
