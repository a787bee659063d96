/* The room bin's frame cryptors (see gstlivekitroomcryptors.h).
 *
 * A cryptor is on when E2EE is on for the bin (e2ee-enabled) and for its
 * identity (set-cryptor-enabled); an encryptor of a bin publishing with
 * encryption=none stays off whatever is asked.
 *
 * Fail closed: a disabled livekitdecrypt passes its input unchanged, as
 * LiveKit's own receivers do, which would hand a sender's ciphertext to a
 * decoder whenever the sender still encrypts. Behind every decryptor of the
 * bin sits a probe that, while the decryptor is disabled, drops each frame
 * in LiveKit's encrypted form (its last-but-one byte is the IV length, 12:
 * the first thing LiveKit's native decryptor checks) and tells downstream
 * with a GAP that nothing comes for that time. Plaintext passes; a
 * plaintext frame whose last-but-one byte happens to be 0x0c (1 in 256) is
 * dropped too. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitroomcryptors.h"
#include "gstlivekitroomhost.h"
#include "crypto/gstlivekitencrypt.h"

#include <gst/livekit/livekit.h>

#define GST_CAT_DEFAULT gst_livekit_room_bin_debug

/* At most one warning per cryptor about dropped ciphertext per interval. */
#define WARNING_INTERVAL (5 * GST_SECOND)
/* While frames keep being dropped, one GAP covers at least this much. */
#define GAP_MIN_SPAN (100 * GST_MSECOND)

typedef struct
{
  GstElement *bin;              /* not owned */
  GWeakRef element;
  gulong probe_id, notify_id;   /* decryptors: removed with the registry */
  gboolean encrypt;
  gboolean inert;               /* encryptor of a bin without E2EE */
  gint disabled;                /* atomic: passthrough, the probe guards */
  gint sid_known;               /* atomic */
  gint ciphertext_dropped;      /* atomic */

  /* Registry lock. */
  gchar *identity;
  gchar *track_sid;

  /* Streaming thread only. */
  GstClockTime last_warning;
  guint64 drops_since_warning;
  GstClockTime gap_start, gap_end;
} Entry;

struct _GstLiveKitRoomCryptors
{
  GstElement *bin;
  GMutex lock;
  GPtrArray *entries;           /* Entry, refcounted */
  GHashTable *remote_enabled;   /* identity -> GINT_TO_POINTER (enabled + 1) */
  gboolean e2ee_enabled;
  gboolean local_enabled;
  gint local_key_index;
  gchar *local_identity;
};

static void
entry_clear (Entry * e)
{
  g_weak_ref_clear (&e->element);
  g_free (e->identity);
  g_free (e->track_sid);
}

static void
entry_unref (gpointer e)
{
  g_atomic_rc_box_release_full (e, (GDestroyNotify) entry_clear);
}

GstLiveKitRoomCryptors *
gst_livekit_room_cryptors_new (GstElement * bin)
{
  GstLiveKitRoomCryptors *self = g_new0 (GstLiveKitRoomCryptors, 1);

  self->bin = bin;
  g_mutex_init (&self->lock);
  self->entries = g_ptr_array_new_with_free_func (entry_unref);
  self->remote_enabled = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  self->e2ee_enabled = TRUE;
  self->local_enabled = TRUE;
  self->local_key_index = -1;
  return self;
}

