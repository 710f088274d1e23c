/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What leaves the machine when merkki-cli checks labels: only the question
 * (the reference), to the configured registry, with standard headers and a
 * User-Agent naming the program; never the history or anything about the
 * user, even once there is a history to send. */
#include "config.h"

#include <string.h>

#include "merkki-hostile-server.h"
#include "merkki-test-utils.h"

static void
lookup (const char *registry_url,
        const char *reference)
{
  g_autofree char *cli = merkki_test_build_path ("src/cli/merkki-cli");
  g_autofree char *registry = g_strconcat ("sg-csa=", registry_url, NULL);
  const char *argv[] = { cli, "lookup", "--registry", registry, reference, NULL };
  g_autofree char *out = merkki_test_run_program (argv);

  g_assert_nonnull (strstr (out, reference));
}

static void
assert_only_the_question (const char *sent,
                          const char *path)
{
  g_auto(GStrv) lines = g_strsplit (sent, "\n", -1);

  g_assert_cmpstr (lines[0], ==, path);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      static const char * const allowed[] = { "Host", "User-Agent", "Accept", NULL };
      g_autofree char *name = g_strndup (lines[i], strcspn (lines[i], ":"));

      g_test_message ("header: %s", lines[i]);
      g_assert_true (g_strv_contains (allowed, name));
      if (g_str_equal (name, "User-Agent"))
        g_assert_cmpstr (lines[i], ==, "User-Agent: Merkki/" PACKAGE_VERSION);
      if (g_str_equal (name, "Accept"))
        g_assert_cmpstr (lines[i], ==, "Accept: application/json");
    }
}

static void
test_lookup_sends_only_the_reference (void)
{
  g_autoptr(MerkkiHostileServer) server = merkki_hostile_server_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *user = g_get_user_name ();

  lookup (merkki_hostile_server_get_url (server), "CSA/311227/0001");
  first = merkki_hostile_server_dup_last_request (server);
  g_assert_nonnull (first);
  assert_only_the_question (first, "GET /v1/labels/sg-cls/CSA/311227/0001");

  /* Now there is a history; the next question still carries only itself. */
  lookup (merkki_hostile_server_get_url (server), "CSA/311227/0002");
  second = merkki_hostile_server_dup_last_request (server);
  assert_only_the_question (second, "GET /v1/labels/sg-cls/CSA/311227/0002");
  /* (the hostile server records the path decoded) */
  g_assert_null (strstr (second, "0001"));
  g_assert_null (strstr (second, "Cookie"));
  if (user != NULL && strlen (user) > 2)
    g_assert_null (strstr (second, user));
  g_assert_null (strstr (second, g_get_host_name ()));
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/privacy/lookup-sends-only-the-reference", test_lookup_sends_only_the_reference);

  return g_test_run ();
}
