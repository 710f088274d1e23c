/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <time.h>

#include <glib/gi18n-lib.h>

#include "merkki-checker.h"
#include "merkki-error.h"
#include "merkki-explanation.h"
#include "merkki-label-ref.h"

#define DEFAULT_CACHE_MAX_AGE_S 300

struct _MerkkiChecker
{
  GObject                 parent_instance;

  MerkkiRegistryConfig   *config;
  MerkkiRegistryClient   *client;
  MerkkiStore            *store;
  MerkkiRecognitionTable *table;

  /* Set from the UI thread, read by worker threads. */
  GMutex                  mutex;
  gint64                  cache_max_age_s;
  guint                   max_offline_age_days;
  char                   *session;
};

G_DEFINE_FINAL_TYPE (MerkkiChecker, merkki_checker, G_TYPE_OBJECT)

static void
merkki_checker_finalize (GObject *object)
{
  MerkkiChecker *self = MERKKI_CHECKER (object);

  g_clear_object (&self->config);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->table);
  g_clear_pointer (&self->session, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (merkki_checker_parent_class)->finalize (object);
}

static void
merkki_checker_class_init (MerkkiCheckerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_checker_finalize;
}

static void
merkki_checker_init (MerkkiChecker *self)
{
  g_mutex_init (&self->mutex);
  self->cache_max_age_s = DEFAULT_CACHE_MAX_AGE_S;
  self->max_offline_age_days = MERKKI_CHECKER_DEFAULT_MAX_OFFLINE_AGE_DAYS;
}

MerkkiChecker *
merkki_checker_new (MerkkiRegistryConfig   *config,
                    MerkkiRegistryClient   *client,
                    MerkkiStore            *store,
                    MerkkiRecognitionTable *table)
{
  MerkkiChecker *self;

  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (config), NULL);
  g_return_val_if_fail (MERKKI_IS_REGISTRY_CLIENT (client), NULL);
  g_return_val_if_fail (MERKKI_IS_STORE (store), NULL);
  g_return_val_if_fail (table == NULL || MERKKI_IS_RECOGNITION_TABLE (table), NULL);

  self = g_object_new (MERKKI_TYPE_CHECKER, NULL);
  self->config = g_object_ref (config);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->table = table != NULL ? g_object_ref (table) : g_object_ref (merkki_recognition_table_get_default ());
  return self;
}

MerkkiStore *
merkki_checker_get_store (MerkkiChecker *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECKER (self), NULL);
  return self->store;
}

MerkkiRegistryConfig *
merkki_checker_get_config (MerkkiChecker *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECKER (self), NULL);
  return self->config;
}

void
merkki_checker_set_cache_max_age (MerkkiChecker *self,
                                  gint64         seconds)
{
  g_return_if_fail (MERKKI_IS_CHECKER (self));

  g_mutex_lock (&self->mutex);
  self->cache_max_age_s = MAX (seconds, 0);
  g_mutex_unlock (&self->mutex);
}

void
merkki_checker_set_max_offline_age (MerkkiChecker *self,
                                    guint          days)
{
  g_return_if_fail (MERKKI_IS_CHECKER (self));

  g_mutex_lock (&self->mutex);
  self->max_offline_age_days = days;
  g_mutex_unlock (&self->mutex);
}

/* Marks the answers read from an offline copy with its age, and as stale
 * when it is older than @max_days: a label must not look valid from an old
 * copy without the verdict saying so. */
static void
mark_offline_ages (MerkkiCheckResult *result,
                   guint              max_days)
{
  GPtrArray *answers = merkki_check_result_get_answers (result);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < answers->len; i++)
    {
      MerkkiRegistryAnswer *answer = g_ptr_array_index (answers, i);
      GTimeSpan age;

      if (answer->outcome != MERKKI_OUTCOME_FOUND || answer->source != MERKKI_SOURCE_SNAPSHOT
          || answer->fetched_at == NULL)
        continue;
      age = g_date_time_difference (now, answer->fetched_at);
      answer->offline_age_days = (int) MAX (0, age / G_TIME_SPAN_DAY);
      answer->stale = age > (GTimeSpan) max_days * G_TIME_SPAN_DAY;
    }
}

