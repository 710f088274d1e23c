/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  MERKKI_LABEL_KIND_REFERENCE,    /* a label reference of a known scheme */
  MERKKI_LABEL_KIND_SUSPICIOUS,   /* imitates an authority's link but is not one */
  MERKKI_LABEL_KIND_NOT_A_LABEL,  /* any other payload: shown as text, never opened */
} MerkkiLabelKind;

/* Scheme names as they appear in the registry interface and JSON. */
#define MERKKI_SCHEME_SG_CLS    "sg-cls"
#define MERKKI_SCHEME_SG_CLS_MD "sg-cls-md"
#define MERKKI_SCHEME_FI_TTM    "fi-ttm"
#define MERKKI_SCHEME_DE_BSI    "de-bsi"

#define MERKKI_TYPE_LABEL_REF (merkki_label_ref_get_type ())

/* An immutable, reference-counted classification of one payload. */
typedef struct _MerkkiLabelRef MerkkiLabelRef;

GType            merkki_label_ref_get_type            (void) G_GNUC_CONST;

/* Classifies payload bytes. Never fails: any byte string is either a
 * reference, suspicious or not a label. @len may be -1 for a NUL-terminated
 * string. */
MerkkiLabelRef  *merkki_label_ref_parse               (const guint8   *data,
                                                       gssize          len);
MerkkiLabelRef  *merkki_label_ref_parse_bytes         (GBytes         *payload);

MerkkiLabelRef  *merkki_label_ref_ref                 (MerkkiLabelRef *self);
void             merkki_label_ref_unref               (MerkkiLabelRef *self);

MerkkiLabelKind  merkki_label_ref_get_kind            (MerkkiLabelRef *self);
/* The scheme of a reference, or for a suspicious payload the scheme it
 * imitates; NULL for not-a-label. */
const char      *merkki_label_ref_get_scheme          (MerkkiLabelRef *self);
/* The canonical ID: "CSA/311227/1234", "sik-05165", the fi-ttm product id.
 * NULL unless the kind is a reference. */
const char      *merkki_label_ref_get_id              (MerkkiLabelRef *self);
/* The expiry date carried by the ID itself (sg-cls DDMMYY), or NULL. Owned
 * by @self: do not free or change it. */
GDate           *merkki_label_ref_get_expires_from_id (MerkkiLabelRef *self);
/* Why the payload is suspicious or not a label, translated; NULL for a
 * reference. */
const char      *merkki_label_ref_get_reason          (MerkkiLabelRef *self);
/* The payload exactly as given. */
GBytes          *merkki_label_ref_get_payload         (MerkkiLabelRef *self);
/* The payload as printable, valid UTF-8: control bytes, invalid UTF-8 and
 * backslashes escaped (\n, \t, \xHH, \\), cut at 4096 characters with "…".
 * Safe to show; never to be opened as a link. */
const char      *merkki_label_ref_get_display_text    (MerkkiLabelRef *self);

/* Escapes any bytes the way get_display_text does, without the cut. */
char            *merkki_escape_bytes                  (const guint8   *data,
                                                       gsize           len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiLabelRef, merkki_label_ref_unref)

G_END_DECLS
