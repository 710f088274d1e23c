/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "merkki-core.h"
#include "merkki-cli.h"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "parse",   merkki_cli_parse,   N_("Classify a payload without asking any registry") },
  { "lookup",  merkki_cli_lookup,  N_("Check a label reference against both registries") },
  { "scan",    merkki_cli_scan,    N_("Read QR codes from images or videos and check them") },
  { "serve",   merkki_cli_serve,   N_("Serve registry data over the registry interface") },
  { "import",  merkki_cli_import,  N_("Convert an authority's CSV product list to registry data") },
  { "sync",    merkki_cli_sync,    N_("Update the offline copy of every registry") },
  { "history", merkki_cli_history, N_("Show or export past checks") },
};

int
merkki_cli_usage_error (const char *command,
                        const char *format,
                        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line: scripts read the first line of stderr. */
  g_strdelimit (message, "\n", ' ');
  if (command != NULL)
    fprintf (stderr, "merkki-cli %s: %s\n", command, message);
  else
    fprintf (stderr, "merkki-cli: %s\n", message);

  return MERKKI_CLI_EXIT_USAGE;
}

gboolean
merkki_cli_parse_options (const char   *command,
                          const char   *parameter_string,
                          const char   *summary,
                          GOptionEntry *entries,
                          int          *argc,
                          char       ***argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  context = g_option_context_new (parameter_string);
  g_option_context_set_summary (context, summary);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      merkki_cli_usage_error (command, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

MerkkiRegistryConfig *
merkki_cli_registry_config_new (char   **registry_args,
                                GError **error)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_bundled ();

  if (!merkki_registry_config_apply_environment (config, error))
    return NULL;

  for (guint i = 0; registry_args != NULL && registry_args[i] != NULL; i++)
    {
      if (!merkki_registry_config_apply_arg (config, registry_args[i], error))
        return NULL;
    }

  return g_steal_pointer (&config);
}

MerkkiRegistryConfig *
merkki_cli_load_registry_config (const char  *command,
                                 char       **registry_args)
{
  g_autoptr(GError) error = NULL;
  MerkkiRegistryConfig *config = merkki_cli_registry_config_new (registry_args, &error);

  if (config == NULL)
    merkki_cli_usage_error (command, "%s", error->message);
  return config;
}

MerkkiStore *
merkki_cli_open_store (const char *command)
{
  g_autofree char *path = merkki_store_get_default_path ();
  g_autoptr(GError) error = NULL;
  MerkkiStore *store = merkki_store_open (path, &error);

  if (store == NULL)
    merkki_cli_usage_error (command, "%s", error->message);
  return store;
}

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n  merkki-cli COMMAND [OPTION…]\n\n%s\n", _("Usage:"), _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s  %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “merkki-cli COMMAND --help” for the options of a command."));
}

int
merkki_cli_main (int    argc,
                 char **argv)
{
  const Command *command = NULL;

  for (gsize i = 0; argc >= 2 && i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (argv[1], commands[i].name))
        command = &commands[i];
    }

  setlocale (LC_ALL, "");
  /* Each command parses its options from its own argv, whose argv[0] is
   * the command name. GOptionContext writes the usage line as
   * "PRGNAME [OPTION…] PARAMETERS", so the program's name carries the
   * command's: "merkki-cli lookup [OPTION…] REFERENCE-OR-PAYLOAD". */
  if (command != NULL)
    {
      g_autofree char *prgname = g_strconcat ("merkki-cli ", command->name, NULL);

      g_set_prgname (prgname);
    }
  else
    {
      g_set_prgname ("merkki-cli");
    }
  merkki_core_init ();
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      return merkki_cli_usage_error (NULL, "%s",
                                     _("No command given; try “merkki-cli --help”"));
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_help (stdout);
      return 0;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      printf ("merkki-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (command != NULL)
    return command->run (argc - 1, argv + 1);

  return merkki_cli_usage_error (NULL, _("Unknown command “%s”; try “merkki-cli --help”"), argv[1]);
}
