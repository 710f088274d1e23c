/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* `merkki-cli scan` with lookups: each code of each file is checked and
 * recorded in the history, in a session when one is named, with the file
 * as the evidence of its checks. A resumed session skips the codes it
 * already has of each file (same bytes, same payload), and checks the others. On a terminal, stderr shows a progress line. */
typedef struct _MerkkiCliBatch MerkkiCliBatch;

typedef struct {
  const char *session;          /* may be NULL */
  const char *place;            /* may be NULL */
  const char *inspector;        /* may be NULL */
  gboolean    offline;
  gboolean    json;
  guint       n_files;
  char      **registry_args;    /* ID=URL, may be NULL */
  guint       max_offline_age_days;
} MerkkiCliBatchOptions;

MerkkiCliBatch *merkki_cli_batch_new        (const MerkkiCliBatchOptions *options,
                                             GError                     **error);
void            merkki_cli_batch_free       (MerkkiCliBatch              *self);

/* Reads @file before it is decoded, saves it as evidence and looks up
 * which of its codes the session already holds; FALSE (@error set) when it
 * cannot be read or saved. */
gboolean        merkki_cli_batch_begin_file (MerkkiCliBatch              *self,
                                             const char                  *file,
                                             GError                     **error);
/* Checks the codes (GBytes*) read from the file begun last that the
 * session does not hold yet, records and prints each check; prints each
 * code it skips. */
void            merkki_cli_batch_check      (MerkkiCliBatch              *self,
                                             const char                  *file,
                                             GPtrArray                   *payloads);
/* Counts a file as done (whatever became of it) and updates the progress line. */
void            merkki_cli_batch_end_file   (MerkkiCliBatch              *self);
/* The exit status of the checks: 1 when any needs action or is negative,
 * else 3 when any is unverified, else 0. */
int             merkki_cli_batch_finish     (MerkkiCliBatch              *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiCliBatch, merkki_cli_batch_free)

G_END_DECLS