void
merkki_checker_set_session (MerkkiChecker *self,
                            const char    *session)
{
  g_return_if_fail (MERKKI_IS_CHECKER (self));

  g_mutex_lock (&self->mutex);
  g_free (self->session);
  self->session = g_strdup (session);
  g_mutex_unlock (&self->mutex);
}

/* One registry's part in a check: the answer being built and, while it is
 * being asked online, its request. */
typedef struct {
  const MerkkiRegistryInfo *info;
  MerkkiRegistryAnswer     *answer;   /* owned until handed to the result */
  MerkkiRegistryRequest    *request;  /* owned by the round's array, or NULL */
} Asking;

static void
asking_free (Asking *asking)
{
  g_clear_pointer (&asking->answer, merkki_registry_answer_free);
  g_free (asking);
}

/* What one check needs to know, gathered once. */
typedef struct {
  MerkkiChecker        *self;
  MerkkiRegistryConfig *config;  /* this check's own copy of the checker's */
  MerkkiCheckFlags      flags;
  gint64            cache_max_age_s;
  GCancellable     *cancellable;
} CheckContext;

static Asking *
asking_new (const MerkkiRegistryInfo *info,
            gboolean                  is_issuer)
{
  Asking *asking = g_new0 (Asking, 1);

  asking->info = info;
  asking->answer = merkki_registry_answer_new (info->id);
  asking->answer->registry_name = g_strdup (info->name);
  asking->answer->is_issuer = is_issuer;
  asking->answer->outcome = MERKKI_OUTCOME_SKIPPED;
  return asking;
}

static gboolean
may_ask_online (CheckContext             *ctx,
                const MerkkiRegistryInfo *info)
{
  return !(ctx->flags & MERKKI_CHECK_FLAGS_OFFLINE) && info->base_url != NULL && *info->base_url != '\0';
}

static void
answer_found (MerkkiRegistryAnswer *answer,
              MerkkiRecord         *record,
              MerkkiSource          source,
              GDateTime            *fetched_at,
              gboolean              demo)
{
  answer->outcome = MERKKI_OUTCOME_FOUND;
  g_clear_pointer (&answer->record, merkki_record_free);
  answer->record = record;
  answer->source = source;
  g_clear_pointer (&answer->fetched_at, g_date_time_unref);
  answer->fetched_at = fetched_at != NULL ? g_date_time_ref (fetched_at) : NULL;
  answer->demo = demo;
}

/* The registry (online, or in an answer saved at @fetched_at) has no such
 * label or product. */
static void
answer_not_found (MerkkiRegistryAnswer *answer,
                  MerkkiSource          source,
                  GDateTime            *fetched_at)
{
  answer_found (answer, NULL, source, fetched_at, FALSE);
  answer->outcome = MERKKI_OUTCOME_NOT_FOUND;
}

/* The issuer's answer from the local store: the cache (any age) or the
 * snapshot. Returns FALSE, leaving @answer as it is, if neither has it. */
static gboolean
issuer_from_store (CheckContext         *ctx,
                   MerkkiRegistryAnswer *answer,
                   const char           *scheme,
                   const char           *id,
                   gint64                max_age_s)
{
  g_autoptr(GDateTime) fetched_at = NULL;
  MerkkiSource source = MERKKI_SOURCE_SNAPSHOT;
  gboolean demo = FALSE;
  MerkkiRecord *record;

  record = merkki_store_find_record (ctx->self->store, scheme, id, max_age_s, &source, &fetched_at, &demo);
  if (record == NULL)
    return FALSE;
  if (max_age_s >= 0 && source != MERKKI_SOURCE_CACHE)
    {
      /* Only a fresh cache entry may stand in for asking online. */
      merkki_record_free (record);
      return FALSE;
    }

  answer_found (answer, record, source, fetched_at, demo);
  return TRUE;
}

/* The partner's answer from the local store. With @fresh_only, only a
 * cache entry younger than the cache's maximum age counts. */
