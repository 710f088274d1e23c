/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "merkki-label-ref.h"

/* The classifier reads any byte string in linear time: every pass below
 * (escaping, percent-decoding, the URL token scan, the CSA ID scan) moves
 * forward only, and the per-host work (skeletons, edit distances) is done
 * on hosts capped at the DNS limit. Nothing here ever opens a link. */

#define DISPLAY_MAX_CHARS   4096
#define HOST_MAX_LEN        253   /* RFC 1035: longer is no host name */
#define SHOWN_HOST_MAX      80    /* hosts quoted in reasons */
#define SCHEME_MAX_LEN      32
#define CSA_DATE_DIGITS     6
#define CSA_NUMBER_MAX      10    /* DOMAIN.md: width unknown; 1 to 10 digits */
#define SLUG_MAX_LEN        100
#define SIK_NUMBER_MAX      10
#define TYPO_HOST_MAX_LEN   64    /* longer hosts are no typo of a short one */

struct _MerkkiLabelRef
{
  grefcount        ref_count;
  MerkkiLabelKind  kind;
  char            *scheme;
  char            *id;
  GDate           *expires_from_id;
  char            *reason;
  GBytes          *payload;
  char            *display_text;
};

G_DEFINE_BOXED_TYPE (MerkkiLabelRef, merkki_label_ref, merkki_label_ref_ref, merkki_label_ref_unref)

/* ---- The authorities whose links Merkki recognises ---------------------- */

typedef enum {
  PATH_RULE_LANGUAGE_SLUG,  /* /fi|sv|en/.../product-slug */
  PATH_RULE_BSI_SIK,        /* /SharedDocs/IT-Sicherheitskennzeichen/EN|DE/YYYY/sik-N.html */
  PATH_RULE_CSA_ID,         /* the reference is the CSA ID found anywhere in the link */
} PathRule;

typedef struct {
  const char         *scheme;          /* the label scheme the authority issues */
  const char         *domain;          /* the authority's host */
  gboolean            any_subdomain;   /* every subdomain serves label pages, not just www. */
  /* A parent domain under which only a government registers names
   * (gov.sg, bund.de): a near-miss there is another agency, not a squat. */
  const char         *closed_parent;
  /* The distinctive part of the address a look-alike host copies. */
  const char         *brand;
  const char         *site_name;       /* N_(): "Traficom's site" */
  PathRule            path_rule;
  const char * const *path_prefixes;   /* PATH_RULE_LANGUAGE_SLUG: allowed first segments */
  const char * const *not_products;    /* pages of the site known not to be products */
} Authority;

static const char * const ttm_languages[] = { "fi", "sv", "en", NULL };
/* Pages DOMAIN.md cites that are about the label, not a product. */
static const char * const ttm_not_products[] = { "vaatimukset", "international-development", NULL };

static const Authority authorities[] = {
  {
    .scheme = MERKKI_SCHEME_FI_TTM,
    .domain = "tietoturvamerkki.fi",
    .any_subdomain = TRUE,
    .closed_parent = NULL,
    .brand = "tietoturvamerkki",
    /* Translators: completes "The link goes to “…”, not to %s". */
    .site_name = N_("Traficom’s Cybersecurity Label site (tietoturvamerkki.fi)"),
    .path_rule = PATH_RULE_LANGUAGE_SLUG,
    .path_prefixes = ttm_languages,
    .not_products = ttm_not_products,
  },
  {
    .scheme = MERKKI_SCHEME_DE_BSI,
    .domain = "bsi.bund.de",
    .any_subdomain = FALSE,
    .closed_parent = "bund.de",
    .brand = "bsi.bund",
    /* Translators: completes "The link goes to “…”, not to %s". */
    .site_name = N_("the site of Germany’s BSI (bsi.bund.de)"),
    .path_rule = PATH_RULE_BSI_SIK,
  },
  {
    .scheme = MERKKI_SCHEME_SG_CLS,
    .domain = "csa.gov.sg",
    .any_subdomain = TRUE,
    .closed_parent = "gov.sg",
    .brand = "csa.gov",
    /* Translators: completes "The link goes to “…”, not to %s". */
    .site_name = N_("the site of Singapore’s CSA (csa.gov.sg)"),
    .path_rule = PATH_RULE_CSA_ID,
  },
};

/* ---- Small byte helpers -------------------------------------------------- */

static inline gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline gboolean
is_alnum (guint8 c)
{
  return g_ascii_isalnum (c);
}

static inline gboolean
is_scheme_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '-' || c == '.';
}

static gboolean
ascii_equal_n (const guint8 *data,
               gsize         len,
               const char   *literal)
{
  gsize n = strlen (literal);

  return len >= n && g_ascii_strncasecmp ((const char *) data, literal, n) == 0;
}

static gboolean
has_suffix_label (const char *host,
                  const char *domain)
{
  gsize h = strlen (host);
  gsize d = strlen (domain);

  if (h == d)
    return strcmp (host, domain) == 0;
  return h > d && host[h - d - 1] == '.' && strcmp (host + h - d, domain) == 0;
}

/* Percent-decodes @len bytes; with @plus_as_space a '+' becomes a space,
 * as in a query string. Invalid escapes stay as they are. */
static GByteArray *
percent_decode (const guint8 *data,
                gsize         len,
                gboolean      plus_as_space)
{
  GByteArray *out = g_byte_array_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (c == '%' && i + 2 < len && g_ascii_isxdigit (data[i + 1]) && g_ascii_isxdigit (data[i + 2]))
        {
          c = (guint8) (g_ascii_xdigit_value (data[i + 1]) * 16 + g_ascii_xdigit_value (data[i + 2]));
          i += 2;
        }
      else if (c == '+' && plus_as_space)
        {
          c = ' ';
        }
      g_byte_array_append (out, &c, 1);
    }

  /* Always NUL-terminated, never a NULL data pointer. */
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_byte_array_set_size (out, out->len - 1);
  return out;
}

