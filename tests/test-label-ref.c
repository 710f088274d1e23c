/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

#define REF  MERKKI_LABEL_KIND_REFERENCE
#define SUS  MERKKI_LABEL_KIND_SUSPICIOUS
#define NOT  MERKKI_LABEL_KIND_NOT_A_LABEL

/* One payload and what a person reading it should be told. @len -1: a C
 * string; otherwise the exact bytes (NULs included). */
typedef struct {
  const char      *payload;
  gssize           len;
  MerkkiLabelKind  kind;
  const char      *scheme;
  const char      *id;
} Row;

static const Row rows[] = {
  /* Singapore CLS registration IDs: alone, in text, in links. */
  { "CSA/311228/1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "csa / 311228 / 1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "CSA/311228/1", -1, REF, "sg-cls", "CSA/311228/1" },
  { "CSA/311228/1234567890", -1, REF, "sg-cls", "CSA/311228/1234567890" },
  { "CSA/311228/12345678901", -1, NOT, NULL, NULL },
  { "CSA/010127/0042", -1, REF, "sg-cls", "CSA/010127/0042" },
  { "Csa/150629/77", -1, REF, "sg-cls", "CSA/150629/77" },
  { "  CSA/311228/1001\n", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "CSA\t/\t311228\t/\t1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "Registration ID: CSA/311228/1001 (Level 3)", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "Label CSA/311228/1001, see csa.gov.sg", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "https://shop.example/p/123?label=CSA/311228/1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "https://shop.example/p?label=CSA%2F311228%2F1001&x=1", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "https://shop.example/p?label=csa%2f311228%2f1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "https://shop.example/p?label=CSA+%2F+311228+%2F+1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "https://www.csa.gov.sg/cls?id=CSA/311228/1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "CSA/311228/1001 CSA/311228/1001", -1, REF, "sg-cls", "CSA/311228/1001" },
  { "CSA/290228/5", -1, REF, "sg-cls", "CSA/290228/5" },           /* 2028 is a leap year */
  { "CSA/290227/5", -1, NOT, NULL, NULL },                          /* 2027 is not */
  { "CSA/310228/1001", -1, NOT, NULL, NULL },                       /* no 31 February */
  { "CSA/311328/1001", -1, NOT, NULL, NULL },                       /* no 13th month */
  { "CSA/000128/1001", -1, NOT, NULL, NULL },                       /* no day 0 */
  { "CSA/310428/1001", -1, NOT, NULL, NULL },                       /* April has 30 days */
  { "CSA/31122/1001", -1, NOT, NULL, NULL },                        /* five date digits */
  { "CSA/3112281/1001", -1, NOT, NULL, NULL },                      /* seven */
  { "CSA/311228/", -1, NOT, NULL, NULL },
  { "CSA/311228", -1, NOT, NULL, NULL },
  { "CSA/311228/1001A", -1, NOT, NULL, NULL },
  { "XCSA/311228/1001", -1, NOT, NULL, NULL },
  { "CSA-311228-1001", -1, NOT, NULL, NULL },
  { "CSA/311228/1001 and CSA/311229/1002", -1, NOT, NULL, NULL },  /* two labels: which? */
  { "CSA/311228/1001\0trailing", 24, REF, "sg-cls", "CSA/311228/1001" },

  /* Finland's Cybersecurity Label site. */
  { "https://tietoturvamerkki.fi/fi/tuotteet/ruuvitag", -1, REF, "fi-ttm", "ruuvitag" },
  { "https://tietoturvamerkki.fi/en/products/polar-ignite", -1, REF, "fi-ttm", "polar-ignite" },
  { "https://tietoturvamerkki.fi/sv/produkter/cozify-hub/", -1, REF, "fi-ttm", "cozify-hub" },
  { "https://www.tietoturvamerkki.fi/en/dna-wattinen", -1, REF, "fi-ttm", "dna-wattinen" },
  { "https://tietoturvamerkki.fi/en/products/philips-hue-bridge?utm=qr#top", -1, REF, "fi-ttm", "philips-hue-bridge" },
  { "HTTPS://TIETOTURVAMERKKI.FI/EN/PRODUCTS/RUUVITAG", -1, REF, "fi-ttm", "ruuvitag" },
  { "https://tietoturvamerkki.fi:443/fi/ruuvitag", -1, REF, "fi-ttm", "ruuvitag" },
  { "https://tietoturvamerkki.fi./fi/ruuvitag", -1, REF, "fi-ttm", "ruuvitag" },
  { "https://tietoturvamerkki.fi/fi/", -1, NOT, NULL, NULL },      /* the language root */
  { "https://tietoturvamerkki.fi/en", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/de/products/ruuvitag", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/fi/vaatimukset", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/en/products/ruuvi_tag", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/en/products/%C3%A4", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/en/products/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1, NOT, NULL, NULL },

  /* Germany's BSI IT security label. */
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, REF, "de-bsi", "sik-05165" },
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/DE/2023/sik-00012.html", -1, REF, "de-bsi", "sik-00012" },
  { "https://bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/DE/2024/sik-01234.html", -1, REF, "de-bsi", "sik-01234" },
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html?nn=132646", -1, REF, "de-bsi", "sik-05165" },
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/FR/2025/sik-05165.html", -1, NOT, NULL, NULL },
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/", -1, NOT, NULL, NULL },
  { "https://www.bsi.bund.de/DE/Home/home_node.html", -1, NOT, NULL, NULL },
  { "https://mail.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, NOT, NULL, NULL },
  { "https://www.bka.bund.de/", -1, NOT, NULL, NULL },             /* another agency */
  { "https://www.hsa.gov.sg/medical-devices", -1, NOT, NULL, NULL }, /* another agency */

  /* Look-alike hosts. */
  { "https://bsi.bund.de.evil.example/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://www.bsi-bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://www.bsi.bund.com/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://www.bsl.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://www.bsi.bnud.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://tietoturvamerkki.fi.example.com/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerkki-fi.com/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvarnerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://www.tietoturvamerkki.se/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerkkl.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://csa.gov.sg.example/cls?id=CSA/311228/1001", -1, SUS, "sg-cls", NULL },
  { "https://csa-gov.sg/cls?id=CSA%2F311228%2F1001", -1, SUS, "sg-cls", NULL },
  /* Userinfo tricks. */
  { "https://tietoturvamerkki.fi@evil.example/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://evil@tietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://www.bsi.bund.de:x@evil.example/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  /* Other alphabets and disguises. */
  { "https://t\xd1\x96" "etoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },     /* Cyrillic і */
  { "https://www.bs\xd1\x96.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://xn--tetoturvamerkki-72m.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerkk\xc3\xad.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },        /* í */
  { "https://\xef\xbd\x94ietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },    /* fullwidth t */
  { "https://%74ietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://c\xd0\xb0" "a.gov.sg/?id=CSA/311228/1001", -1, SUS, "sg-cls", NULL },                /* wrong letter too */
  /* Right host, wrong details. */
  { "http://tietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "http://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "ftp://tietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerkki.fi:8443/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://tietoturvamerkki.fi\\@evil.example/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https:\\\\tietoturvamerkki.fi\\en\\products\\ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "http://www.csa.gov.sg/cls?id=CSA/311228/1001", -1, SUS, "sg-cls", NULL },
  /* A redirect that only passes the real address on. */
  { "https://evil.example/r?u=https%3A%2F%2Ftietoturvamerkki.fi%2Fen%2Fproducts%2Fruuvitag", -1, SUS, "fi-ttm", NULL },
  /* A look-alike link wins over an ID in the same payload. */
  { "CSA/311228/1001 https://csa.gov.sg.example/", -1, SUS, "sg-cls", NULL },

  /* Where a browser really goes decides. */
  { "https://tietoturvamerkki.fi#@evil.example/en/products/x", -1, NOT, NULL, NULL },  /* the real site's front page */
  { "https://tietoturvamerkki.fi/en/products/ruuvitag#@evil.example", -1, REF, "fi-ttm", "ruuvitag" },
  { "https://user:pass@tietoturvamerkki.fi/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },
  { "https://evil.example/#https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, SUS, "de-bsi", NULL },
  { "https://TIETOTURVAMERKK\xc4\xb0.FI/en/products/ruuvitag", -1, SUS, "fi-ttm", NULL },  /* dotted capital I */

  /* Everything else. */
  { "", 0, NOT, NULL, NULL },
  { "   \n\t ", -1, NOT, NULL, NULL },
  { "https://example.com/", -1, NOT, NULL, NULL },
  { "https://user@example.com/", -1, NOT, NULL, NULL },
  { "https://[::1]:8080/x", -1, NOT, NULL, NULL },
  { "WIFI:S:home;T:WPA;P:secret;;", -1, NOT, NULL, NULL },
  { "BEGIN:VCARD\nFN:Someone\nEND:VCARD", -1, NOT, NULL, NULL },
  { "4006381333931", -1, NOT, NULL, NULL },
  { "tietoturvamerkki.fi/en/products/ruuvitag", -1, NOT, NULL, NULL }, /* no https:// */
  { "javascript:alert(1)", -1, NOT, NULL, NULL },
  { "The CSA / CLS label", -1, NOT, NULL, NULL },
  { "\xff\xfe\xfd\x00\x01", 5, NOT, NULL, NULL },
  { "\xc3\x28\xa0\xa1", 4, NOT, NULL, NULL },
  { "\x00\x00\x00", 3, NOT, NULL, NULL },
  { "https://\xff\xfe/", -1, NOT, NULL, NULL },
  { "https://", -1, NOT, NULL, NULL },
  { "://://://", -1, NOT, NULL, NULL },
  { "https://tietoturvamerkki.fi/en/products/ruuvitag https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", -1, NOT, NULL, NULL },
};

static void
test_table (void)
{
  guint failures = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (rows) >= 80);

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];
      g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) row->payload, row->len);
      g_autofree char *shown = NULL;
      gsize len;

      g_test_message ("row %" G_GSIZE_FORMAT ": %s -> %s", i, merkki_label_ref_get_display_text (ref),
                      merkki_label_ref_get_reason (ref) ? merkki_label_ref_get_reason (ref) : "(reference)");

      /* Every wrong row is listed before the test fails. */
      if (merkki_label_ref_get_kind (ref) != row->kind ||
          g_strcmp0 (merkki_label_ref_get_scheme (ref), row->scheme) != 0 ||
          g_strcmp0 (merkki_label_ref_get_id (ref), row->id) != 0)
        {
          g_printerr ("row %" G_GSIZE_FORMAT " “%s”: got kind %d scheme %s id %s (%s)\n", i,
                      merkki_label_ref_get_display_text (ref), merkki_label_ref_get_kind (ref),
                      merkki_label_ref_get_scheme (ref), merkki_label_ref_get_id (ref),
                      merkki_label_ref_get_reason (ref));
          failures++;
          continue;
        }

      /* A reference needs no reason; anything else must say why. */
      if (row->kind == REF)
        g_assert_null (merkki_label_ref_get_reason (ref));
      else
        {
          g_assert_nonnull (merkki_label_ref_get_reason (ref));
          g_assert_true (g_utf8_validate (merkki_label_ref_get_reason (ref), -1, NULL));
          g_assert_cmpuint (strlen (merkki_label_ref_get_reason (ref)), >, 10);
        }

      /* Only sg-cls IDs carry a date. */
      if (g_strcmp0 (row->scheme, "sg-cls") == 0 && row->kind == REF)
        g_assert_nonnull (merkki_label_ref_get_expires_from_id (ref));
      else
        g_assert_null (merkki_label_ref_get_expires_from_id (ref));

      /* The payload is kept byte for byte, the display text is safe. */
      len = row->len < 0 ? strlen (row->payload) : (gsize) row->len;
      g_assert_cmpmem (g_bytes_get_data (merkki_label_ref_get_payload (ref), NULL),
                       g_bytes_get_size (merkki_label_ref_get_payload (ref)), row->payload, len);
      shown = merkki_escape_bytes ((const guint8 *) row->payload, len);
      g_assert_cmpstr (merkki_label_ref_get_display_text (ref), ==, shown);
      g_assert_true (g_utf8_validate (shown, -1, NULL));
    }

  g_assert_cmpuint (failures, ==, 0);
}

static void
test_expiry_from_id (void)
{
  struct { const char *payload; int day, month, year; } cases[] = {
    { "CSA/311228/1001", 31, 12, 2028 },
    { "CSA/290228/1", 29, 2, 2028 },
    { "csa / 010130 / 9", 1, 1, 2030 },
    { "CSA/150699/9", 15, 6, 2099 },
    { "CSA/010100/9", 1, 1, 2000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) cases[i].payload, -1);
      GDate *date = merkki_label_ref_get_expires_from_id (ref);

      g_assert_nonnull (date);
      g_assert_cmpint (g_date_get_day (date), ==, cases[i].day);
      g_assert_cmpint (g_date_get_month (date), ==, cases[i].month);
      g_assert_cmpint (g_date_get_year (date), ==, cases[i].year);
    }
}

static void
test_reasons (void)
{
  g_autoptr(MerkkiLabelRef) bad_date = merkki_label_ref_parse ((const guint8 *) "CSA/310228/1001", -1);
  g_autoptr(MerkkiLabelRef) lookalike = merkki_label_ref_parse ((const guint8 *) "https://tietoturvamerkki-fi.com/en/x", -1);
  g_autoptr(MerkkiLabelRef) userinfo = merkki_label_ref_parse ((const guint8 *) "https://tietoturvamerkki.fi@evil.example/en/x", -1);
  g_autoptr(MerkkiLabelRef) http = merkki_label_ref_parse ((const guint8 *) "http://tietoturvamerkki.fi/en/x", -1);
  g_autoptr(MerkkiLabelRef) root = merkki_label_ref_parse ((const guint8 *) "https://tietoturvamerkki.fi/en/", -1);
  g_autoptr(MerkkiLabelRef) cyrillic = merkki_label_ref_parse ((const guint8 *) "https://t\xd1\x96" "etoturvamerkki.fi/en/x", -1);

  /* Each reason names what is wrong, so a person can see it. */
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (bad_date), "310228"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (bad_date), "not a real date"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (lookalike), "“tietoturvamerkki-fi.com”"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (lookalike), "Traficom"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (userinfo), "evil.example"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (http), "https"));
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (root), "not to a labelled product"));
  /* The disguised host is shown in its ASCII (punycode) form. */
  g_assert_nonnull (strstr (merkki_label_ref_get_reason (cyrillic), "xn--"));
}