static gboolean
partner_from_store (CheckContext         *ctx,
                    Asking               *asking,
                    const char           *brand,
                    const char           *model,
                    gboolean              fresh_only)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GDateTime) fetched_at = NULL;
  MerkkiSource source = MERKKI_SOURCE_SNAPSHOT;
  gboolean demo = FALSE;

  records = merkki_store_find_by_product (ctx->self->store, asking->info->id, brand, model,
                                          &source, &fetched_at, &demo);
  if (records == NULL || records->len == 0)
    return FALSE;

  if (fresh_only)
    {
      gint64 age;

      if (source != MERKKI_SOURCE_CACHE || fetched_at == NULL)
        return FALSE;
      age = g_get_real_time () / G_USEC_PER_SEC - g_date_time_to_unix (fetched_at);
      if (age > ctx->cache_max_age_s)
        return FALSE;
    }

  answer_found (asking->answer, g_ptr_array_steal_index (records, 0), source, fetched_at, demo);
  return TRUE;
}

static void
cache_record (CheckContext       *ctx,
              const char         *registry_id,
              const MerkkiRecord *record,
              GDateTime          *fetched_at)
{
  g_autoptr(GError) error = NULL;

  /* A cache that cannot be written costs speed next time, not this answer. */
  if (!merkki_store_put_record (ctx->self->store, registry_id, record, fetched_at, &error))
    g_warning ("Could not cache a record of %s: %s", registry_id, error->message);
}

/* Plans the partner's part: a fresh cache entry, a search online, or, when
 * it cannot be asked, whatever the store has. Returns the request to run, or
 * NULL when the answer is already settled. */
static MerkkiRegistryRequest *
plan_partner (CheckContext *ctx,
              Asking       *asking,
              const char   *brand,
              const char   *model)
{
  const MerkkiRegistryInfo *info = asking->info;

  if (brand == NULL || model == NULL)
    return NULL;

  if (!(ctx->flags & MERKKI_CHECK_FLAGS_NO_CACHE))
    {
      g_autoptr(GDateTime) missed_at = NULL;

      if (partner_from_store (ctx, asking, brand, model, TRUE))
        return NULL;

      /* The partner said a moment ago it has no label for this product. */
      if (merkki_store_find_product_miss (ctx->self->store, info->id, brand, model,
                                          ctx->cache_max_age_s, &missed_at))
        {
          answer_not_found (asking->answer, MERKKI_SOURCE_CACHE, missed_at);
          return NULL;
        }
    }

  if (may_ask_online (ctx, info) && info->schemes != NULL && info->schemes[0] != NULL)
    {
      asking->request = merkki_registry_request_new_search (info->id, info->base_url,
                                                            info->schemes[0], brand, model);
      return asking->request;
    }

  partner_from_store (ctx, asking, brand, model, FALSE);
  return NULL;
}