static gboolean
needs_percent_decoding (const guint8 *data,
                        gsize         len)
{
  return memchr (data, '%', len) != NULL || memchr (data, '+', len) != NULL;
}

/* ---- Display text -------------------------------------------------------- */

/* Code points that are valid UTF-8 yet unsafe to show as they are: C1
 * controls, and the invisible or direction-changing format characters that
 * can make a shown address read differently from what it is. */
static gboolean
is_unsafe_to_show (gunichar c)
{
  return (c >= 0x80 && c <= 0x9f) ||
         (c >= 0x200b && c <= 0x200f) ||
         (c >= 0x2028 && c <= 0x202e) ||
         (c >= 0x2060 && c <= 0x2069) ||
         c == 0xfeff;
}

static void
append_hex_escape (GString *out,
                   guint8   byte)
{
  g_string_append_printf (out, "\\x%02x", byte);
}

/* Appends the escaped form of @data to @out; stops before the output would
 * exceed @max_chars characters (0: no limit) and returns FALSE if it cut. */
static gboolean
append_escaped (GString      *out,
                const guint8 *data,
                gsize         len,
                gsize         max_chars)
{
  gsize chars = 0;
  gsize i = 0;

  while (i < len)
    {
      gsize start = out->len;
      gsize step = 1;
      gsize piece_chars;
      guint8 c = data[i];

      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c < 0x20 || c == 0x7f)
        append_hex_escape (out, c);
      else if (c < 0x80)
        g_string_append_c (out, (char) c);
      else
        {
          gunichar u = g_utf8_get_char_validated ((const char *) data + i, len - i);

          if (u == (gunichar) -1 || u == (gunichar) -2)
            append_hex_escape (out, c);
          else
            {
              step = g_unichar_to_utf8 (u, NULL);
              if (is_unsafe_to_show (u))
                {
                  for (gsize k = 0; k < step; k++)
                    append_hex_escape (out, data[i + k]);
                }
              else
                g_string_append_len (out, (const char *) data + i, step);
            }
        }

      piece_chars = g_utf8_strlen (out->str + start, out->len - start);
      if (max_chars > 0 && chars + piece_chars > max_chars)
        {
          g_string_truncate (out, start);
          return FALSE;
        }
      chars += piece_chars;
      i += step;
    }

  return TRUE;
}

char *
merkki_escape_bytes (const guint8 *data,
                     gsize         len)
{
  GString *out = g_string_sized_new (len + 1);

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  append_escaped (out, data, len, 0);
  return g_string_free (out, FALSE);
}

static char *
escape_for_display (const guint8 *data,
                    gsize         len,
                    gsize         max_chars)
{
  GString *out = g_string_sized_new (MIN (len, max_chars * 4) + 8);

  if (!append_escaped (out, data, len, max_chars))
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* ---- Host look-alike detection ------------------------------------------- */

/* Letters of other alphabets (and Latin oddities) that look like the ASCII
 * letters of the authorities' addresses. Case-folded input. */
static const struct { gunichar from; char to; } confusables[] = {
  /* Cyrillic */
  { 0x0430, 'a' }, { 0x0431, 'b' }, { 0x0435, 'e' }, { 0x0450, 'e' }, { 0x0451, 'e' },
  { 0x0456, 'i' }, { 0x0457, 'i' }, { 0x0458, 'j' }, { 0x043a, 'k' }, { 0x043c, 'm' },
  { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' }, { 0x0442, 't' }, { 0x0443, 'y' },
  { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0501, 'd' }, { 0x04cf, 'l' }, { 0x051b, 'q' },
  { 0x051d, 'w' }, { 0x044c, 'b' }, { 0x0475, 'v' }, { 0x04bb, 'h' }, { 0x0432, 'b' },
  { 0x043d, 'h' }, { 0x0433, 'r' },
  /* Greek */
  { 0x03b1, 'a' }, { 0x03b5, 'e' }, { 0x03b9, 'i' }, { 0x03ba, 'k' }, { 0x03bd, 'v' },
  { 0x03bf, 'o' }, { 0x03c1, 'p' }, { 0x03c4, 't' }, { 0x03c5, 'u' }, { 0x03c7, 'x' },
  { 0x03f2, 'c' }, { 0x03f3, 'j' }, { 0x03b2, 'b' }, { 0x03b7, 'n' },
  /* Armenian */
  { 0x0585, 'o' }, { 0x057d, 'u' }, { 0x0570, 'h' }, { 0x0561, 'w' }, { 0x0578, 'n' },
  /* Latin letters that are not ASCII but read as ASCII */
  { 0x0131, 'i' }, { 0x0269, 'i' }, { 0x0251, 'a' }, { 0x0261, 'g' }, { 0x0138, 'k' },
  { 0x0142, 'l' }, { 0x0111, 'd' }, { 0x0127, 'h' }, { 0x01c0, 'l' }, { 0x2113, 'l' },
  /* Dots that IDNA reads as a full stop */
  { 0x3002, '.' }, { 0xff61, '.' }, { 0x2024, '.' },
};

static char
confusable_ascii (gunichar c)
{
  for (gsize i = 0; i < G_N_ELEMENTS (confusables); i++)
    {
      if (confusables[i].from == c)
        return confusables[i].to;
    }
  return 0;
}

/* The "skeleton" of a host: what a reader sees. Case and accents dropped,
 * compatibility forms (fullwidth letters) folded, letters of other
 * alphabets mapped to the ASCII letters they look like, and the ASCII
 * look-alikes merged (1, i and l; 0 and o; rn and m; vv and w). Two hosts
 * with the same skeleton are indistinguishable at a glance. */
static char *
skeleton (const char *text,
          gsize       len)
{
  g_autofree char *valid = g_utf8_make_valid (text, len);
  g_autofree char *folded = g_utf8_casefold (valid, -1);
  g_autofree char *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKD);
  GString *ascii = g_string_sized_new (len);
  GString *out = g_string_sized_new (len);

  for (const char *p = decomposed; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char mapped;

      /* Combining marks: an accent does not make another address at a glance. */
      if (g_unichar_ismark (c))
        continue;
      if (c < 0x80)
        mapped = (char) g_ascii_tolower ((char) c);
      else if ((mapped = confusable_ascii (c)) == 0)
        mapped = '?';

      if (mapped == '1' || mapped == 'i' || mapped == '|')
        mapped = 'l';
      else if (mapped == '0')
        mapped = 'o';
      g_string_append_c (ascii, mapped);
    }

  for (gsize i = 0; i < ascii->len; i++)
    {
      if (ascii->str[i] == 'r' && ascii->str[i + 1] == 'n')
        {
          g_string_append_c (out, 'm');
          i++;
        }
      else if (ascii->str[i] == 'v' && ascii->str[i + 1] == 'v')
        {
          g_string_append_c (out, 'w');
          i++;
        }
      else
        g_string_append_c (out, ascii->str[i]);
    }

  g_string_free (ascii, TRUE);
  return g_string_free (out, FALSE);
}

/* Letters and digits only: "tietoturvamerkki-fi.com" -> "tietoturvamerkkificom". */
static char *
squash (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (is_alnum ((guint8) *p))
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Optimal string alignment distance (insertions, deletions, substitutions
 * and swaps of neighbours); only called on short strings. */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize n = strlen (a);
  gsize m = strlen (b);
  g_autofree guint *d = g_new0 (guint, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]

  for (gsize i = 0; i <= n; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= n; i++)
    {
      for (gsize j = 1; j <= m; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          guint best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);

          best = MIN (best, D (i - 1, j - 1) + cost);
          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            best = MIN (best, D (i - 2, j - 2) + 1);
          D (i, j) = best;
        }
    }
  return D (n, m);
#undef D
}

