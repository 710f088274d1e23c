/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registry client over TLS, against the real registry server serving
 * https with certificates this test makes with openssl: trusted only when
 * their CA is configured, and only for the host name they were made for;
 * and plain http to anything but this computer refused before any
 * connection. */
#include "config.h"

#include <string.h>

#include "merkki-error.h"
#include "merkki-registry-client.h"
#include "merkki-registry-server.h"
#include "merkki-test-utils.h"

#define CLS_ID "CSA/300929/2001"   /* a record of tests/data/csa.json */

static char *pki_dir;              /* made once for all the tests */

static void
openssl (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (pki_dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl %s failed: %s", args[0], err);
}

/* A key and a certificate for @san ("IP:127.0.0.1,DNS:localhost"), signed
 * by the test CA: NAME.key and NAME.pem in pki_dir. */
static void
make_server_certificate (const char *name,
                         const char *san)
{
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *csr = g_strconcat (name, ".csr", NULL);
  g_autofree char *pem = g_strconcat (name, ".pem", NULL);
  g_autofree char *ext = g_strconcat (name, ".ext", NULL);
  g_autofree char *ext_path = g_build_filename (pki_dir, ext, NULL);
  g_autofree char *ext_text = g_strdup_printf ("basicConstraints=CA:FALSE\n"
                                               "keyUsage=digitalSignature\n"
                                               "extendedKeyUsage=serverAuth\n"
                                               "subjectAltName=%s\n", san);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (ext_path, ext_text, -1, &error);
  g_assert_no_error (error);

  openssl ((const char *[]) { "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=Merkki test registry", NULL });
  openssl ((const char *[]) { "x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key",
                              "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", pem, NULL });
}

static void
make_pki (void)
{
  pki_dir = g_build_filename (merkki_test_get_tmpdir (), "pki", NULL);
  g_assert_cmpint (g_mkdir_with_parents (pki_dir, 0700), ==, 0);

  openssl ((const char *[]) { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                              "-subj", "/CN=Merkki test CA",
                              "-addext", "basicConstraints=critical,CA:TRUE",
                              "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL });
  make_server_certificate ("loopback", "IP:127.0.0.1,DNS:localhost");
  make_server_certificate ("other-host", "DNS:registry.example");
}

static char *
pki_path (const char *name)
{
  return g_build_filename (pki_dir, name, NULL);
}

/* The registry server with tests/data/csa.json, serving https with the
 * certificate NAME. */
static MerkkiRegistryServer *
start_https_server (const char *name)
{
  g_autoptr(MerkkiRegistryServer) server = merkki_registry_server_new ();
  g_autofree char *pem_name = g_strconcat (name, ".pem", NULL);
  g_autofree char *key_name = g_strconcat (name, ".key", NULL);
  g_autofree char *pem = pki_path (pem_name);
  g_autofree char *key = pki_path (key_name);
  g_autofree char *data = merkki_test_data_path ("csa.json");
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (pem, key, &error);
  g_assert_no_error (error);

  g_assert_true (merkki_registry_server_load_file (server, data, &error));
  g_assert_no_error (error);
  merkki_registry_server_set_tls_certificate (server, certificate);
  g_assert_true (merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (merkki_registry_server_get_url (server), "https://127.0.0.1:"));

  return g_steal_pointer (&server);
}

/* A client with time to spare: these are not tests of time limits, and a
 * sanitizer build takes seconds to load the system's CAs and shake hands. */
static MerkkiRegistryClient *
new_client (void)
{
  MerkkiRegistryClient *client = merkki_registry_client_new ();

  merkki_registry_client_set_timeouts (client, 60000, 120000);
  return client;
}

static MerkkiRegistryRequest *
ask (MerkkiRegistryClient *client,
     const char           *base_url)
{
  MerkkiRegistryRequest *request = merkki_registry_request_new_label ("sg-csa", base_url, "sg-cls", CLS_ID);
  g_autoptr(GPtrArray) requests = g_ptr_array_new ();

  g_ptr_array_add (requests, request);
  merkki_registry_client_run (client, requests, NULL);
  if (request->error != NULL)
    g_test_message ("%s: %s", base_url, request->error->message);

  return request;
}

static void
assert_untrusted (MerkkiRegistryRequest *request,
                  MerkkiRegistryServer  *server)
{
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_ERROR);
  g_assert_error (request->error, MERKKI_ERROR, MERKKI_ERROR_NETWORK);
  g_assert_nonnull (strstr (request->error->message, "secure connection"));
  g_assert_null (request->record);
  /* The handshake failed: the question itself was never sent. */
  g_assert_cmpuint (merkki_registry_server_get_n_requests (server), ==, 0);
}

static void
test_untrusted_by_default (void)
{
  g_autoptr(MerkkiRegistryServer) server = start_https_server ("loopback");
  g_autoptr(MerkkiRegistryClient) client = new_client ();
  g_autoptr(MerkkiRegistryRequest) request = ask (client, merkki_registry_server_get_url (server));

  assert_untrusted (request, server);
}

static void
test_trusted_with_ca_file (void)
{
  g_autoptr(MerkkiRegistryServer) server = start_https_server ("loopback");
  g_autoptr(MerkkiRegistryClient) client = new_client ();
  g_autofree char *ca = pki_path ("ca.pem");
  g_autoptr(MerkkiRegistryRequest) request = NULL;
  g_autofree char *localhost_url = NULL;
  g_autoptr(MerkkiRegistryRequest) by_name = NULL;

  merkki_registry_client_set_ca_file (client, ca);
  request = ask (client, merkki_registry_server_get_url (server));
  g_assert_no_error (request->error);
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (request->record->id, ==, CLS_ID);
  g_assert_cmpstr (request->record->brand, ==, "Test Pohjola");
  g_assert_cmpuint (merkki_registry_server_get_n_requests (server), ==, 1);

  /* The other name the certificate is for. */
  localhost_url = g_strdup_printf ("https://localhost:%s",
                                   strrchr (merkki_registry_server_get_url (server), ':') + 1);
  by_name = ask (client, localhost_url);
  g_assert_no_error (by_name->error);
  g_assert_cmpint (by_name->outcome, ==, MERKKI_OUTCOME_FOUND);
}

static void
test_other_host_name (void)
{
  g_autoptr(MerkkiRegistryServer) server = start_https_server ("other-host");
  g_autoptr(MerkkiRegistryClient) client = new_client ();
  g_autofree char *ca = pki_path ("ca.pem");
  g_autoptr(MerkkiRegistryRequest) request = NULL;

  /* A CA the client trusts, but a certificate for registry.example, not
   * for the address asked. */
  merkki_registry_client_set_ca_file (client, ca);
  request = ask (client, merkki_registry_server_get_url (server));
  assert_untrusted (request, server);
}

static void
test_plain_http_elsewhere (void)
{
  static const char * const urls[] = {
    "http://192.0.2.1",              /* TEST-NET-1 */
    "http://198.51.100.7:8080",      /* TEST-NET-2 */
    "http://[2001:db8::1]",          /* documentation IPv6 */
    "http://registry.example",
  };
  g_autoptr(MerkkiRegistryServer) proxy = merkki_registry_server_new ();
  g_autoptr(MerkkiRegistryClient) client = new_client ();
  g_autoptr(GError) error = NULL;

  /* Every connection the client could make to those hosts goes through
   * this proxy on 127.0.0.1 instead, which counts what reaches it: so
   * nothing can leave the machine, and any attempt would be seen. */
  g_assert_true (merkki_registry_server_start_thread (proxy, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_setenv ("http_proxy", merkki_registry_server_get_url (proxy), TRUE);
  g_setenv ("HTTPS_PROXY", merkki_registry_server_get_url (proxy), TRUE);
  g_setenv ("ALL_PROXY", merkki_registry_server_get_url (proxy), TRUE);
  g_unsetenv ("NO_PROXY");
  g_unsetenv ("no_proxy");

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(MerkkiRegistryRequest) request = ask (client, urls[i]);

      g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_ERROR);
      g_assert_error (request->error, MERKKI_ERROR, MERKKI_ERROR_REFUSED);
      g_assert_nonnull (strstr (request->error->message, "https://"));
    }

  g_assert_cmpuint (merkki_registry_server_get_n_requests (proxy), ==, 0);

  g_unsetenv ("http_proxy");
  g_unsetenv ("HTTPS_PROXY");
  g_unsetenv ("ALL_PROXY");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  merkki_test_init (&argc, &argv);
  make_pki ();

  g_test_add_func ("/tls/untrusted-by-default", test_untrusted_by_default);
  g_test_add_func ("/tls/trusted-with-ca-file", test_trusted_with_ca_file);
  g_test_add_func ("/tls/other-host-name", test_other_host_name);
  g_test_add_func ("/tls/plain-http-elsewhere", test_plain_http_elsewhere);

  status = g_test_run ();
  g_free (pki_dir);
  return status;
}