static void
test_display_text (void)
{
  static const guint8 hostile[] = "a\nb\tc\\d\x01\x7f\xff\xc3\xa4\xe2\x80\xae" "e";
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse (hostile, sizeof hostile - 1);
  g_autofree char *big = g_strnfill (5000, 'x');
  g_autoptr(MerkkiLabelRef) long_ref = merkki_label_ref_parse ((const guint8 *) big, -1);
  g_autofree char *escaped_big = NULL;
  const char *text;

  /* Newline, tab and backslash escaped, control and invalid bytes as \xHH,
   * valid letters kept, the right-to-left override escaped. */
  g_assert_cmpstr (merkki_label_ref_get_display_text (ref), ==,
                   "a\\nb\\tc\\\\d\\x01\\x7f\\xff\xc3\xa4\\xe2\\x80\\xae" "e");

  text = merkki_label_ref_get_display_text (long_ref);
  g_assert_true (g_str_has_suffix (text, "…"));
  g_assert_cmpint (g_utf8_strlen (text, -1), ==, 4096 + 1);
  /* merkki_escape_bytes() does not cut. */
  escaped_big = merkki_escape_bytes ((const guint8 *) big, 5000);
  g_assert_cmpuint (strlen (escaped_big), ==, 5000);
}

static void
test_cut_keeps_escapes_whole (void)
{
  g_autofree guint8 *data = g_malloc (5000);
  g_autoptr(MerkkiLabelRef) ref = NULL;
  const char *text;

  memset (data, 0x01, 5000);
  ref = merkki_label_ref_parse (data, 5000);
  text = merkki_label_ref_get_display_text (ref);
  /* 4096 / 4 whole "\x01" escapes, then the ellipsis. */
  g_assert_cmpuint (strlen (text), ==, 1024 * 4 + strlen ("…"));
  g_assert_true (g_str_has_suffix (text, "\\x01…"));
}