/* The last @labels dot-separated labels of @host. */
static const char *
last_labels (const char *host,
             guint       labels)
{
  const char *p = host + strlen (host);

  while (p > host)
    {
      p--;
      if (*p == '.' && --labels == 0)
        return p + 1;
    }
  return host;
}

static guint
count_labels (const char *domain)
{
  guint n = 1;

  for (const char *p = domain; *p != '\0'; p++)
    n += *p == '.';
  return n;
}

typedef enum {
  HOST_OTHER,
  HOST_GENUINE,
  HOST_LOOKALIKE,
} HostRelation;

/* Does @text (a host name, or the user name part of a link) read as the
 * authority's address or a copy of it? @skel is skeleton(@text). */
static gboolean
imitates (const Authority *authority,
          const char      *text,
          const char      *skel,
          gboolean         is_host,
          gboolean         plain)
{
  g_autofree char *domain_skel = skeleton (authority->domain, strlen (authority->domain));
  g_autofree char *brand_skel = skeleton (authority->brand, strlen (authority->brand));
  g_autofree char *squashed = squash (skel);
  g_autofree char *domain_squashed = squash (domain_skel);
  g_autofree char *brand_squashed = squash (brand_skel);
  gboolean in_closed_parent;

  /* Looks exactly like the authority's address (or a subdomain of it). */
  if (has_suffix_label (skel, domain_skel))
    return TRUE;

  /* Only a plain ASCII name can have been given out by a government. */
  in_closed_parent = is_host && plain && authority->closed_parent != NULL &&
                     has_suffix_label (text, authority->closed_parent);
  if (in_closed_parent)
    return FALSE;

  /* Carries the authority's name: "bsi.bund.de.evil.example",
   * "tietoturvamerkki-fi.com", "csa-gov.sg". */
  if (strstr (squashed, domain_squashed) != NULL || strstr (squashed, brand_squashed) != NULL)
    return TRUE;

  /* A typo-squat: one or two letters off. Short addresses get a distance
   * of one only, so that unrelated short names are not caught. */
  if (is_host && strlen (text) <= TYPO_HOST_MAX_LEN)
    {
      guint limit = strlen (authority->domain) >= 12 ? 2 : 1;
      const char *tail = last_labels (text, count_labels (authority->domain));
      const char *no_www = g_str_has_prefix (text, "www.") ? text + 4 : text;
      const char *skel_tail = last_labels (skel, count_labels (authority->domain));

      if (edit_distance (tail, authority->domain) <= limit ||
          edit_distance (no_www, authority->domain) <= limit ||
          edit_distance (skel_tail, domain_skel) <= limit)
        return TRUE;
    }

  return FALSE;
}

/* The host form a reader would see: IDNA-encoded labels decoded. */
static char *
host_for_reading (const char *host)
{
  if (strstr (host, "xn--") != NULL && strlen (host) <= HOST_MAX_LEN)
    {
      char *unicode = g_hostname_to_unicode (host);

      if (unicode != NULL)
        return unicode;
    }
  return g_strdup (host);
}

static HostRelation
relate_host (const char       *host,
             gboolean          plain,
             const Authority **out_authority)
{
  g_autofree char *reading = host_for_reading (host);
  g_autofree char *skel = skeleton (reading, strlen (reading));

  *out_authority = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (authorities); i++)
    {
      if (plain && has_suffix_label (host, authorities[i].domain))
        {
          *out_authority = &authorities[i];
          return HOST_GENUINE;
        }
    }

  for (gsize i = 0; i < G_N_ELEMENTS (authorities); i++)
    {
      if (imitates (&authorities[i], host, skel, TRUE, plain))
        {
          *out_authority = &authorities[i];
          return HOST_LOOKALIKE;
        }
    }

  return HOST_OTHER;
}