void
gst_livekit_room_cryptors_free (GstLiveKitRoomCryptors * self)
{
  if (!self)
    return;
  /* A cryptor someone still holds must not call into a freed registry. */
  for (guint i = 0; i < self->entries->len; i++) {
    Entry *e = g_ptr_array_index (self->entries, i);
    GstElement *element = g_weak_ref_get (&e->element);
    GstPad *src;

    if (!element)
      continue;
    if (e->notify_id)
      g_signal_handler_disconnect (element, e->notify_id);
    if (e->probe_id && (src = gst_element_get_static_pad (element, "src"))) {
      gst_pad_remove_probe (src, e->probe_id);
      gst_object_unref (src);
    }
    gst_object_unref (element);
  }
  g_ptr_array_unref (self->entries);
  g_hash_table_unref (self->remote_enabled);
  g_free (self->local_identity);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ------------------------------------------------------------- policy */

static gboolean
is_local_locked (GstLiveKitRoomCryptors * self, const gchar * identity)
{
  return identity && self->local_identity
      && g_str_equal (identity, self->local_identity);
}

static gboolean
wanted_enabled (GstLiveKitRoomCryptors * self, Entry * e)
{
  gpointer v;

  if (e->inert || !self->e2ee_enabled)
    return FALSE;
  if (e->encrypt)
    return self->local_enabled;
  v = e->identity ? g_hash_table_lookup (self->remote_enabled, e->identity) :
      NULL;
  return v ? GPOINTER_TO_INT (v) - 1 : TRUE;
}

/* Lock held. The guard is armed before a decryptor passes frames through
 * and disarmed only once it decrypts again. */
static void
apply (GstLiveKitRoomCryptors * self, Entry * e, GstElement * element)
{
  gboolean enabled = wanted_enabled (self, e);
  gboolean was;

  if (!enabled)
    g_atomic_int_set (&e->disabled, TRUE);
  g_object_get (element, "enabled", &was, NULL);
  if (was != enabled) {
    GST_INFO_OBJECT (self->bin, "%s of %s %s", e->encrypt ? "encryptor" :
        "decryptor", e->identity ? e->identity : "(shared key)",
        enabled ? "enabled" : "disabled");
    g_object_set (element, "enabled", enabled, NULL);
  }
  if (e->encrypt)
    g_object_set (element, "key-index", self->local_key_index, NULL);
  if (enabled)
    g_atomic_int_set (&e->disabled, FALSE);
}

/* Calls @func on every cryptor still in the bin, lock held; forgets the
 * others. */
static void
foreach_live (GstLiveKitRoomCryptors * self,
    void (*func) (GstLiveKitRoomCryptors *, Entry *, GstElement *, gpointer),
    gpointer data)
{
  for (guint i = 0; i < self->entries->len;) {
    Entry *e = g_ptr_array_index (self->entries, i);
    GstElement *element = g_weak_ref_get (&e->element);

    if (!element) {
      g_ptr_array_remove_index (self->entries, i);
      continue;
    }
    if (GST_OBJECT_PARENT (element) == GST_OBJECT (self->bin))
      func (self, e, element, data);
    gst_object_unref (element);
    i++;
  }
}

static void
apply_one (GstLiveKitRoomCryptors * self, Entry * e, GstElement * element,
    gpointer identity)
{
  if (!identity || (e->identity && g_str_equal (e->identity, identity)))
    apply (self, e, element);
}

static void
apply_encryptor (GstLiveKitRoomCryptors * self, Entry * e,
    GstElement * element, gpointer data)
{
  if (e->encrypt)
    apply (self, e, element);
}

void
gst_livekit_room_cryptors_set_local_identity (GstLiveKitRoomCryptors * self,
    const gchar * identity)
{
  gpointer v;

  g_mutex_lock (&self->lock);
  g_free (self->local_identity);
  self->local_identity = g_strdup (identity);
  /* Asked for before the bin knew it was itself (a token's identity). */
  if (identity && (v = g_hash_table_lookup (self->remote_enabled, identity))) {
    self->local_enabled = GPOINTER_TO_INT (v) - 1;
    g_hash_table_remove (self->remote_enabled, identity);
    foreach_live (self, apply_encryptor, NULL);
  }
  g_mutex_unlock (&self->lock);
}

gboolean
gst_livekit_room_cryptors_is_local (GstLiveKitRoomCryptors * self,
    const gchar * identity)
{
  gboolean local;

  g_mutex_lock (&self->lock);
  local = is_local_locked (self, identity);
  g_mutex_unlock (&self->lock);
  return local;
}

void
gst_livekit_room_cryptors_set_e2ee_enabled (GstLiveKitRoomCryptors * self,
    gboolean enabled)
{
  g_mutex_lock (&self->lock);
  self->e2ee_enabled = enabled;
  foreach_live (self, apply_one, NULL);
  g_mutex_unlock (&self->lock);
}

gboolean
gst_livekit_room_cryptors_get_e2ee_enabled (GstLiveKitRoomCryptors * self)
{
  gboolean enabled;

  g_mutex_lock (&self->lock);
  enabled = self->e2ee_enabled;
  g_mutex_unlock (&self->lock);
  return enabled;
}

gboolean
gst_livekit_room_cryptors_set_enabled (GstLiveKitRoomCryptors * self,
    const gchar * identity, gboolean enabled)
{
  gboolean local;

  g_mutex_lock (&self->lock);
  local = is_local_locked (self, identity);
  if (local) {
    self->local_enabled = enabled;
    foreach_live (self, apply_encryptor, NULL);
  } else {
    g_hash_table_insert (self->remote_enabled, g_strdup (identity),
        GINT_TO_POINTER (enabled + 1));
    foreach_live (self, apply_one, (gpointer) identity);
  }
  g_mutex_unlock (&self->lock);
  return local;
}

void
gst_livekit_room_cryptors_set_local_key_index (GstLiveKitRoomCryptors * self,
    gint key_index)
{
  g_mutex_lock (&self->lock);
  self->local_key_index = key_index;
  foreach_live (self, apply_encryptor, NULL);
  g_mutex_unlock (&self->lock);
}

gint
gst_livekit_room_cryptors_get_local_key_index (GstLiveKitRoomCryptors * self)
{
  gint index;

  g_mutex_lock (&self->lock);
  index = self->local_key_index;
  g_mutex_unlock (&self->lock);
  return index;
}

/* ------------------------------------------------- the decryptors' guard */

/* LiveKit's encrypted form ends with the 12-byte IV, the IV's length (12)
 * and the key index (spec §6): the IV-length byte is what LiveKit's native
 * decryptor checks first. */
static gboolean
looks_encrypted (GstBuffer * buf)
{
  gsize size = gst_buffer_get_size (buf);
  guint8 iv_len;

  if (size < GST_LIVEKIT_FRAME_OVERHEAD + 1)
    return FALSE;
  gst_buffer_extract (buf, size - 2, &iv_len, 1);
  return iv_len == GST_LIVEKIT_IV_SIZE;
}

static void
learn_track_sid (Entry * e, GstBuffer * buf, GstLiveKitRoomCryptors * owner)
{
  GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (buf);

  if (!meta || !meta->track_sid)
    return;
  g_mutex_lock (&owner->lock);
  g_free (e->track_sid);
  e->track_sid = g_strdup (meta->track_sid);
  g_mutex_unlock (&owner->lock);
  g_atomic_int_set (&e->sid_known, TRUE);
}

/* Streaming thread, like livekitdecrypt's own drops: nothing comes for the
 * dropped frame's time (first drop at once, then one GAP per 100 ms). */
static void
announce_gap (Entry * e, GstPad * pad, GstBuffer * dropped)
{
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (dropped) ?
      GST_BUFFER_PTS (dropped) : GST_BUFFER_DTS (dropped);
  GstClockTime end;
  gboolean first;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  end = ts + (GST_BUFFER_DURATION_IS_VALID (dropped) ?
      GST_BUFFER_DURATION (dropped) : 0);
  first = !GST_CLOCK_TIME_IS_VALID (e->gap_start);
  if (first)
    e->gap_start = e->gap_end = ts;
  e->gap_end = MAX (e->gap_end, end);
  if (!first && e->gap_end - e->gap_start < GAP_MIN_SPAN)
    return;
  gst_pad_push_event (pad, gst_event_new_gap (e->gap_start,
          e->gap_end > e->gap_start ? e->gap_end - e->gap_start :
          GST_CLOCK_TIME_NONE));
  e->gap_start = e->gap_end;
}

typedef struct
{
  Entry *entry;
  GstLiveKitRoomCryptors *owner;
} Guard;

static void
guard_free (gpointer data)
{
  Guard *g = data;

  entry_unref (g->entry);
  g_free (g);
}

static void
guard_closure_free (gpointer data, GClosure * closure)
{
  guard_free (data);
}

static GstPadProbeReturn
guard_disabled_decryptor (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Guard *g = data;
  Entry *e = g->entry;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime now;

  if (!g_atomic_int_get (&e->sid_known))
    learn_track_sid (e, buf, g->owner);
  if (!g_atomic_int_get (&e->disabled) || !looks_encrypted (buf)) {
    e->gap_start = e->gap_end = GST_CLOCK_TIME_NONE;
    return GST_PAD_PROBE_OK;
  }

  g_atomic_int_inc (&e->ciphertext_dropped);
  e->drops_since_warning++;
  now = g_get_monotonic_time () * GST_USECOND;
  if (!GST_CLOCK_TIME_IS_VALID (e->last_warning)
      || now - e->last_warning >= WARNING_INTERVAL) {
    gchar *identity;

    g_mutex_lock (&g->owner->lock);
    identity = g_strdup (e->identity);
    g_mutex_unlock (&g->owner->lock);
    GST_ELEMENT_WARNING (e->bin, STREAM, DECRYPT,
        ("dropped %" G_GUINT64_FORMAT " encrypted frame(s) of %s: its "
            "decryption is disabled, and encrypted frames are never passed "
            "on", e->drops_since_warning,
            identity ? identity : "an unknown sender"), (NULL));
    g_free (identity);
    e->last_warning = now;
    e->drops_since_warning = 0;
  }
  announce_gap (e, pad, buf);
  return GST_PAD_PROBE_DROP;
}

/* ------------------------------------------------------------ cryptors */

static void
on_identity (GstElement * cryptor, GParamSpec * pspec, Guard * g)
{
  GstLiveKitRoomCryptors *self = g->owner;
  Entry *e = g->entry;

  g_mutex_lock (&self->lock);
  g_free (e->identity);
  g_object_get (cryptor, "participant-identity", &e->identity, NULL);
  apply (self, e, cryptor);
  g_mutex_unlock (&self->lock);
}

static Guard *
guard_new (GstLiveKitRoomCryptors * self, Entry * e)
{
  Guard *g = g_new0 (Guard, 1);

  g->entry = g_atomic_rc_box_acquire (e);
  g->owner = self;
  return g;
}

void
gst_livekit_room_cryptors_add (GstLiveKitRoomCryptors * self,
    GstElement * cryptor)
{
  Entry *e = g_atomic_rc_box_new0 (Entry);
  gboolean enabled;

  e->bin = self->bin;
  g_weak_ref_init (&e->element, cryptor);
  e->encrypt = GST_IS_LIVEKIT_ENCRYPT (cryptor);
  e->last_warning = GST_CLOCK_TIME_NONE;
  e->gap_start = e->gap_end = GST_CLOCK_TIME_NONE;
  g_object_get (cryptor, "enabled", &enabled, "participant-identity",
      &e->identity, NULL);
  /* The publisher makes the encryptors of a bin with encryption=none
   * disabled: nothing turns them on. */
  e->inert = e->encrypt && !enabled;

  if (!e->encrypt) {
    GstPad *src = gst_element_get_static_pad (cryptor, "src");

    e->probe_id = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER,
        guard_disabled_decryptor, guard_new (self, e), guard_free);
    gst_object_unref (src);
    /* The subscriber names the sender right after the bin has seen it. */
    e->notify_id = g_signal_connect_data (cryptor,
        "notify::participant-identity",
        G_CALLBACK (on_identity), guard_new (self, e), guard_closure_free, 0);
  }

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->entries, e);
  apply (self, e, cryptor);
  g_mutex_unlock (&self->lock);
}