/* Hostile payloads of 100 KB: classified, not crashed; the time limit of the
 * test catches anything quadratic. */
static void
test_large_payloads (void)
{
  const gsize size = 100 * 1024;
  const char *patterns[] = {
    "CSA/", "csa / 31", "https://", "://", "https://tietoturvamerkki.fi@", "%", "\xd1\x96",
    "https://x/?u=https://", "CSA/311228/", "a", "\\", "@", ":", "xn--",
  };

  for (gsize p = 0; p < G_N_ELEMENTS (patterns); p++)
    {
      GString *payload = g_string_sized_new (size + 64);
      g_autoptr(MerkkiLabelRef) ref = NULL;

      while (payload->len < size)
        g_string_append (payload, patterns[p]);
      ref = merkki_label_ref_parse ((const guint8 *) payload->str, payload->len);
      g_assert_cmpint (merkki_label_ref_get_kind (ref), !=, MERKKI_LABEL_KIND_REFERENCE);
      g_assert_true (g_utf8_validate (merkki_label_ref_get_display_text (ref), -1, NULL));
      g_string_free (payload, TRUE);
    }

  /* An ID after 100 KB of padding is still found. */
  {
    GString *payload = g_string_new (NULL);
    g_autoptr(MerkkiLabelRef) ref = NULL;

    while (payload->len < size)
      g_string_append (payload, "CSA/ 1 ");
    g_string_append (payload, "CSA/311228/1001");
    ref = merkki_label_ref_parse ((const guint8 *) payload->str, payload->len);
    g_assert_cmpstr (merkki_label_ref_get_id (ref), ==, "CSA/311228/1001");
    g_string_free (payload, TRUE);
  }

  /* A link with a 100 KB host. */
  {
    GString *payload = g_string_new ("https://");
    g_autoptr(MerkkiLabelRef) ref = NULL;

    while (payload->len < size)
      g_string_append (payload, "tietoturvamerkki.");
    g_string_append (payload, "fi.example/en/x");
    ref = merkki_label_ref_parse ((const guint8 *) payload->str, payload->len);
    g_assert_cmpint (merkki_label_ref_get_kind (ref), ==, MERKKI_LABEL_KIND_SUSPICIOUS);
    g_string_free (payload, TRUE);
  }
}