static const Authority *
text_imitating_authority (const char *text,
                          gsize       len)
{
  g_autofree char *skel = skeleton (text, len);

  for (gsize i = 0; i < G_N_ELEMENTS (authorities); i++)
    {
      if (imitates (&authorities[i], text, skel, FALSE, FALSE))
        return &authorities[i];
    }
  return NULL;
}

/* ---- Links --------------------------------------------------------------- */

typedef struct {
  const guint8 *scheme;
  gsize         scheme_len;
  gboolean      backslash;      /* a backslash where a link has slashes */
  const guint8 *userinfo;       /* NULL if none */
  gsize         userinfo_len;
  const guint8 *host;
  gsize         host_len;
  const guint8 *port;           /* NULL if none */
  gsize         port_len;
  const guint8 *path;           /* up to '?' or '#' */
  gsize         path_len;
  const guint8 *rest;           /* path, query and fragment */
  gsize         rest_len;
} UrlParts;

/* @token starts with "scheme:" followed by two slashes or backslashes. */
static void
split_url (const guint8 *token,
           gsize         len,
           gsize         scheme_len,
           UrlParts     *parts)
{
  gsize authority_start = scheme_len + 3;
  gsize authority_end = authority_start;
  gsize host_start;
  gsize host_end;
  const guint8 *at = NULL;

  memset (parts, 0, sizeof *parts);
  parts->scheme = token;
  parts->scheme_len = scheme_len;
  parts->backslash = token[scheme_len + 1] == '\\' || token[scheme_len + 2] == '\\';

  while (authority_end < len && token[authority_end] != '/' &&
         token[authority_end] != '?' && token[authority_end] != '#')
    {
      if (token[authority_end] == '\\')
        parts->backslash = TRUE;
      if (token[authority_end] == '@')
        at = token + authority_end;
      authority_end++;
    }

  host_start = authority_start;
  if (at != NULL)
    {
      parts->userinfo = token + authority_start;
      parts->userinfo_len = at - parts->userinfo;
      host_start = at - token + 1;
    }

  host_end = authority_end;
  if (host_start < authority_end && token[host_start] == '[')
    {
      const guint8 *close = memchr (token + host_start, ']', authority_end - host_start);

      if (close != NULL)
        host_end = close - token + 1;
    }
  else
    {
      const guint8 *colon = memchr (token + host_start, ':', authority_end - host_start);

      if (colon != NULL)
        host_end = colon - token;
    }
  if (host_end < authority_end && token[host_end] == ':')
    {
      parts->port = token + host_end + 1;
      parts->port_len = authority_end - host_end - 1;
    }

  parts->host = token + host_start;
  parts->host_len = host_end - host_start;
  parts->rest = token + authority_end;
  parts->rest_len = len - authority_end;
  parts->path = parts->rest;
  while (parts->path_len < parts->rest_len &&
         parts->path[parts->path_len] != '?' && parts->path[parts->path_len] != '#')
    parts->path_len++;
}

typedef enum {
  URL_OTHER,
  URL_REFERENCE,
  URL_AUTHORITY_PAGE,   /* the authority's own site, but no label page */
  URL_SUSPICIOUS,
} UrlKind;

typedef struct {
  UrlKind          kind;
  const Authority *authority;
  char            *id;
  char            *reason;
  char            *shown_host;
} UrlResult;

static void
url_result_clear (UrlResult *result)
{
  g_clear_pointer (&result->id, g_free);
  g_clear_pointer (&result->reason, g_free);
  g_clear_pointer (&result->shown_host, g_free);
}

static char *
shown (const guint8 *data,
       gsize         len)
{
  return escape_for_display (data, len, SHOWN_HOST_MAX);
}

static gboolean
is_plain_host (const char *host)
{
  if (*host == '\0')
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    {
      if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '.' || *p == '-'))
        return FALSE;
    }
  return TRUE;
}

/* A product slug on the Finnish site, lower-cased; NULL if not one. */
static char *
language_slug_id (const Authority *authority,
                  const UrlParts  *parts,
                  gboolean        *out_root)
{
  g_autoptr(GByteArray) decoded = NULL;
  const guint8 *path = parts->path;
  gsize len = parts->path_len;
  gboolean prefix_ok = FALSE;
  gsize seg_start = 0;
  gsize seg_end = 0;
  GString *slug;

  *out_root = FALSE;
  for (guint i = 0; authority->path_prefixes[i] != NULL; i++)
    {
      gsize n = strlen (authority->path_prefixes[i]);

      if (len >= n + 1 && path[0] == '/' && ascii_equal_n (path + 1, len - 1, authority->path_prefixes[i]) &&
          (len == n + 1 || path[n + 1] == '/'))
        {
          prefix_ok = TRUE;
          path += n + 1;
          len -= n + 1;
          break;
        }
    }
  if (!prefix_ok)
    return NULL;

  /* The last non-empty segment. */
  for (gsize i = 0; i < len;)
    {
      gsize j = i;

      while (j < len && path[j] == '/')
        j++;
      i = j;
      while (j < len && path[j] != '/')
        j++;
      if (j > i)
        {
          seg_start = i;
          seg_end = j;
        }
      i = j;
    }
  if (seg_end == seg_start)
    {
      *out_root = TRUE;
      return NULL;
    }

  decoded = percent_decode (path + seg_start, seg_end - seg_start, FALSE);
  if (decoded->len == 0 || decoded->len > SLUG_MAX_LEN)
    return NULL;

  slug = g_string_sized_new (decoded->len);
  for (guint i = 0; i < decoded->len; i++)
    {
      char c = g_ascii_tolower ((char) decoded->data[i]);

      if (!(g_ascii_islower (c) || g_ascii_isdigit (c) || c == '-'))
        {
          g_string_free (slug, TRUE);
          return NULL;
        }
      g_string_append_c (slug, c);
    }

  if (strspn (slug->str, "-") == slug->len ||
      (authority->not_products != NULL && g_strv_contains (authority->not_products, slug->str)))
    {
      g_string_free (slug, TRUE);
      return NULL;
    }

  return g_string_free (slug, FALSE);
}