static gboolean
request_was_cancelled (MerkkiRegistryRequest *request)
{
  return request->outcome == MERKKI_OUTCOME_ERROR
         && request->error != NULL
         && (g_error_matches (request->error, MERKKI_ERROR, MERKKI_ERROR_CANCELLED)
             || g_error_matches (request->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

static void
record_error (MerkkiRegistryAnswer  *answer,
              MerkkiRegistryRequest *request)
{
  g_free (answer->error);
  answer->error = g_strdup (request->error != NULL
                            ? request->error->message
                            /* Translators: a registry failed without saying why. */
                            : _("The registry did not answer"));
  answer->outcome = MERKKI_OUTCOME_ERROR;
  g_clear_pointer (&answer->fetched_at, g_date_time_unref);
  answer->fetched_at = request->fetched_at != NULL ? g_date_time_ref (request->fetched_at) : NULL;
}

/* The finished request of @asking (which lets go of it), and in
 * @fetched_at the time its answer stands for: when it came, or now. */
static MerkkiRegistryRequest *
take_request (Asking     *asking,
              GDateTime **fetched_at)
{
  MerkkiRegistryRequest *request = g_steal_pointer (&asking->request);

  *fetched_at = request->fetched_at != NULL ? g_date_time_ref (request->fetched_at)
                                            : g_date_time_new_now_utc ();
  return request;
}

static void
take_issuer_answer (CheckContext *ctx,
                    Asking       *asking,
                    const char   *scheme,
                    const char   *id)
{
  g_autoptr(GDateTime) fetched_at = NULL;
  MerkkiRegistryRequest *request = take_request (asking, &fetched_at);
  MerkkiRegistryAnswer *answer = asking->answer;

  switch (request->outcome)
    {
    case MERKKI_OUTCOME_FOUND:
      /* Fail safe: an answer about another label is no answer. */
      if (request->record == NULL
          || g_strcmp0 (request->record->scheme, scheme) != 0
          || request->record->id == NULL
          || g_ascii_strcasecmp (request->record->id, id) != 0)
        {
          g_free (answer->error);
          answer->error = g_strdup (_("The registry answered about a different label"));
          answer->outcome = MERKKI_OUTCOME_ERROR;
          break;
        }
      answer_found (answer, merkki_record_copy (request->record), MERKKI_SOURCE_ONLINE, fetched_at, FALSE);
      cache_record (ctx, asking->info->id, answer->record, fetched_at);
      return;

    case MERKKI_OUTCOME_NOT_FOUND:
      /* The registry itself says it has no such label: that is the answer,
       * whatever an older copy may say. */
      answer_not_found (answer, MERKKI_SOURCE_ONLINE, fetched_at);
      /* A label the registry has withdrawn must not come back as valid
       * from the cache the next time the network is down. */
      {
        g_autoptr(GError) error = NULL;

        if (!merkki_store_forget_record (ctx->self->store, scheme, id, &error))
          g_warning ("Could not remove %s from the cache: %s", id, error->message);
      }
      return;

    case MERKKI_OUTCOME_ERROR:
    case MERKKI_OUTCOME_SKIPPED:
    default:
      record_error (answer, request);
      break;
    }

  /* The registry could not be asked: the cache, then the snapshot, while
   * the error stays on record for the user to see. */
  issuer_from_store (ctx, answer, scheme, id, -1);
}

static void
take_partner_answer (CheckContext *ctx,
                     Asking       *asking,
                     const char   *brand,
                     const char   *model)
{
  g_autoptr(GDateTime) fetched_at = NULL;
  MerkkiRegistryRequest *request = take_request (asking, &fetched_at);
  MerkkiRegistryAnswer *answer = asking->answer;

  if (request->outcome == MERKKI_OUTCOME_FOUND && request->records != NULL && request->records->len > 0)
    {
      for (guint i = 0; i < request->records->len; i++)
        cache_record (ctx, asking->info->id, g_ptr_array_index (request->records, i), fetched_at);
      answer_found (answer, merkki_record_copy (g_ptr_array_index (request->records, 0)),
                    MERKKI_SOURCE_ONLINE, fetched_at, FALSE);
      return;
    }

  if (request->outcome == MERKKI_OUTCOME_FOUND || request->outcome == MERKKI_OUTCOME_NOT_FOUND)
    {
      g_autoptr(GError) error = NULL;

      answer_not_found (answer, MERKKI_SOURCE_ONLINE, fetched_at);
      if (!merkki_store_put_product_miss (ctx->self->store, asking->info->id, brand, model, fetched_at, &error))
        g_warning ("Could not cache an answer of %s: %s", asking->info->id, error->message);
      return;
    }

  record_error (answer, request);
  partner_from_store (ctx, asking, brand, model, FALSE);
}

static gboolean
run_round (CheckContext  *ctx,
           GPtrArray     *requests,
           GError       **error)
{
  if (requests->len == 0)
    return TRUE;

  merkki_registry_client_run (ctx->self->client, requests, ctx->cancellable);

  for (guint i = 0; i < requests->len; i++)
    {
      if (request_was_cancelled (g_ptr_array_index (requests, i)))
        {
          g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CANCELLED, _("The check was cancelled"));
          return FALSE;
        }
    }

  return !g_cancellable_set_error_if_cancelled (ctx->cancellable, error);
}

static void
local_today (GDate *today)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_date_clear (today, 1);
  g_date_set_dmy (today,
                  (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));
}

static gboolean
check_reference (CheckContext       *ctx,
                 MerkkiCheckResult  *result,
                 MerkkiLabelRef     *ref,
                 GError            **error)
{
  MerkkiChecker *self = ctx->self;
  const char *scheme = merkki_label_ref_get_scheme (ref);
  const char *id = merkki_label_ref_get_id (ref);
  const MerkkiRegistryInfo *issuer_info = merkki_registry_config_for_scheme (ctx->config, scheme);
  GPtrArray *registries = merkki_registry_config_get_registries (ctx->config);
  g_autoptr(GPtrArray) partners = g_ptr_array_new_with_free_func ((GDestroyNotify) asking_free);
  g_autoptr(GPtrArray) first_round = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  g_autoptr(GPtrArray) second_round = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  g_autoptr(MerkkiRecord) known = NULL;
  g_autofree char *brand = NULL;
  g_autofree char *model = NULL;
  Asking *issuer = NULL;
  gboolean partners_planned = FALSE;

  for (guint i = 0; registries != NULL && i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);

      if (info != issuer_info)
        g_ptr_array_add (partners, asking_new (info, FALSE));
    }

  if (issuer_info != NULL)
    {
      issuer = asking_new (issuer_info, TRUE);

      if (!(ctx->flags & MERKKI_CHECK_FLAGS_NO_CACHE)
          && issuer_from_store (ctx, issuer->answer, scheme, id, ctx->cache_max_age_s))
        ;  /* A fresh cache entry answers. */
      else if (may_ask_online (ctx, issuer_info))
        {
          issuer->request = merkki_registry_request_new_label (issuer_info->id, issuer_info->base_url,
                                                               scheme, id);
          g_ptr_array_add (first_round, issuer->request);
        }
      else
        issuer_from_store (ctx, issuer->answer, scheme, id, -1);
    }

  /* When the product is already known, the partner is asked at the same
   * time as the issuer rather than after it. */
  if (issuer != NULL && issuer->answer->outcome == MERKKI_OUTCOME_FOUND)
    known = merkki_record_copy (issuer->answer->record);
  else
    known = merkki_store_find_record (self->store, scheme, id, -1, NULL, NULL, NULL);
  if (known != NULL)
    {
      brand = g_strdup (known->brand);
      model = g_strdup (known->model);
      for (guint i = 0; i < partners->len; i++)
        {
          MerkkiRegistryRequest *request = plan_partner (ctx, g_ptr_array_index (partners, i), brand, model);

          if (request != NULL)
            g_ptr_array_add (first_round, request);
        }
      partners_planned = TRUE;
    }

  if (!run_round (ctx, first_round, error))
    return FALSE;

  if (issuer != NULL && issuer->request != NULL)
    take_issuer_answer (ctx, issuer, scheme, id);

  if (partners_planned)
    {
      for (guint i = 0; i < partners->len; i++)
        {
          Asking *partner = g_ptr_array_index (partners, i);

          if (partner->request != NULL)
            take_partner_answer (ctx, partner, brand, model);
        }
    }
  else if (issuer != NULL && issuer->answer->outcome == MERKKI_OUTCOME_FOUND)
    {
      /* Now the issuer has named the product, the partner can be asked. */
      brand = g_strdup (issuer->answer->record->brand);
      model = g_strdup (issuer->answer->record->model);
      for (guint i = 0; i < partners->len; i++)
        {
          MerkkiRegistryRequest *request = plan_partner (ctx, g_ptr_array_index (partners, i), brand, model);

          if (request != NULL)
            g_ptr_array_add (second_round, request);
        }

      if (!run_round (ctx, second_round, error))
        return FALSE;

      for (guint i = 0; i < partners->len; i++)
        {
          Asking *partner = g_ptr_array_index (partners, i);

          if (partner->request != NULL)
            take_partner_answer (ctx, partner, brand, model);
        }
    }

  if (issuer != NULL)
    {
      merkki_check_result_add_answer (result, g_steal_pointer (&issuer->answer));
      asking_free (issuer);
    }
  for (guint i = 0; i < partners->len; i++)
    {
      Asking *partner = g_ptr_array_index (partners, i);

      merkki_check_result_add_answer (result, g_steal_pointer (&partner->answer));
    }

  return TRUE;
}

