/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A registry server that misbehaves on purpose, for testing clients of the
 * registry interface v1 (DESIGN.md) against broken and hostile registries.
 *
 * It is a real libsoup 3 server listening on 127.0.0.1 with a random port,
 * in a thread of its own with its own main context, so a test can call a
 * blocking client (merkki_registry_client_run()) from its own thread.
 *
 * In MERKKI_HOSTILE_VALID mode it answers correctly, built from the
 * question itself:
 *   GET /v1/labels/{scheme}/{id}          → 200 a record with that scheme and
 *       id (brand "Hostile Test", model "Model 1", level 3 for sg-cls, 0
 *       otherwise, status active; for a CSA/DDMMYY/N ID the expiry is
 *       DDMMYY), except an id of "unknown" → 404 {"error":"not-found"}
 *   GET /v1/labels/{scheme}?brand=B&model=M → 200 {"records": [2 records of
 *       that scheme, brand and model]}, except model "unknown" → {"records": []}
 *   GET /v1/snapshot                      → 200 a data document of 2 records
 *       for the registry ID set with merkki_hostile_server_set_registry_id()
 *       (default "sg-csa"), with ETag "\"hostile-1\"", and 304 when the
 *       request's If-None-Match is that ETag.
 * Any other path is 404 {"error":"not-found"}.
 *
 * The other modes answer every question of the kind the mode makes sense
 * for in their own broken way (see MerkkiHostileMode). The mode is chosen
 * per server (merkki_hostile_server_set_mode()) or per path prefix
 * (merkki_hostile_server_set_path_mode()); the longest matching prefix
 * wins. Paths under "/redirected/" (the target of
 * MERKKI_HOSTILE_REDIRECT_SAME_HOST) are always answered in VALID mode,
 * with the prefix removed.
 *
 * All functions may be called from any thread. Failing to start is a test
 * failure (g_assert), not an error to handle. */

typedef enum {
  MERKKI_HOSTILE_VALID,                /* a correct answer, as above */
  MERKKI_HOSTILE_NOT_FOUND_PLAIN,      /* 404, a text/plain body that is not JSON */
  MERKKI_HOSTILE_NOT_FOUND_JSON,       /* 404 {"error":"not-found"} */
  MERKKI_HOSTILE_SERVER_ERROR,         /* 500 {"error":"internal"} */
  MERKKI_HOSTILE_NEVER_ANSWER,         /* reads the request, never replies, keeps the
                                        * connection open until the server is freed */
  MERKKI_HOSTILE_SLOW_DRIP,            /* 200 and a valid body, one byte every 500 ms */
  MERKKI_HOSTILE_TRUNCATED_JSON,       /* 200, the first half of a valid body (the
                                        * Content-Length is that of the half) */
  MERKKI_HOSTILE_MALFORMED_JSON,       /* 200, a body that is not JSON at all */
  MERKKI_HOSTILE_WRONG_TYPES,          /* 200, the valid answer with "level" a string
                                        * and "brand" a number */
  MERKKI_HOSTILE_HUGE_BODY,            /* 200, 50 MB, no Content-Length (ends at close) */
  MERKKI_HOSTILE_LYING_LENGTH_LONG,    /* Content-Length 1000 bytes more than the valid
                                        * body that is sent, then the connection closes */
  MERKKI_HOSTILE_LYING_LENGTH_HUGE,    /* Content-Length of 5 GB, a small body, close */
  MERKKI_HOSTILE_LYING_LENGTH_SHORT,   /* Content-Length half the valid body, which is
                                        * sent whole anyway */
  MERKKI_HOSTILE_RESET_MID_BODY,       /* half the valid body, then a TCP reset */
  MERKKI_HOSTILE_REDIRECT_OTHER_HOST,  /* 302 to http://127.0.0.2:PORT/same-path (https
                                        * for a TLS server, as for the next three) */
  MERKKI_HOSTILE_REDIRECT_LOCALHOST,   /* 302 to http://localhost:PORT/same-path */
  MERKKI_HOSTILE_REDIRECT_OTHER_PORT,  /* 302 to http://127.0.0.1:OTHER-PORT/same-path */
  MERKKI_HOSTILE_REDIRECT_OTHER_SCHEME, /* 302 to the same host, port and path with
                                        * the other scheme (https → http: a downgrade) */
  MERKKI_HOSTILE_REDIRECT_SAME_HOST,   /* 302 to /redirected/same-path on this server */
  MERKKI_HOSTILE_REDIRECT_LOOP,        /* 302 to the same path, forever */
  MERKKI_HOSTILE_OTHER_ID,             /* 200, a valid record for another ID of the
                                        * same scheme (labels); search: for the asked
                                        * product but another scheme; snapshot: the
                                        * second record is an fi-ttm one */
  MERKKI_HOSTILE_OTHER_SCHEME,         /* 200, a valid record for the same ID in another
                                        * scheme; snapshot: another registry's ID */
  MERKKI_HOSTILE_OTHER_PRODUCT,        /* search: 200, one matching record and one of
                                        * another brand and model */
  MERKKI_HOSTILE_DUPLICATE_KEYS,       /* 200, the valid answer with "id" (or
                                        * "records") given twice, the second different */
  MERKKI_HOSTILE_DEEP_NESTING,         /* 200, 100 000 nested arrays */
  MERKKI_HOSTILE_MANY_RECORDS,         /* search: 200, 10 000 valid, matching records */
  MERKKI_HOSTILE_BAD_UTF8,             /* 200, the valid answer with an extra "note"
                                        * field whose bytes are not UTF-8 */
  MERKKI_HOSTILE_HUGE_NUMBER,          /* 200, the valid answer with a level of 10^400 */
  MERKKI_HOSTILE_GZIP,                 /* 200, the valid answer gzip-compressed with
                                        * Content-Encoding: gzip, though not asked for */
  MERKKI_HOSTILE_NOT_HTTP,             /* the valid body with no status line or headers
                                        * (HTTP/0.9), then close */
  MERKKI_HOSTILE_BAD_STATUS_LINE,      /* "HTTP/1.1 2000 OK", then the valid answer */
  MERKKI_HOSTILE_DUPLICATE_STATUS,     /* 200, the valid answer with every "status"
                                        * given twice: "active", then "revoked" */
  MERKKI_HOSTILE_DUPLICATE_STATUS_REVOKED_FIRST, /* the same, "revoked" first */
  MERKKI_HOSTILE_LEVEL_FLOAT_MAX,      /* 200, the valid answer with every level 1e308 */
  MERKKI_HOSTILE_LEVEL_2_POW_63,       /* ... every level 2^63 (one past int64) */
  MERKKI_HOSTILE_LEVEL_INT64_MIN,      /* ... every level -2^63 */
  MERKKI_HOSTILE_GZIP_BOMB,            /* 200, Content-Encoding: gzip, a body of about
                                        * 100 kB that inflates to 100 MB: the valid
                                        * answer followed by spaces */
} MerkkiHostileMode;