/* "sik-05165" from /SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html. */
static char *
bsi_sik_id (const char     *host,
            const UrlParts *parts)
{
  static const char prefix[] = "/SharedDocs/IT-Sicherheitskennzeichen/";
  const guint8 *p = parts->path;
  const guint8 *end = parts->path + parts->path_len;
  const guint8 *digits;
  gsize n = 0;

  if (!g_str_equal (host, "bsi.bund.de") && !g_str_equal (host, "www.bsi.bund.de"))
    return NULL;
  if (!ascii_equal_n (p, end - p, prefix))
    return NULL;
  p += strlen (prefix);
  if (!(ascii_equal_n (p, end - p, "EN/") || ascii_equal_n (p, end - p, "DE/")))
    return NULL;
  p += 3;
  if (end - p < 5 || p[0] != '2' || p[1] != '0' || !g_ascii_isdigit (p[2]) ||
      !g_ascii_isdigit (p[3]) || p[4] != '/')
    return NULL;
  p += 5;
  if (!ascii_equal_n (p, end - p, "sik-"))
    return NULL;
  p += 4;
  digits = p;
  while (p < end && g_ascii_isdigit (*p) && n <= SIK_NUMBER_MAX)
    {
      p++;
      n++;
    }
  if (n == 0 || n > SIK_NUMBER_MAX || !ascii_equal_n (p, end - p, ".html"))
    return NULL;
  p += 5;
  /* A session suffix (";jsessionid=...") may follow the page name. */
  if (p != end && *p != ';')
    return NULL;

  return g_strdup_printf ("sik-%.*s", (int) n, (const char *) digits);
}

static void
set_suspicious (UrlResult       *result,
                const Authority *authority,
                char            *reason)
{
  result->kind = URL_SUSPICIOUS;
  result->authority = authority;
  result->reason = reason;
}

