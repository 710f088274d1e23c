/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-cli.h"

/* Far above any QR code (under 3 KB) or typed reference; a bound so that
 * "-" on an endless pipe ends with a message rather than with the memory. */
#define STDIN_MAX_BYTES (1024 * 1024)

static const char *
kind_to_string (MerkkiLabelKind kind)
{
  switch (kind)
    {
    case MERKKI_LABEL_KIND_REFERENCE:
      return "reference";
    case MERKKI_LABEL_KIND_SUSPICIOUS:
      return "suspicious";
    case MERKKI_LABEL_KIND_NOT_A_LABEL:
      return "not-a-label";
    default:
      g_return_val_if_reached ("not-a-label");
    }
}

static const char *
kind_to_title (MerkkiLabelKind kind)
{
  switch (kind)
    {
    case MERKKI_LABEL_KIND_REFERENCE:
      /* Translators: merkki-cli parse output: the payload is a label reference. */
      return _("label reference");
    case MERKKI_LABEL_KIND_SUSPICIOUS:
      /* Translators: merkki-cli parse output: the payload imitates an authority's link. */
      return _("suspicious");
    case MERKKI_LABEL_KIND_NOT_A_LABEL:
      /* Translators: merkki-cli parse output: the payload is something else. */
      return _("not a label");
    default:
      g_return_val_if_reached ("");
    }
}

static GBytes *
read_stdin (GError **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[8192];

  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, buffer, sizeof buffer);

      if (n == 0)
        break;
      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       _("Could not read the payload from standard input: %s"), g_strerror (saved));
          return NULL;
        }
      if (data->len + (gsize) n > STDIN_MAX_BYTES)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       _("The payload on standard input is larger than %d KiB"), STDIN_MAX_BYTES / 1024);
          return NULL;
        }
      g_byte_array_append (data, buffer, n);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static char *
hex_of (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *hex = g_string_sized_new (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  return g_string_free (hex, FALSE);
}

static json_t *
parse_to_json (MerkkiLabelRef *ref)
{
  GBytes *payload = merkki_label_ref_get_payload (ref);
  g_autofree char *input = merkki_escape_bytes (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_autofree char *hex = hex_of (payload);
  json_t *object = json_object ();
  json_t *reference = json_null ();
  const char *reason = merkki_label_ref_get_reason (ref);

  if (merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE)
    {
      GDate *expires = merkki_label_ref_get_expires_from_id (ref);
      g_autofree char *expires_iso = expires != NULL ? merkki_date_to_iso (expires) : NULL;

      json_decref (reference);
      reference = json_pack ("{s:s, s:s, s:o}",
                             "scheme", merkki_label_ref_get_scheme (ref),
                             "id", merkki_label_ref_get_id (ref),
                             "expires_from_id", expires_iso != NULL ? json_string (expires_iso) : json_null ());
    }

  json_object_set_new (object, "input", json_string (input));
  json_object_set_new (object, "input_hex", json_string (hex));
  json_object_set_new (object, "kind", json_string (kind_to_string (merkki_label_ref_get_kind (ref))));
  json_object_set_new (object, "reference", reference);
  /* For a suspicious payload: the scheme whose links it imitates. */
  json_object_set_new (object, "imitates",
                       merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_SUSPICIOUS
                         ? json_string (merkki_label_ref_get_scheme (ref)) : json_null ());
  json_object_set_new (object, "reason", reason != NULL ? json_string (reason) : json_null ());

  return object;
}

static void
print_human (MerkkiLabelRef *ref)
{
  MerkkiLabelKind kind = merkki_label_ref_get_kind (ref);
  const char *scheme = merkki_label_ref_get_scheme (ref);
  GDate *expires = merkki_label_ref_get_expires_from_id (ref);

  /* Translators: merkki-cli parse output; keep the labels short, they are aligned with spaces. */
  printf ("%s %s\n", _("Input:  "), merkki_label_ref_get_display_text (ref));
  printf ("%s %s\n", _("Kind:   "), kind_to_title (kind));

  if (scheme != NULL)
    {
      const char *name = merkki_scheme_get_name (scheme);

      if (kind == MERKKI_LABEL_KIND_SUSPICIOUS)
        /* Translators: merkki-cli parse output: the scheme a suspicious link imitates. */
        printf ("%s %s (%s)\n", _("Imitates:"), name != NULL ? name : scheme, scheme);
      else
        printf ("%s %s (%s)\n", _("Scheme: "), name != NULL ? name : scheme, scheme);
    }

  if (kind == MERKKI_LABEL_KIND_REFERENCE)
    printf ("%s %s\n", _("ID:     "), merkki_label_ref_get_id (ref));

  if (expires != NULL)
    {
      g_autofree char *date = merkki_format_gdate (expires);

      /* Translators: merkki-cli parse output: the label's expiry date read from its ID. */
      printf ("%s %s\n", _("Expires:"), date);
    }

  if (merkki_label_ref_get_reason (ref) != NULL)
    printf ("%s %s\n", _("Reason: "), merkki_label_ref_get_reason (ref));
}

int
merkki_cli_parse (int    argc,
                  char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(MerkkiLabelRef) ref = NULL;

  if (!merkki_cli_parse_options ("parse", _("PAYLOAD"),
                                 _("Classifies PAYLOAD as a label reference, a suspicious link or not a label, "
                                   "without asking any registry. “-” reads the payload’s raw bytes from standard input.\n\n"
                                   "Exit status: 0 a label reference, 1 suspicious or not a label, 2 usage error."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  /* "merkki-cli parse -- -x": a payload that starts with a dash. */
  if (argc >= 2 && g_str_equal (argv[1], "--"))
    {
      argv++;
      argc--;
    }

  if (argc < 2)
    return merkki_cli_usage_error ("parse", "%s", _("No payload given; try “merkki-cli parse --help”"));
  if (argc > 2)
    return merkki_cli_usage_error ("parse", "%s", _("Give exactly one payload; quote it if it contains spaces"));

  if (g_str_equal (argv[1], "-"))
    {
      g_autoptr(GError) error = NULL;

      payload = read_stdin (&error);
      if (payload == NULL)
        return merkki_cli_usage_error ("parse", "%s", error->message);
    }
  else
    payload = g_bytes_new (argv[1], strlen (argv[1]));

  ref = merkki_label_ref_parse_bytes (payload);

  if (as_json)
    {
      json_t *object = parse_to_json (ref);
      char *text = json_dumps (object, JSON_COMPACT);

      printf ("%s\n", text);
      free (text);
      json_decref (object);
    }
  else
    print_human (ref);

  if (fflush (stdout) != 0)
    return merkki_cli_usage_error ("parse", "%s", _("Could not write the result"));

  return merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE
    ? MERKKI_CLI_EXIT_VALID : MERKKI_CLI_EXIT_NEGATIVE;
}
