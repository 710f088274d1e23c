/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "merkki-record.h"
#include "merkki-registry-config.h"
#include "merkki-verdict.h"

G_BEGIN_DECLS

typedef enum {
  MERKKI_REGISTRY_REQUEST_LABEL,     /* GET /v1/labels/{scheme}/{id} */
  MERKKI_REGISTRY_REQUEST_SEARCH,    /* GET /v1/labels/{scheme}?brand=B&model=M */
  MERKKI_REGISTRY_REQUEST_SNAPSHOT,  /* GET /v1/snapshot, If-None-Match */
} MerkkiRegistryRequestKind;

/* One request and, once run, its answer. Filled in by the caller up to
 * "Answer"; the client fills in the rest. */
typedef struct {
  MerkkiRegistryRequestKind kind;
  char          *registry_id;
  char          *base_url;
  char          *scheme;
  char          *id;             /* LABEL */
  char          *brand;          /* SEARCH */
  char          *model;          /* SEARCH */
  char          *etag;           /* SNAPSHOT: the ETag we have, or NULL */

  /* Answer */
  MerkkiOutcome  outcome;        /* FOUND, NOT_FOUND or ERROR (SKIPPED until run) */
  MerkkiRecord  *record;         /* LABEL found */
  GPtrArray     *records;        /* SEARCH and SNAPSHOT: MerkkiRecord, owned */
  char          *snapshot_generated;  /* SNAPSHOT: ISO 8601 */
  char          *new_etag;       /* SNAPSHOT */
  gboolean       not_modified;   /* SNAPSHOT: 304 */
  GError        *error;          /* ERROR: why, in words a user can act on */
  GDateTime     *fetched_at;
  double         seconds;        /* wall time of the request */
} MerkkiRegistryRequest;

MerkkiRegistryRequest *merkki_registry_request_new_label    (const char *registry_id,
                                                             const char *base_url,
                                                             const char *scheme,
                                                             const char *id);
MerkkiRegistryRequest *merkki_registry_request_new_search   (const char *registry_id,
                                                             const char *base_url,
                                                             const char *scheme,
                                                             const char *brand,
                                                             const char *model);
MerkkiRegistryRequest *merkki_registry_request_new_snapshot (const char *registry_id,
                                                             const char *base_url,
                                                             const char *etag);
void                   merkki_registry_request_free         (MerkkiRegistryRequest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiRegistryRequest, merkki_registry_request_free)

#define MERKKI_TYPE_REGISTRY_CLIENT (merkki_registry_client_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiRegistryClient, merkki_registry_client, MERKKI, REGISTRY_CLIENT, GObject)

MerkkiRegistryClient *merkki_registry_client_new (void);

/* Limits; the defaults are DESIGN.md's: connect 3 s, total 8 s, 1 MiB a
 * lookup or search, 64 MiB a snapshot. Tests may lower them. */
void merkki_registry_client_set_timeouts (MerkkiRegistryClient *self,
                                          guint                 connect_ms,
                                          guint                 total_ms);
void merkki_registry_client_set_body_caps (MerkkiRegistryClient *self,
                                           gsize                 lookup_cap,
                                           gsize                 snapshot_cap);
/* Extra CA file to trust (PEM), for a registry with its own CA. */
void merkki_registry_client_set_ca_file  (MerkkiRegistryClient *self,
                                          const char           *ca_file);

/* Runs every request in @requests (MerkkiRegistryRequest*) concurrently on
 * one curl multi handle and returns when all have an answer. Blocking: call
 * from a worker thread. Each request ends FOUND, NOT_FOUND or ERROR; a
 * hostile or broken answer is ERROR for that request only. Cancelling ends
 * the unfinished ones with MERKKI_ERROR_CANCELLED. Thread-safe.
 *
 * What counts as what:
 * - LABEL: 200 with a record whose scheme and id are the ones asked is
 *   FOUND; a record about another label is ERROR (INVALID_DATA).
 * - SEARCH: 200 {"records": [...]}: every record is strictly checked and
 *   must have the asked scheme, brand and model (case-insensitively);
 *   one that does not makes the whole answer ERROR (never dropped
 *   silently, never passed on). Over 1000 records is ERROR (TOO_LARGE).
 *   An empty list is NOT_FOUND.
 * - 404 {"error": "not-found"} is NOT_FOUND; a 404 without it is ERROR
 *   (HTTP): a web server that is not a registry, usually a wrong address.
 * - SNAPSHOT: 200 is FOUND with records, snapshot_generated and new_etag;
 *   the document's "registry" must be the request's registry_id. 304 (to
 *   an If-None-Match sent with the request's etag) is FOUND with
 *   not_modified set, records NULL and new_etag = etag.
 * - Policy (ERROR before any connection): plain http to anything but
 *   127.0.0.0/8, ::1 or "localhost" is REFUSED; a base URL that is not
 *   http(s), or has a user name, query or fragment, is CONFIG. Redirects
 *   are followed only to the same scheme, host and port, at most 3; any
 *   other is REFUSED. */
void merkki_registry_client_run (MerkkiRegistryClient *self,
                                 GPtrArray            *requests,
                                 GCancellable         *cancellable);

/* Answers @request from one HTTP response, without any network: what
 * run() does once a response has arrived, with the default body caps.
 * @headers is the header block as received ("Name: value" lines ending in
 * CRLF, the status line optional; NULL if @headers_len is 0), @body the
 * body as received. A redirect is not followed: a 3xx status is an HTTP
 * error here. A Content-Encoding other than identity is INVALID_DATA
 * (Merkki sends no Accept-Encoding). For tests and fuzzing; run() is the
 * way to ask a registry. */
void merkki_registry_request_answer_response (MerkkiRegistryRequest *request,
                                              guint                  status,
                                              const char            *headers,
                                              gsize                  headers_len,
                                              const guint8          *body,
                                              gsize                  body_len);

G_END_DECLS