static void
classify_url (const guint8 *token,
              gsize         len,
              gsize         scheme_len,
              UrlResult    *result)
{
  UrlParts parts;
  g_autoptr(GByteArray) host_bytes = NULL;
  g_autofree char *host = NULL;
  g_autofree char *shown_user = NULL;
  const Authority *authority = NULL;
  const Authority *user_authority = NULL;
  HostRelation relation;
  gboolean encoded;
  gboolean plain;
  const char *site;

  split_url (token, len, scheme_len, &parts);

  /* The host as a resolver would see it: percent-escapes decoded, lower
   * case, without a final dot. */
  encoded = memchr (parts.host, '%', parts.host_len) != NULL;
  host_bytes = percent_decode (parts.host, parts.host_len, FALSE);
  host = g_ascii_strdown ((const char *) host_bytes->data, host_bytes->len);
  if (strlen (host) != host_bytes->len)
    {
      /* A NUL inside the host: keep the part a reader would see first. */
      encoded = TRUE;
    }
  if (host[0] != '\0' && host[strlen (host) - 1] == '.')
    host[strlen (host) - 1] = '\0';
  plain = !encoded && strlen (host) <= HOST_MAX_LEN && is_plain_host (host);

  result->shown_host = shown (parts.host, parts.host_len);
  relation = relate_host (host, plain, &authority);

  if (parts.userinfo != NULL)
    {
      g_autoptr(GByteArray) user = percent_decode (parts.userinfo, parts.userinfo_len, FALSE);

      user_authority = text_imitating_authority ((const char *) user->data, user->len);
      shown_user = shown (parts.userinfo, parts.userinfo_len);
    }

  if (user_authority != NULL && (relation != HOST_GENUINE || authority != user_authority))
    {
      set_suspicious (result, user_authority,
                      /* Translators: a link like https://tietoturvamerkki.fi@evil.example/.
                       * The first %s is the part before "@", the second the real host,
                       * the third a site name such as "Traficom’s Cybersecurity Label site". */
                      g_strdup_printf (_("The link pretends to go to “%s” but really goes to “%s”, not to %s."),
                                       shown_user, result->shown_host, _(user_authority->site_name)));
      return;
    }

  if (relation == HOST_OTHER)
    {
      result->kind = URL_OTHER;
      return;
    }

  site = _(authority->site_name);

  if (parts.backslash)
    {
      set_suspicious (result, authority,
                      /* Translators: %s is a site name such as "Traficom’s Cybersecurity Label site". */
                      g_strdup_printf (_("The link’s address contains a backslash, which browsers and scanners read in different ways; it cannot be trusted to go to %s."),
                                       site));
      return;
    }

  if (relation == HOST_LOOKALIKE)
    {
      g_autofree char *reading = host_for_reading (host);

      if (encoded)
        set_suspicious (result, authority,
                        /* Translators: the first %s is a disguised address, the second a site name. */
                        g_strdup_printf (_("The link disguises its address (“%s”) with escape codes; it does not go to %s."),
                                         result->shown_host, site));
      else if (!plain || strcmp (reading, host) != 0)
        {
          g_autofree char *ascii = g_utf8_validate (host, -1, NULL) ? g_hostname_to_ascii (host) : NULL;

          if (ascii != NULL && has_suffix_label (ascii, authority->domain))
            {
              /* Fullwidth or other compatibility letters that name the
               * real host: harmless to a browser, but no real label link
               * is written that way, and a reader cannot check it. */
              set_suspicious (result, authority,
                              /* Translators: the first %s is an address, the second a site name. */
                              g_strdup_printf (_("The link writes its address (“%s”) in unusual characters, which real links to %s never do."),
                                               result->shown_host, site));
              return;
            }
          if (ascii != NULL && strcmp (ascii, host) != 0)
            {
              g_autofree char *escaped = shown ((const guint8 *) host, strlen (host));

              g_free (result->shown_host);
              result->shown_host = g_strdup_printf ("%s (%s)", ascii, escaped);
            }
          set_suspicious (result, authority,
                        /* Translators: the first %s is an address such as xn--tetoturvamerkki-xyz.fi,
                         * the second a site name. */
                        g_strdup_printf (_("The link goes to “%s”, which is written with look-alike letters from another alphabet; it is not %s."),
                                         result->shown_host, site));
        }
      else
        set_suspicious (result, authority,
                        /* Translators: the first %s is an address, the second a site name. */
                        g_strdup_printf (_("The link goes to “%s”, not to %s. The address imitates the real one."),
                                         result->shown_host, site));
      return;
    }

  /* The authority's real host: every detail of a real label link must fit. */
  if (parts.userinfo != NULL)
    {
      set_suspicious (result, authority,
                      /* Translators: the first %s is a site name, the second a user name hidden in a link. */
                      g_strdup_printf (_("The link to %s carries a hidden user name (“%s”), which real label links never do."),
                                       site, shown_user));
      return;
    }

  if (!(parts.scheme_len == 5 && g_ascii_strncasecmp ((const char *) parts.scheme, "https", 5) == 0))
    {
      g_autofree char *shown_scheme = shown (parts.scheme, parts.scheme_len);

      set_suspicious (result, authority,
                      /* Translators: the first %s is a site name, the second a link type such as "http". */
                      g_strdup_printf (_("The link to %s uses “%s” instead of a secure https connection, which the real site always uses."),
                                       site, shown_scheme));
      return;
    }

  if (parts.port != NULL && parts.port_len > 0 &&
      !(parts.port_len == 3 && memcmp (parts.port, "443", 3) == 0))
    {
      g_autofree char *shown_port = shown (parts.port, parts.port_len);

      set_suspicious (result, authority,
                      /* Translators: the first %s is a site name, the second a port number. */
                      g_strdup_printf (_("The link to %s uses an unusual port (%s), which the real site does not."),
                                       site, shown_port));
      return;
    }

  result->authority = authority;

  switch (authority->path_rule)
    {
    case PATH_RULE_LANGUAGE_SLUG:
      {
        gboolean root = FALSE;

        result->id = language_slug_id (authority, &parts, &root);
        if (result->id == NULL && !root)
          {
            /* Translators: %s is a site name such as "Traficom’s Cybersecurity Label site". */
            result->reason = g_strdup_printf (_("The link goes to %s, but not to the page of a labelled product."), site);
          }
      }
      break;

    case PATH_RULE_BSI_SIK:
      result->id = bsi_sik_id (host, &parts);
      break;

    case PATH_RULE_CSA_ID:
      /* The reference, if any, is the registration ID the scan of the
       * whole payload finds. */
      result->kind = URL_AUTHORITY_PAGE;
      /* Translators: %s is a site name such as "the site of Singapore’s CSA". */
      result->reason = g_strdup_printf (_("The link goes to %s, but carries no label registration ID."), site);
      return;

    default:
      g_assert_not_reached ();
    }

  if (result->id != NULL)
    {
      result->kind = URL_REFERENCE;
      return;
    }

  result->kind = URL_AUTHORITY_PAGE;
  if (result->reason == NULL)
    {
      if (authority->path_rule == PATH_RULE_LANGUAGE_SLUG)
        /* Translators: %s is a site name such as "Traficom’s Cybersecurity Label site". */
        result->reason = g_strdup_printf (_("The link goes to the front page of %s, not to a labelled product."), site);
      else
        /* Translators: %s is a site name such as "the site of Germany’s BSI". */
        result->reason = g_strdup_printf (_("The link goes to %s, but not to the page of a labelled product."), site);
    }
}

/* Finds where a link starts inside @data from @from on: "scheme:" plus two
 * slashes or backslashes. Returns the scheme's offset or -1; *scheme_len. */
static gssize
find_url (const guint8 *data,
          gsize         len,
          gsize         from,
          gsize        *scheme_len)
{
  for (gsize i = from; i + 2 < len; i++)
    {
      gsize start;

      if (data[i] != ':' || (data[i + 1] != '/' && data[i + 1] != '\\') ||
          (data[i + 2] != '/' && data[i + 2] != '\\'))
        continue;

      start = i;
      while (start > from && i - start < SCHEME_MAX_LEN && is_scheme_char (data[start - 1]))
        start--;
      while (start < i && !g_ascii_isalpha (data[start]))
        start++;
      if (start == i)
        continue;

      *scheme_len = i - start;
      return start;
    }
  return -1;
}

static gboolean
ends_token (guint8 c)
{
  return is_space (c) || c < 0x20 || c == '"' || c == '<' || c == '>';
}

/* ---- CSA registration IDs ------------------------------------------------ */

typedef struct {
  char  *id;              /* the first valid ID */
  GDate *expires;
  char  *other_id;        /* a second, different valid ID */
  char  *bad_date;        /* the first CSA/... with an impossible date, escaped */
  char  *bad_date_digits;
  char  *bad_shape;       /* the first CSA/... of the wrong form, escaped */
} CsaFindings;