static void
set_sid_of (GstLiveKitRoomCryptors * self, Entry * e, GstElement * element,
    gpointer data)
{
  gpointer *args = data;

  if (element == args[0]) {
    g_free (e->track_sid);
    e->track_sid = g_strdup (args[1]);
  }
}

void
gst_livekit_room_cryptors_track_published (GstLiveKitRoomCryptors * self,
    const gchar * pad_name, const gchar * sid)
{
  GstPad *ghost = gst_element_get_static_pad (self->bin, pad_name);
  GstPad *target;
  GstElement *encryptor;
  gpointer args[2];

  if (!ghost)
    return;
  target = GST_IS_GHOST_PAD (ghost) ?
      gst_ghost_pad_get_target (GST_GHOST_PAD (ghost)) : NULL;
  gst_object_unref (ghost);
  if (!target)
    return;
  encryptor = gst_pad_get_parent_element (target);
  gst_object_unref (target);
  if (!encryptor)
    return;
  args[0] = encryptor;
  args[1] = (gpointer) sid;
  g_mutex_lock (&self->lock);
  foreach_live (self, set_sid_of, args);
  g_mutex_unlock (&self->lock);
  gst_object_unref (encryptor);
}

/* ------------------------------------------------------------- listing */

static const gchar *
kind_of (GstElement * element)
{
  GstPad *sink = gst_element_get_static_pad (element, "sink");
  GstCaps *caps = gst_pad_get_current_caps (sink);
  const gchar *kind = NULL;

  if (caps && gst_caps_get_size (caps) > 0)
    kind = g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure
            (caps, 0)), "audio/") ? "audio" : "video";
  gst_clear_caps (&caps);
  gst_object_unref (sink);
  return kind;
}

