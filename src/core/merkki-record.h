/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
  MERKKI_RECORD_STATUS_ACTIVE,
  MERKKI_RECORD_STATUS_SUSPENDED,
  MERKKI_RECORD_STATUS_REVOKED,
} MerkkiRecordStatus;

#define MERKKI_TYPE_RECORD (merkki_record_get_type ())

/* One registry record, as in DESIGN.md's registry interface v1. Plain
 * struct, boxed; every string is valid UTF-8 and every field type-checked
 * by merkki_record_from_json(). */
typedef struct {
  char               *scheme;
  char               *id;
  int                 level;         /* 0 when the scheme has no levels (fi-ttm, de-bsi) */
  MerkkiRecordStatus  status;
  char               *brand;
  char               *model;
  char               *category;      /* may be NULL */
  char               *manufacturer;  /* may be NULL */
  GDate              *issued;        /* may be NULL */
  GDate              *expires;       /* may be NULL (no expiry published) */
  char               *url;           /* may be NULL */
} MerkkiRecord;

GType          merkki_record_get_type     (void) G_GNUC_CONST;
MerkkiRecord  *merkki_record_new          (void);
MerkkiRecord  *merkki_record_copy         (const MerkkiRecord *self);
void           merkki_record_free         (MerkkiRecord       *self);

/* Strict: a missing required field (scheme, id, status, product.brand,
 * product.model), a wrong JSON type, an unknown status, a level outside
 * 0..4, an impossible date, or a string over 1024 bytes or not UTF-8 is a
 * MERKKI_ERROR_INVALID_DATA. Unknown extra fields are ignored. */
MerkkiRecord  *merkki_record_from_json    (json_t             *object,
                                           GError            **error);
/* A new reference to a JSON object in the interface's format. */
json_t        *merkki_record_to_json      (const MerkkiRecord *self);

const char        *merkki_record_status_to_string   (MerkkiRecordStatus status);
gboolean           merkki_record_status_from_string (const char         *str,
                                                     MerkkiRecordStatus *out);

/* "YYYY-MM-DD" <-> GDate; parse returns NULL for anything but a real date. */
GDate         *merkki_date_parse_iso      (const char         *str);
char          *merkki_date_to_iso         (const GDate        *date);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiRecord, merkki_record_free)

G_END_DECLS