static void
csa_findings_clear (CsaFindings *f)
{
  g_clear_pointer (&f->id, g_free);
  g_clear_pointer (&f->expires, g_date_free);
  g_clear_pointer (&f->other_id, g_free);
  g_clear_pointer (&f->bad_date, g_free);
  g_clear_pointer (&f->bad_date_digits, g_free);
  g_clear_pointer (&f->bad_shape, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CsaFindings, csa_findings_clear)

static gsize
skip_blanks (const guint8 *data,
             gsize         len,
             gsize         i)
{
  while (i < len && (data[i] == ' ' || data[i] == '\t'))
    i++;
  return i;
}

static gsize
count_digits (const guint8 *data,
              gsize         len,
              gsize         i,
              gsize         max)
{
  gsize n = 0;

  /* Counting stops one past @max: enough to know the run is too long. */
  while (i + n < len && n <= max && g_ascii_isdigit (data[i + n]))
    n++;
  return n;
}

static GDate *
csa_expiry_date (const guint8 *digits)
{
  int day = (digits[0] - '0') * 10 + (digits[1] - '0');
  int month = (digits[2] - '0') * 10 + (digits[3] - '0');
  int year = 2000 + (digits[4] - '0') * 10 + (digits[5] - '0');

  if (!g_date_valid_dmy (day, month, year))
    return NULL;
  return g_date_new_dmy (day, month, year);
}

/* Finds "CSA / DDMMYY / N" (case and blanks around the slashes tolerated). */
static void
scan_csa_ids (const guint8 *data,
              gsize         len,
              CsaFindings  *f)
{
  for (gsize i = 0; i + 3 <= len; i++)
    {
      gsize j, date_at, date_len, number_at, number_len;
      g_autoptr(GDate) date = NULL;
      g_autofree char *id = NULL;

      if (!ascii_equal_n (data + i, len - i, "csa") || (i > 0 && is_alnum (data[i - 1])))
        continue;

      j = skip_blanks (data, len, i + 3);
      if (j >= len || data[j] != '/')
        continue;
      date_at = skip_blanks (data, len, j + 1);
      date_len = count_digits (data, len, date_at, CSA_DATE_DIGITS);
      if (date_len == 0)
        continue;

      /* From here on it has the shape of a registration ID. */
      j = skip_blanks (data, len, date_at + date_len);
      number_len = 0;
      number_at = j;
      if (j < len && data[j] == '/')
        {
          number_at = skip_blanks (data, len, j + 1);
          number_len = count_digits (data, len, number_at, CSA_NUMBER_MAX);
        }

      if (date_len != CSA_DATE_DIGITS || number_len == 0 || number_len > CSA_NUMBER_MAX ||
          (number_at + number_len < len && is_alnum (data[number_at + number_len])))
        {
          if (f->bad_shape == NULL)
            {
              gsize end = MIN (len, number_at + number_len + 1);

              f->bad_shape = escape_for_display (data + i, end - i, 40);
            }
          continue;
        }

      date = csa_expiry_date (data + date_at);
      if (date == NULL)
        {
          if (f->bad_date == NULL)
            {
              f->bad_date = escape_for_display (data + i, number_at + number_len - i, 40);
              f->bad_date_digits = g_strndup ((const char *) data + date_at, CSA_DATE_DIGITS);
            }
          continue;
        }

      id = g_strdup_printf ("CSA/%.6s/%.*s", (const char *) data + date_at,
                            (int) number_len, (const char *) data + number_at);
      if (f->id == NULL)
        {
          f->id = g_steal_pointer (&id);
          f->expires = g_steal_pointer (&date);
        }
      else if (f->other_id == NULL && strcmp (f->id, id) != 0)
        f->other_id = g_steal_pointer (&id);

      i = number_at + number_len - 1;
    }
}

/* ---- The classifier ------------------------------------------------------ */

static MerkkiLabelRef *
label_ref_new (GBytes *payload)
{
  MerkkiLabelRef *self = g_new0 (MerkkiLabelRef, 1);
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  g_ref_count_init (&self->ref_count);
  self->payload = g_bytes_ref (payload);
  self->display_text = escape_for_display (data, len, DISPLAY_MAX_CHARS);
  self->kind = MERKKI_LABEL_KIND_NOT_A_LABEL;
  return self;
}

static void
set_reference (MerkkiLabelRef *self,
               const char     *scheme,
               const char     *id,
               const GDate    *expires)
{
  self->kind = MERKKI_LABEL_KIND_REFERENCE;
  self->scheme = g_strdup (scheme);
  self->id = g_strdup (id);
  if (expires != NULL)
    self->expires_from_id = g_date_copy (expires);
}

static void
classify (MerkkiLabelRef *self,
          const guint8   *data,
          gsize           len)
{
  g_autoptr(GByteArray) decoded = NULL;
  g_auto(CsaFindings) csa = { 0 };
  UrlResult suspicious = { 0 };
  UrlResult reference = { 0 };
  UrlResult authority_page = { 0 };
  g_autofree char *other_host = NULL;
  gboolean any_text = FALSE;
  gboolean several_references = FALSE;
  gsize pos = 0;
  gsize scheme_len = 0;
  gssize start;

  for (gsize i = 0; i < len && !any_text; i++)
    any_text = !is_space (data[i]);
  if (!any_text)
    {
      self->reason = g_strdup (_("The code is empty."));
      return;
    }

  /* Every link in the payload; a link inside another link's query is read
   * as part of the outer link, which is where it really goes. */
  while ((start = find_url (data, len, pos, &scheme_len)) >= 0)
    {
      UrlResult result = { 0 };
      gsize end = start;

      while (end < len && !ends_token (data[end]))
        end++;
      classify_url (data + start, end - start, scheme_len, &result);

      if (result.kind == URL_OTHER)
        {
          /* A link to elsewhere that passes on an authority's address (an
           * open redirect) imitates that authority. */
          UrlParts parts;
          g_autoptr(GByteArray) rest = NULL;
          gsize inner_scheme_len = 0;
          gssize inner;

          split_url (data + start, end - start, scheme_len, &parts);
          rest = percent_decode (parts.rest, parts.rest_len, TRUE);
          inner = find_url (rest->data, rest->len, 0, &inner_scheme_len);
          if (inner >= 0)
            {
              UrlResult inner_result = { 0 };
              gsize inner_end = inner;

              while (inner_end < rest->len && !ends_token (rest->data[inner_end]) && rest->data[inner_end] != '&')
                inner_end++;
              classify_url (rest->data + inner, inner_end - inner, inner_scheme_len, &inner_result);
              if (inner_result.kind != URL_OTHER)
                {
                  set_suspicious (&result, inner_result.authority,
                                  /* Translators: the first %s is an address, the second a site name. */
                                  g_strdup_printf (_("The link goes to “%s” and only passes on an address of %s; it does not go there directly."),
                                                   result.shown_host, _(inner_result.authority->site_name)));
                }
              url_result_clear (&inner_result);
            }
        }

      if (result.kind == URL_SUSPICIOUS && suspicious.reason == NULL)
        {
          suspicious = result;
          break;
        }
      else if (result.kind == URL_REFERENCE && reference.id == NULL)
        reference = result;
      else if (result.kind == URL_REFERENCE && strcmp (reference.id, result.id) != 0)
        {
          several_references = TRUE;
          url_result_clear (&result);
        }
      else if (result.kind == URL_AUTHORITY_PAGE && authority_page.reason == NULL)
        authority_page = result;
      else
        {
          if (result.kind == URL_OTHER && other_host == NULL && result.shown_host[0] != '\0')
            other_host = g_steal_pointer (&result.shown_host);
          url_result_clear (&result);
        }

      pos = end;
    }

  if (suspicious.kind == URL_SUSPICIOUS)
    {
      self->kind = MERKKI_LABEL_KIND_SUSPICIOUS;
      self->scheme = g_strdup (suspicious.authority->scheme);
      self->reason = g_steal_pointer (&suspicious.reason);
      goto out;
    }

  /* Registration IDs may be percent-encoded in a link's query. */
  if (needs_percent_decoding (data, len))
    {
      decoded = percent_decode (data, len, TRUE);
      scan_csa_ids (decoded->data, decoded->len, &csa);
    }
  else
    scan_csa_ids (data, len, &csa);

  if (csa.other_id != NULL || (csa.id != NULL && reference.id != NULL) ||
      several_references)
    {
      /* Translators: the payload holds several different label references. */
      self->reason = g_strdup (_("The code holds more than one label reference, so Merkki cannot tell which one to check."));
    }
  else if (csa.id != NULL)
    set_reference (self, MERKKI_SCHEME_SG_CLS, csa.id, csa.expires);
  else if (reference.id != NULL)
    set_reference (self, reference.authority->scheme, reference.id, NULL);
  else if (csa.bad_date != NULL)
    {
      self->scheme = NULL;
      self->reason = g_strdup_printf (
          /* Translators: the first %s is something like "CSA/310228/1001", the second
           * its six date digits "310228" (day, month, year). */
          _("“%s” looks like a CSA registration ID, but %s is not a real date, so it cannot be a label’s expiry date (DDMMYY)."),
          csa.bad_date, csa.bad_date_digits);
    }
  else if (authority_page.reason != NULL)
    self->reason = g_steal_pointer (&authority_page.reason);
  else if (csa.bad_shape != NULL)
    self->reason = g_strdup_printf (
        /* Translators: %s is the text found, e.g. "CSA/3112/1001". */
        _("“%s” looks like a CSA registration ID but is not one: the form is CSA/DDMMYY/number, with a product number of 1 to 10 digits."),
        csa.bad_shape);
  else if (other_host != NULL)
    /* Translators: %s is the address a link goes to. */
    self->reason = g_strdup_printf (_("This link goes to “%s”, which is not a cybersecurity label authority. It is shown as text only."),
                                    other_host);
  else if (!g_utf8_validate ((const char *) data, len, NULL) || memchr (data, '\0', len) != NULL)
    self->reason = g_strdup (_("The code holds binary data, not a label reference."));
  else
    self->reason = g_strdup (_("The code holds text, not a label reference. A CLS registration ID looks like CSA/311228/1001."));

out:
  url_result_clear (&suspicious);
  url_result_clear (&reference);
  url_result_clear (&authority_page);
}

MerkkiLabelRef *
merkki_label_ref_parse_bytes (GBytes *payload)
{
  MerkkiLabelRef *self;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (payload != NULL, NULL);

  data = g_bytes_get_data (payload, &len);
  self = label_ref_new (payload);
  classify (self, data != NULL ? data : (const guint8 *) "", len);
  return self;
}

MerkkiLabelRef *
merkki_label_ref_parse (const guint8 *data,
                        gssize        len)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (data != NULL || len <= 0, NULL);

  if (len < 0)
    len = data != NULL ? strlen ((const char *) data) : 0;
  payload = g_bytes_new (data, len);
  return merkki_label_ref_parse_bytes (payload);
}

MerkkiLabelRef *
merkki_label_ref_ref (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);
  return self;
}

void
merkki_label_ref_unref (MerkkiLabelRef *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  g_free (self->scheme);
  g_free (self->id);
  g_clear_pointer (&self->expires_from_id, g_date_free);
  g_free (self->reason);
  g_bytes_unref (self->payload);
  g_free (self->display_text);
  g_free (self);
}

MerkkiLabelKind
merkki_label_ref_get_kind (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, MERKKI_LABEL_KIND_NOT_A_LABEL);
  return self->kind;
}

const char *
merkki_label_ref_get_scheme (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->scheme;
}

const char *
merkki_label_ref_get_id (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->kind == MERKKI_LABEL_KIND_REFERENCE ? self->id : NULL;
}

GDate *
merkki_label_ref_get_expires_from_id (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->expires_from_id;
}

const char *
merkki_label_ref_get_reason (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->kind == MERKKI_LABEL_KIND_REFERENCE ? NULL : self->reason;
}

GBytes *
merkki_label_ref_get_payload (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->payload;
}

const char *
merkki_label_ref_get_display_text (MerkkiLabelRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->display_text;
}
