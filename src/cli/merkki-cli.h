/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-core.h"

G_BEGIN_DECLS

/* Exit statuses of DESIGN.md's command line. */
enum {
  MERKKI_CLI_EXIT_VALID = 0,
  MERKKI_CLI_EXIT_NEGATIVE = 1,
  MERKKI_CLI_EXIT_USAGE = 2,
  MERKKI_CLI_EXIT_UNVERIFIED = 3,
};

/* Each command takes the arguments after its name (argv[0] is the command
 * name) and returns the process exit status. */
int merkki_cli_parse   (int argc, char **argv);
int merkki_cli_lookup  (int argc, char **argv);
int merkki_cli_scan    (int argc, char **argv);
int merkki_cli_serve   (int argc, char **argv);
int merkki_cli_import  (int argc, char **argv);
int merkki_cli_sync    (int argc, char **argv);
int merkki_cli_history (int argc, char **argv);

/* Runs the command named in argv[1]. */
int merkki_cli_main    (int argc, char **argv);

/* Prints "merkki-cli COMMAND: MESSAGE" as one line on stderr and returns
 * MERKKI_CLI_EXIT_USAGE. */
int merkki_cli_usage_error (const char *command,
                            const char *format,
                            ...) G_GNUC_PRINTF (2, 3);

/* Parses @argc/@argv with @entries for @command; on a bad option prints one
 * line and returns FALSE. --help prints the full help and exits 0. */
gboolean merkki_cli_parse_options (const char   *command,
                                   const char   *parameter_string,
                                   const char   *summary,
                                   GOptionEntry *entries,
                                   int          *argc,
                                   char       ***argv);

/* The bundled registries with MERKKI_REGISTRY_<ID> from the environment,
 * then each "ID=URL" of @registry_args (may be NULL) applied. A malformed
 * variable or argument prints one line and returns NULL: a script that
 * sets an address wants it used, not silently replaced by the offline copy. */
MerkkiRegistryConfig *merkki_cli_load_registry_config (const char  *command,
                                                       char       **registry_args);
/* The same, with the reason in @error instead of printed. */
MerkkiRegistryConfig *merkki_cli_registry_config_new  (char       **registry_args,
                                                       GError     **error);

/* Opens the store at its default path; on failure prints one line naming
 * the file and returns NULL. */
MerkkiStore          *merkki_cli_open_store           (const char  *command);

G_END_DECLS
