/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the registry client's handling of an HTTP response (status,
 * headers, body), through merkki_registry_request_answer_response(), the
 * code run() uses once a response has arrived.
 *
 * Input: byte 0 picks the request (label, search, snapshot with or without
 * an ETag), byte 1 the status; then the header block, "\r\n\r\n", and the
 * body (no separator: all body). */
#include "config.h"

#include <string.h>

#include "merkki-error.h"
#include "merkki-registry-client.h"
#include "merkki-fuzz.h"

#define ASKED_SCHEME  "sg-cls"
#define ASKED_ID      "CSA/311227/0001"
#define ASKED_BRAND   "Hostile Test"
#define ASKED_MODEL   "Model 1"
#define ASKED_ETAG    "\"hostile-1\""

static MerkkiRegistryRequest *
make_request (guint8 which)
{
  switch (which % 4)
    {
    case 0:
      return merkki_registry_request_new_label ("sg-csa", "http://127.0.0.1:1", ASKED_SCHEME, ASKED_ID);
    case 1:
      return merkki_registry_request_new_search ("sg-csa", "http://127.0.0.1:1", ASKED_SCHEME, ASKED_BRAND, ASKED_MODEL);
    case 2:
      return merkki_registry_request_new_snapshot ("sg-csa", "http://127.0.0.1:1", NULL);
    default:
      return merkki_registry_request_new_snapshot ("sg-csa", "http://127.0.0.1:1", ASKED_ETAG);
    }
}

/* The interface's comparison of brands and models (stripped, NFKC,
 * case-folded), written out again here so that the target checks the
 * client rather than itself. */
static char *
product_key (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *normalized = g_utf8_normalize (stripped, -1, G_NORMALIZE_ALL);

  g_assert (normalized != NULL);
  return g_utf8_casefold (normalized, -1);
}

static const guint statuses[] = {
  200, 304, 404, 500, 301, 302, 307, 100, 204, 206, 400, 403, 410, 429, 503, 999,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(MerkkiRegistryRequest) request = NULL;
  const guint8 *rest;
  gsize rest_len;
  const guint8 *separator;
  const char *headers = NULL;
  gsize headers_len = 0;
  const guint8 *body;
  gsize body_len;
  guint status;

  if (size < 2)
    return 0;

  request = make_request (data[0]);
  status = statuses[data[1] % G_N_ELEMENTS (statuses)];
  rest = data + 2;
  rest_len = size - 2;

  separator = NULL;
  for (gsize i = 0; i + 4 <= rest_len && separator == NULL; i++)
    if (memcmp (rest + i, "\r\n\r\n", 4) == 0)
      separator = rest + i;
  if (separator != NULL)
    {
      headers = (const char *) rest;
      headers_len = (separator - rest) + 2;
      body = separator + 4;
      body_len = rest_len - (headers_len + 2);
    }
  else
    {
      body = rest;
      body_len = rest_len;
    }

  merkki_registry_request_answer_response (request, status, headers, headers_len, body, body_len);

  /* Always an answer; an error says why in words. */
  switch (request->outcome)
    {
    case MERKKI_OUTCOME_ERROR:
      g_assert (request->error != NULL && request->error->domain == MERKKI_ERROR);
      g_assert (g_utf8_validate (request->error->message, -1, NULL));
      g_assert (request->record == NULL && request->records == NULL);
      break;

    case MERKKI_OUTCOME_NOT_FOUND:
      g_assert (request->error == NULL);
      g_assert (request->kind != MERKKI_REGISTRY_REQUEST_SNAPSHOT);
      g_assert (status == 404 || status == 200);
      break;

    case MERKKI_OUTCOME_FOUND:
      g_assert (request->error == NULL);
      break;

    case MERKKI_OUTCOME_SKIPPED:
    default:
      g_assert_not_reached ();
    }

  if (request->outcome != MERKKI_OUTCOME_FOUND)
    return 0;

  /* Never an answer about another product than the one asked about. */
  switch (request->kind)
    {
    case MERKKI_REGISTRY_REQUEST_LABEL:
      g_assert (status == 200);
      g_assert_cmpstr (request->record->scheme, ==, ASKED_SCHEME);
      g_assert_cmpstr (request->record->id, ==, ASKED_ID);
      break;

    case MERKKI_REGISTRY_REQUEST_SEARCH:
      g_assert (status == 200);
      g_assert (request->records != NULL && request->records->len > 0);
      g_assert_cmpuint (request->records->len, <=, 1000);
      for (guint i = 0; i < request->records->len; i++)
        {
          MerkkiRecord *record = g_ptr_array_index (request->records, i);
          g_autofree char *brand = product_key (record->brand);
          g_autofree char *model = product_key (record->model);

          g_assert_cmpstr (record->scheme, ==, ASKED_SCHEME);
          g_assert_cmpstr (brand, ==, "hostile test");
          g_assert_cmpstr (model, ==, "model 1");
        }
      break;

    case MERKKI_REGISTRY_REQUEST_SNAPSHOT:
      if (request->not_modified)
        {
          g_assert (status == 304);
          g_assert_cmpstr (request->etag, ==, ASKED_ETAG);
          g_assert_cmpstr (request->new_etag, ==, ASKED_ETAG);
          g_assert (request->records == NULL);
        }
      else
        {
          g_assert (status == 200);
          g_assert (request->records != NULL);
          g_assert (request->snapshot_generated != NULL);
          for (guint i = 0; i < request->records->len; i++)
            {
              MerkkiRecord *record = g_ptr_array_index (request->records, i);

              g_assert_cmpstr (record->scheme, ==, "sg-cls");
            }
          /* An ETag is stored only when it is safe to send back. */
          if (request->new_etag != NULL)
            for (const char *p = request->new_etag; *p != '\0'; p++)
              g_assert ((guchar) *p > 0x20 && (guchar) *p < 0x7f);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  return 0;
}