/* Random bytes, seeded so a failure can be replayed with --seed. */
static void
test_random_bytes (void)
{
  for (guint i = 0; i < 2000; i++)
    {
      gsize len = g_test_rand_int_range (0, 200);
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autoptr(MerkkiLabelRef) ref = NULL;

      for (gsize k = 0; k < len; k++)
        data[k] = (guint8) g_test_rand_int_range (0, 256);
      ref = merkki_label_ref_parse (data, len);
      g_assert_true (g_utf8_validate (merkki_label_ref_get_display_text (ref), -1, NULL));
      if (merkki_label_ref_get_kind (ref) != MERKKI_LABEL_KIND_REFERENCE)
        g_assert_nonnull (merkki_label_ref_get_reason (ref));
    }
}

static void
test_boxed (void)
{
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) "CSA/311228/1001", -1);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("CSA/311228/1001", 15);
  g_autoptr(MerkkiLabelRef) from_bytes = merkki_label_ref_parse_bytes (bytes);
  MerkkiLabelRef *copy = g_boxed_copy (MERKKI_TYPE_LABEL_REF, ref);

  g_assert_true (copy == ref);
  g_boxed_free (MERKKI_TYPE_LABEL_REF, copy);
  g_assert_cmpstr (merkki_label_ref_get_id (from_bytes), ==, merkki_label_ref_get_id (ref));
  g_assert_true (g_bytes_equal (merkki_label_ref_get_payload (from_bytes), bytes));
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/label-ref/table", test_table);
  g_test_add_func ("/label-ref/expiry-from-id", test_expiry_from_id);
  g_test_add_func ("/label-ref/reasons", test_reasons);
  g_test_add_func ("/label-ref/display-text", test_display_text);
  g_test_add_func ("/label-ref/cut-keeps-escapes-whole", test_cut_keeps_escapes_whole);
  g_test_add_func ("/label-ref/large-payloads", test_large_payloads);
  g_test_add_func ("/label-ref/random-bytes", test_random_bytes);
  g_test_add_func ("/label-ref/boxed", test_boxed);

  return g_test_run ();
}