/* The key index and state of the cryptor inside @element for @identity
 * (its stats), else defaults. */
static void
stats_of (GstElement * element, const gchar * identity, guint * key_index,
    GstLiveKitEncryptionState * state)
{
  GstStructure *stats = NULL;
  const GValue *participants;

  *key_index = 0;
  *state = GST_LIVEKIT_ENCRYPTION_STATE_NEW;
  g_object_get (element, "stats", &stats, NULL);
  if (!stats)
    return;
  participants = gst_structure_get_value (stats, "participants");
  for (guint i = 0; participants && i < gst_value_array_get_size
      (participants); i++) {
    const GstStructure *p = gst_value_get_structure (gst_value_array_get_value
        (participants, i));
    const gchar *id = gst_structure_get_string (p, "participant-identity");

    if (i == 0 || g_strcmp0 (id, identity ? identity : "") == 0) {
      gst_structure_get_uint (p, "key-index", key_index);
      gst_structure_get_enum (p, "state", GST_TYPE_LIVEKIT_ENCRYPTION_STATE,
          (gint *) state);
    }
  }
  gst_structure_free (stats);
}

static void
describe (GstLiveKitRoomCryptors * self, Entry * e, GstElement * element,
    gpointer data)
{
  GValue *array = data, v = G_VALUE_INIT;
  GstLiveKitEncryptionState state;
  const gchar *identity = e->identity;
  guint used_index;
  gint key_index;
  gboolean enabled;
  GstStructure *s;

  if (e->encrypt && !identity)
    identity = self->local_identity;
  stats_of (element, e->identity, &used_index, &state);
  g_object_get (element, "enabled", &enabled, "key-index", &key_index, NULL);
  if (!e->encrypt) {
    key_index = used_index;     /* each frame says its own */
  } else if (key_index < 0) {
    GstLiveKitKeyring *keyring = NULL;

    g_object_get (element, "keyring", &keyring, NULL);
    key_index = keyring ? gst_livekit_keyring_get_current_key_index (keyring,
        e->identity) : 0;
    gst_clear_object (&keyring);
  }
  s = gst_structure_new ("livekit-frame-cryptor",
      "participant-identity", G_TYPE_STRING, identity,
      "track-sid", G_TYPE_STRING, e->track_sid,
      "kind", G_TYPE_STRING, kind_of (element),
      "direction", G_TYPE_STRING, e->encrypt ? "encrypt" : "decrypt",
      "key-index", G_TYPE_INT, key_index,
      "enabled", G_TYPE_BOOLEAN, enabled,
      "state", GST_TYPE_LIVEKIT_ENCRYPTION_STATE, state,
      "element", G_TYPE_STRING, GST_ELEMENT_NAME (element), NULL);
  if (!e->encrypt)
    gst_structure_set (s, "encrypted-frames-dropped", G_TYPE_UINT64,
        (guint64) (guint) g_atomic_int_get (&e->ciphertext_dropped), NULL);
  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, s);
  gst_value_array_append_and_take_value (array, &v);
}

void
gst_livekit_room_cryptors_list (GstLiveKitRoomCryptors * self, GValue * array)
{
  g_mutex_lock (&self->lock);
  foreach_live (self, describe, array);
  g_mutex_unlock (&self->lock);
}