typedef struct _MerkkiHostileServer MerkkiHostileServer;

/* Starts a server in VALID mode on 127.0.0.1, a random port. */
MerkkiHostileServer *merkki_hostile_server_new            (void);
/* Starts a server in VALID mode speaking https, with the certificate and
 * key in PEM files (tests/data/tls: a certificate for 127.0.0.1 and
 * localhost signed by tests/data/tls/test-ca.pem). */
MerkkiHostileServer *merkki_hostile_server_new_tls        (const char *cert_file,
                                                           const char *key_file);
/* Stops the server (closing every connection it holds open) and frees it. */
void                 merkki_hostile_server_free           (MerkkiHostileServer *self);

void                 merkki_hostile_server_set_mode       (MerkkiHostileServer *self,
                                                           MerkkiHostileMode    mode);
/* @prefix is matched against the request path as libsoup decodes it,
 * e.g. "/v1/snapshot" or "/v1/labels/sg-cls/CSA/311227/0001" (sent as
 * ".../CSA%2F311227%2F0001"). */
void                 merkki_hostile_server_set_path_mode  (MerkkiHostileServer *self,
                                                           const char          *prefix,
                                                           MerkkiHostileMode    mode);
/* Delays every answer (whatever the mode) by @delay_ms; the server keeps
 * serving other connections meanwhile. */
void                 merkki_hostile_server_set_delay      (MerkkiHostileServer *self,
                                                           guint                delay_ms);
void                 merkki_hostile_server_set_registry_id (MerkkiHostileServer *self,
                                                            const char          *registry_id);

/* "http://127.0.0.1:PORT" (https for a TLS server), no trailing slash. */
const char          *merkki_hostile_server_get_url        (MerkkiHostileServer *self);
guint                merkki_hostile_server_get_port       (MerkkiHostileServer *self);
/* How many requests reached a handler so far. */
guint                merkki_hostile_server_get_n_requests (MerkkiHostileServer *self);

/* The last request as received: "GET /path?query" on the first line, then
 * one "Name: value" line per header. NULL before the first request. */
char                *merkki_hostile_server_dup_last_request (MerkkiHostileServer *self);

/* "http://127.0.0.1:PORT" of a port nobody listens on (it was free a moment
 * ago): a connection there is refused. */
char                *merkki_hostile_closed_port_url       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiHostileServer, merkki_hostile_server_free)

G_END_DECLS
