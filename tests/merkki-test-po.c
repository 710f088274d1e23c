/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-test-po.h"

static char *
unquote (const char *line)
{
  const char *start = strchr (line, '"');
  const char *end = strrchr (line, '"');
  GString *out = g_string_new (NULL);

  g_assert_nonnull (start);
  g_assert_true (end > start);
  for (const char *p = start + 1; p < end; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 'n': g_string_append_c (out, '\n'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case '"': g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        default: g_assert_not_reached ();
        }
    }

  return g_string_free (out, FALSE);
}

typedef struct {
  GString *ctxt;
  GString *id;
  GString *str;
  GString *current;
  gboolean fuzzy;
} PoEntry;

static void
po_entry_flush (PoEntry    *entry,
                GHashTable *catalogue)
{
  if (entry->id != NULL && entry->id->len > 0 && entry->str != NULL && entry->str->len > 0 && !entry->fuzzy)
    {
      char *key = entry->ctxt != NULL ? g_strconcat (entry->ctxt->str, "\004", entry->id->str, NULL)
                                      : g_strdup (entry->id->str);

      g_hash_table_replace (catalogue, key, g_strdup (entry->str->str));
    }
  if (entry->ctxt != NULL)
    g_string_free (entry->ctxt, TRUE);
  if (entry->id != NULL)
    g_string_free (entry->id, TRUE);
  if (entry->str != NULL)
    g_string_free (entry->str, TRUE);
  memset (entry, 0, sizeof *entry);
}

GHashTable *
merkki_test_po_read (const char *language)
{
  g_autofree char *name = g_strconcat (language, ".po", NULL);
  g_autofree char *path = g_build_filename (g_getenv ("MERKKI_SOURCE_ROOT"), "po", name, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *catalogue = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  PoEntry entry = { 0 };

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autofree char *text = NULL;

      if (*line == '\0' || g_str_has_prefix (line, "#~"))
        {
          po_entry_flush (&entry, catalogue);
          continue;
        }
      if (g_str_has_prefix (line, "#,") && strstr (line, "fuzzy") != NULL)
        entry.fuzzy = TRUE;
      if (*line == '#')
        continue;

      text = unquote (line);
      if (g_str_has_prefix (line, "msgctxt "))
        {
          po_entry_flush (&entry, catalogue);
          entry.current = entry.ctxt = g_string_new (text);
        }
      else if (g_str_has_prefix (line, "msgid "))
        {
          if (entry.id != NULL)
            po_entry_flush (&entry, catalogue);
          entry.current = entry.id = g_string_new (text);
        }
      else if (g_str_has_prefix (line, "msgstr ") || g_str_has_prefix (line, "msgstr[0] "))
        entry.current = entry.str = g_string_new (text);
      else if (g_str_has_prefix (line, "msgid_plural ") || g_str_has_prefix (line, "msgstr["))
        entry.current = NULL;   /* plural forms are not looked up here */
      else if (*line == '"' && entry.current != NULL)
        g_string_append (entry.current, text);
    }
  po_entry_flush (&entry, catalogue);

  return catalogue;
}

const char *
merkki_test_po_lookup (GHashTable *catalogue,
           const char *msgid)
{
  const char *translation = g_hash_table_lookup (catalogue, msgid);

  if (translation == NULL)
    g_error ("No translation of “%s”", msgid);

  return translation;
}

char *
merkki_test_po_join_sentences (GHashTable *catalogue,
                   const char *first,
                   const char *second)
{
  const char *format = merkki_test_po_lookup (catalogue, "explanation\004%s %s");

  g_assert_cmpstr (format, ==, strstr (format, "%s %s") != NULL ? "%s %s" : "%s%s");

  return g_strconcat (first, g_str_equal (format, "%s %s") ? " " : "", second, NULL);
}

