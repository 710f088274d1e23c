/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the payload parser, on any bytes a QR code can hold. */
#include "config.h"

#include <string.h>

#include "merkki-label-ref.h"
#include "merkki-fuzz.h"

static void
assert_printable_utf8 (const char *text)
{
  g_assert (text != NULL);
  g_assert (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse (data, size);
  g_autoptr(MerkkiLabelRef) again = NULL;
  g_autofree char *escaped = NULL;
  GBytes *payload;

  g_assert (ref != NULL);

  /* The payload is kept exactly as given. */
  payload = merkki_label_ref_get_payload (ref);
  g_assert (payload != NULL);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), data, size);

  /* What is shown is printable UTF-8, whatever the bytes were. */
  assert_printable_utf8 (merkki_label_ref_get_display_text (ref));
  escaped = merkki_escape_bytes (data, size);
  assert_printable_utf8 (escaped);

  switch (merkki_label_ref_get_kind (ref))
    {
    case MERKKI_LABEL_KIND_REFERENCE:
      g_assert (merkki_label_ref_get_scheme (ref) != NULL);
      assert_printable_utf8 (merkki_label_ref_get_id (ref));
      g_assert (merkki_label_ref_get_reason (ref) == NULL);
      break;

    case MERKKI_LABEL_KIND_SUSPICIOUS:
      g_assert (merkki_label_ref_get_scheme (ref) != NULL);
      g_assert (merkki_label_ref_get_id (ref) == NULL);
      g_assert (merkki_label_ref_get_reason (ref) != NULL);
      break;

    case MERKKI_LABEL_KIND_NOT_A_LABEL:
      g_assert (merkki_label_ref_get_scheme (ref) == NULL);
      g_assert (merkki_label_ref_get_id (ref) == NULL);
      g_assert (merkki_label_ref_get_reason (ref) != NULL);
      break;

    default:
      g_assert_not_reached ();
    }

  /* Classifying is a function of the bytes alone. */
  again = merkki_label_ref_parse_bytes (payload);
  g_assert_cmpint (merkki_label_ref_get_kind (again), ==, merkki_label_ref_get_kind (ref));
  g_assert_cmpstr (merkki_label_ref_get_id (again), ==, merkki_label_ref_get_id (ref));

  return 0;
}