MerkkiCheckResult *
merkki_checker_check (MerkkiChecker     *self,
                      GBytes            *payload,
                      MerkkiCheckFlags   flags,
                      GCancellable      *cancellable,
                      GError           **error)
{
  g_autoptr(MerkkiLabelRef) ref = NULL;
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(GPtrArray) recognition = NULL;
  g_autofree char *explanation = NULL;
  g_autofree char *session = NULL;
  const MerkkiRecord *record;
  const MerkkiRegistryAnswer *issuer_answer = NULL;
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  CheckContext ctx = { self, NULL, flags, DEFAULT_CACHE_MAX_AGE_S, cancellable };
  MerkkiVerdict verdict;
  guint max_offline_age_days;
  GDate today;

  g_return_val_if_fail (MERKKI_IS_CHECKER (self), NULL);
  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The registries' addresses may change in the main thread while this
   * check runs in a worker; it keeps to the ones it started with. */
  config = merkki_registry_config_copy (self->config);
  ctx.config = config;

  g_mutex_lock (&self->mutex);
  ctx.cache_max_age_s = self->cache_max_age_s;
  max_offline_age_days = self->max_offline_age_days;
  session = g_strdup (self->session);
  g_mutex_unlock (&self->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  local_today (&today);
  ref = merkki_label_ref_parse_bytes (payload);
  result = merkki_check_result_new (ref);

  switch (merkki_label_ref_get_kind (ref))
    {
    case MERKKI_LABEL_KIND_REFERENCE:
      if (!check_reference (&ctx, result, ref, error))
        return NULL;
      mark_offline_ages (result, max_offline_age_days);
      if (merkki_check_result_get_answers (result)->len > 0)
        {
          issuer_answer = g_ptr_array_index (merkki_check_result_get_answers (result), 0);
          if (!issuer_answer->is_issuer)
            issuer_answer = NULL;
        }
      record = merkki_check_result_get_record (result);
      verdict = merkki_verdict_compute (ref,
                                        issuer_answer != NULL ? issuer_answer->outcome : MERKKI_OUTCOME_SKIPPED,
                                        record, &today);
      break;

    case MERKKI_LABEL_KIND_SUSPICIOUS:
      /* Nobody is asked about a look-alike: asking would be opening it. */
      record = NULL;
      verdict = MERKKI_VERDICT_SUSPICIOUS;
      break;

    case MERKKI_LABEL_KIND_NOT_A_LABEL:
    default:
      record = NULL;
      verdict = MERKKI_VERDICT_NOT_A_LABEL;
      break;
    }

  merkki_check_result_set_verdict (result, verdict);

  if (record != NULL && self->table != NULL)
    recognition = merkki_recognition_table_evaluate (self->table, record, verdict, &today);
  merkki_check_result_set_recognition (result, recognition);

  explanation = merkki_explanation_for_verdict (verdict, record);
  merkki_check_result_set_explanation (result, explanation);

  if (!(flags & MERKKI_CHECK_FLAGS_NO_HISTORY))
    {
      g_autoptr(GError) history_error = NULL;

      if (merkki_store_add_history (self->store, result, session, &history_error) == 0)
        g_warning ("Could not record the check in the history: %s", history_error->message);
    }

  return g_steal_pointer (&result);
}

typedef struct {
  GBytes           *payload;
  MerkkiCheckFlags  flags;
} CheckTaskData;

static void
check_task_data_free (CheckTaskData *data)
{
  g_bytes_unref (data->payload);
  g_free (data);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  MerkkiChecker *self = source_object;
  CheckTaskData *data = task_data;
  g_autoptr(GError) error = NULL;
  MerkkiCheckResult *result;

  result = merkki_checker_check (self, data->payload, data->flags, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, g_object_unref);
}

void
merkki_checker_check_async (MerkkiChecker       *self,
                            GBytes              *payload,
                            MerkkiCheckFlags     flags,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckTaskData *data;

  g_return_if_fail (MERKKI_IS_CHECKER (self));
  g_return_if_fail (payload != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (CheckTaskData, 1);
  data->payload = g_bytes_ref (payload);
  data->flags = flags;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, merkki_checker_check_async);
  g_task_set_task_data (task, data, (GDestroyNotify) check_task_data_free);
  g_task_run_in_thread (task, check_thread);
}

MerkkiCheckResult *
merkki_checker_check_finish (MerkkiChecker  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (MERKKI_IS_CHECKER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == merkki_checker_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
merkki_checker_sync (MerkkiChecker  *self,
                     GString        *report,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  GPtrArray *registries;
  g_autoptr(GPtrArray) requests = NULL;
  g_autoptr(GPtrArray) asked = NULL;
  guint n_failed = 0;

  g_return_val_if_fail (MERKKI_IS_CHECKER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* As in a check: the addresses as they are now, whatever changes later. */
  config = merkki_registry_config_copy (self->config);
  registries = merkki_registry_config_get_registries (config);
  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  asked = g_ptr_array_new ();

  for (guint i = 0; registries != NULL && i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);
      g_autofree char *etag = NULL;
      gboolean demo = FALSE;

      if (info->base_url == NULL || *info->base_url == '\0')
        {
          if (report != NULL)
            /* Translators: %s is a registry's name, e.g. "CSA registry". */
            g_string_append_printf (report, _("%s: skipped (no address set)\n"), info->name);
          continue;
        }

      /* The demo data never came from this registry: ask for everything. */
      if (merkki_store_get_snapshot_info (self->store, info->id, NULL, &etag, NULL, NULL, &demo) && demo)
        g_clear_pointer (&etag, g_free);

      g_ptr_array_add (requests, merkki_registry_request_new_snapshot (info->id, info->base_url, etag));
      g_ptr_array_add (asked, (gpointer) info);
    }

  if (requests->len > 0)
    merkki_registry_client_run (self->client, requests, cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  for (guint i = 0; i < requests->len; i++)
    {
      MerkkiRegistryRequest *request = g_ptr_array_index (requests, i);
      const MerkkiRegistryInfo *info = g_ptr_array_index (asked, i);
      g_autoptr(GError) store_error = NULL;
      guint n_records = 0;

      if (request->outcome == MERKKI_OUTCOME_FOUND && request->not_modified)
        {
          merkki_store_get_snapshot_info (self->store, info->id, NULL, NULL, NULL, &n_records, NULL);
          if (report != NULL)
            g_string_append_printf (report,
                                    /* Translators: %s is a registry's name; %u a number of records. */
                                    g_dngettext (GETTEXT_PACKAGE, "%s: not modified (%u record)\n",
                                              "%s: not modified (%u records)\n", n_records),
                                    info->name, n_records);
        }
      else if (request->outcome == MERKKI_OUTCOME_FOUND && request->records != NULL)
        {
          if (merkki_store_replace_snapshot (self->store, info->id, request->snapshot_generated,
                                             request->new_etag, request->records, FALSE, &store_error))
            {
              n_records = request->records->len;
              if (report != NULL)
                g_string_append_printf (report,
                                        /* Translators: %s is a registry's name; %u a number of records. */
                                        g_dngettext (GETTEXT_PACKAGE, "%s: updated, %u record\n",
                                                  "%s: updated, %u records\n", n_records),
                                        info->name, n_records);
            }
          else
            {
              n_failed++;
              if (report != NULL)
                /* Translators: %s are a registry's name and the reason. */
                g_string_append_printf (report, _("%s: failed: %s\n"), info->name, store_error->message);
            }
        }
      else
        {
          n_failed++;
          if (report != NULL)
            g_string_append_printf (report, _("%s: failed: %s\n"), info->name,
                                    request->error != NULL
                                    ? request->error->message
                                    : _("The registry did not answer"));
        }
    }

  if (n_failed > 0)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_NETWORK,
                   g_dngettext (GETTEXT_PACKAGE, "%u registry could not be updated; its previous offline copy is kept",
                             "%u registries could not be updated; their previous offline copies are kept",
                             n_failed),
                   n_failed);
      return FALSE;
    }

  return TRUE;
}
