/* End-to-end encryption at runtime with livekitroombin, from C: the steps
 * of the LiveKit Python SDK's E2EE example (examples/python/room_e2ee.py
 * does the same from Python, and the two talk to each other):
 *
 *   1. connect with E2EE: a 32-byte shared key, ratchet window 16, failure
 *      tolerance -1;
 *   2. print every e2ee-state-changed and participant-encryption-status-
 *      changed;
 *   3. ratchet the shared key (--ratchet), saying so but never showing it;
 *   4. list the frame cryptors;
 *   5. rotate the key periodically: the next key into the ring at the start
 *      of each period, the sender onto it in the middle (key n of the
 *      rotation is SHA-256 (shared key || n), so peers agree without
 *      talking; a real application distributes its keys itself);
 *   6. disconnect cleanly.
 *
 *   room-e2ee --url URL --api-key K --api-secret S --room R --identity ID
 *       --key-file 32-BYTE-FILE [--ratchet] [--seconds N] [--expect-peer ID]
 *
 * With --expect-peer it fails unless that peer's frames decrypted with at
 * least two key indexes and its cryptor was listed in state ok.
 */
#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include <string.h>

#define RING 16
#define ROTATE_EVERY 4          /* seconds */

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline, *room;
  GstLiveKitKeyring *keyring;
  guint8 shared[32];            /* zeroed before exit */
  const gchar *identity, *expect_peer;
  gint64 rotation;
  GMutex lock;
  guint32 peer_indexes;         /* bit per key index seen from the peer */
  gboolean connected, peer_listed_ok, failed;
} App;

static guint
rotation_index (gint64 n)
{
  return 1 + n % (RING - 1);    /* index 0 keeps the key we joined with */
}

static void
rotation_key (App * app, gint64 n, guint8 key[32])
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };
  gsize len = 32;

  g_checksum_update (sum, app->shared, sizeof app->shared);
  g_checksum_update (sum, be, sizeof be);
  g_checksum_get_digest (sum, key, &len);
  g_checksum_free (sum);
}

/* 2. the room's E2EE events */
static void
on_e2ee_state (GstElement * room, const gchar * identity,
    GstLiveKitEncryptionState state, App * app)
{
  g_print ("e2ee state changed: %s: %s\n", identity,
      gst_livekit_encryption_state_to_string (state));
}

static void
on_encryption_status (GstElement * room, const GstStructure * s, App * app)
{
  gboolean encrypted = FALSE;

  gst_structure_get_boolean (s, "encrypted", &encrypted);
  g_print ("participant encryption status changed: %s: %s\n",
      gst_structure_get_string (s, "identity"),
      encrypted ? "encrypted" : "not encrypted");
}

static void
on_connected (GstElement * room, const GstStructure * s, App * app)
{
  app->connected = TRUE;
  g_print ("connected to room %s as %s\n", gst_structure_get_string (s,
          "room"), gst_structure_get_string (s, "identity"));
}

static void
on_key_ratcheted (GstLiveKitKeyring * keyring, const gchar * identity,
    guint index, App * app)
{
  g_print ("key ratcheted: %s at index %u\n", identity ? identity :
      "shared key", index);
}

/* The key index of every decrypted frame of the peer. */
static GstPadProbeReturn
on_frame (GstPad * pad, GstPadProbeInfo * info, App * app)
{
  GstLiveKitFrameMeta *meta =
      gst_buffer_get_livekit_frame_meta (GST_PAD_PROBE_INFO_BUFFER (info));

  if (meta && meta->key_index >= 0 && meta->key_index < 32
      && g_strcmp0 (meta->participant_identity, app->expect_peer) == 0) {
    g_mutex_lock (&app->lock);
    app->peer_indexes |= 1u << meta->key_index;
    g_mutex_unlock (&app->lock);
  }
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement * room, GstPad * pad, App * app)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  gchar *identity = NULL, *source = NULL;

  g_object_set (sink, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (app->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  g_object_get (pad, "identity", &identity, "source", &source, NULL);
  g_print ("subscribed: %s's %s on pad %s\n", identity, source,
      GST_PAD_NAME (pad));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) on_frame, app, NULL);
  g_free (identity);
  g_free (source);
}

/* 3. ratchet: the new key material comes back, and is not shown */
static gboolean
ratchet (App * app)
{
  gint index;
  GBytes *material;
  GError *err = NULL;

  g_object_get (app->room, "key-index", &index, NULL);
  material = gst_livekit_keyring_ratchet_shared_key (app->keyring, index, &err);
  if (!material) {
    g_printerr ("ratchet failed: %s\n", err->message);
    g_clear_error (&err);
    app->failed = TRUE;
    return G_SOURCE_REMOVE;
  }
  g_print ("ratcheted the shared key at index %d (%" G_GSIZE_FORMAT
      " bytes of new key material, not shown)\n", index,
      g_bytes_get_size (material));
  g_bytes_unref (material);
  return G_SOURCE_REMOVE;
}

/* 4. list the frame cryptors */
static gboolean
list_cryptors (App * app)
{
  GValue list = G_VALUE_INIT;

  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (app->room), "frame-cryptors", &list);
  for (guint i = 0; i < gst_value_array_get_size (&list); i++) {
    const GstStructure *c =
        gst_value_get_structure (gst_value_array_get_value (&list, i));
    GstLiveKitEncryptionState state = GST_LIVEKIT_ENCRYPTION_STATE_NEW;
    gint key_index = 0;
    gboolean enabled = FALSE;

    gst_structure_get_enum (c, "state", GST_TYPE_LIVEKIT_ENCRYPTION_STATE,
        (gint *) & state);
    gst_structure_get_int (c, "key-index", &key_index);
    gst_structure_get_boolean (c, "enabled", &enabled);
    g_print ("frame cryptor: %s %s %s track %s key index %d %s %s\n",
        gst_structure_get_string (c, "participant-identity"),
        gst_structure_get_string (c, "direction"),
        gst_structure_get_string (c, "kind"),
        gst_structure_get_string (c, "track-sid"), key_index,
        enabled ? "enabled" : "disabled",
        gst_livekit_encryption_state_to_string (state));
    if (app->expect_peer && g_strcmp0 (gst_structure_get_string (c,
                "participant-identity"), app->expect_peer) == 0
        && g_strcmp0 (gst_structure_get_string (c, "direction"),
            "decrypt") == 0 && state == GST_LIVEKIT_ENCRYPTION_STATE_OK)
      app->peer_listed_ok = TRUE;
  }
  g_value_unset (&list);
  return G_SOURCE_CONTINUE;
}

/* 5. rotate: the next key at the start of each period, the sender onto it
 * in the middle */
static gboolean
rotate (App * app)
{
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 n = now_ms / (ROTATE_EVERY * 1000);
  guint index = rotation_index (n);
  gint current;

  if (app->rotation != n) {
    guint8 key[32];

    rotation_key (app, n, key);
    app->rotation = n;
    gst_livekit_keyring_set_shared_key (app->keyring, key, sizeof key, index,
        NULL);
    memset (key, 0, sizeof key);
    g_print ("installed rotation key %" G_GINT64_FORMAT " at index %u\n", n,
        index);
  }
  g_object_get (app->room, "key-index", &current, NULL);
  if (now_ms % (ROTATE_EVERY * 1000) >= ROTATE_EVERY * 500
      && current != (gint) index) {
    gboolean taken = FALSE;

    g_signal_emit_by_name (app->room, "set-cryptor-key-index", app->identity,
        (gint) index, &taken);
    g_print ("now sending with key index %u%s\n", index,
        taken ? "" : " (refused)");
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
start_rotating (App * app)
{
  rotate (app);
  g_timeout_add (250, (GSourceFunc) rotate, app);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, App * app)
{
  GError *err = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("error: %s\n", err->message);
    g_clear_error (&err);
    app->failed = TRUE;
    g_main_loop_quit (app->loop);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    gst_message_parse_warning (msg, &err, NULL);
    g_printerr ("warning: %s\n", err->message);
    g_clear_error (&err);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
quit (App * app)
{
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gchar *url = NULL, *api_key = NULL, *api_secret = NULL, *room_name = NULL;
  gchar *identity = NULL, *key_file = NULL, *expect_peer = NULL;
  gboolean do_ratchet = FALSE;
  gint seconds = 20;
  GOptionEntry entries[] = {
    {"url", 0, 0, G_OPTION_ARG_STRING, &url, "server URL", "URL"},
    {"api-key", 0, 0, G_OPTION_ARG_STRING, &api_key, "API key", "KEY"},
    {"api-secret", 0, 0, G_OPTION_ARG_STRING, &api_secret, "API secret", "S"},
    {"room", 0, 0, G_OPTION_ARG_STRING, &room_name, "room", "NAME"},
    {"identity", 0, 0, G_OPTION_ARG_STRING, &identity, "identity", "ID"},
    {"key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "32-byte key", "F"},
    {"ratchet", 0, 0, G_OPTION_ARG_NONE, &do_ratchet, "ratchet once", NULL},
    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "run time", "N"},
    {"expect-peer", 0, 0, G_OPTION_ARG_STRING, &expect_peer, "check", "ID"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- E2EE at runtime");
  GError *err = NULL;
  App app = { 0 };
  GstElement *src;
  GstPad *pad;
  GstBus *bus;
  gchar *key;
  gsize key_len = 0;
  gboolean ok, stopped;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || !url || !api_key
      || !api_secret || !room_name || !identity || !key_file) {
    g_printerr ("%s\nneeds --url --api-key --api-secret --room --identity "
        "--key-file\n", err ? err->message : "");
    return 2;
  }
  g_option_context_free (ctx);
  if (!g_file_get_contents (key_file, &key, &key_len, &err) || key_len != 32) {
    g_printerr ("--key-file must hold 32 bytes\n");
    return 2;
  }
  memcpy (app.shared, key, key_len);
  memset (key, 0, key_len);
  g_free (key);
  app.identity = identity;
  app.expect_peer = expect_peer;
  app.rotation = -1;
  g_mutex_init (&app.lock);

  /* 1. connect with E2EE */
  app.loop = g_main_loop_new (NULL, FALSE);
  app.pipeline = gst_pipeline_new ("room-e2ee");
  app.room = gst_element_factory_make ("livekitroombin", "room");
  app.keyring = gst_livekit_keyring_new ();
  g_object_set (app.room, "url", url, "api-key", api_key, "api-secret",
      api_secret, "room", room_name, "identity", identity,
      "ratchet-window-size", 16, "failure-tolerance", -1,
      /* As LiveKit's native SDKs: the sender stays on its key index until
       * told otherwise (set-cryptor-key-index). */
      "key-index", 0, "keyring", app.keyring, NULL);
  gst_livekit_keyring_set_shared_key (app.keyring, app.shared,
      sizeof app.shared, 0, NULL);
  g_signal_connect (app.keyring, "key-ratcheted",
      G_CALLBACK (on_key_ratcheted), &app);
  src = gst_parse_bin_from_description ("audiotestsrc is-live=true freq=523 "
      "! audioconvert ! audioresample ! opusenc", TRUE, NULL);
  gst_bin_add_many (GST_BIN (app.pipeline), src, app.room, NULL);
  pad = gst_element_request_pad_simple (app.room, "audio_%u");
  gst_element_link_pads (src, "src", app.room, GST_PAD_NAME (pad));
  gst_object_unref (pad);
  g_signal_connect (app.room, "pad-added", G_CALLBACK (on_pad_added), &app);
  /* 2. the room's E2EE events */
  g_signal_connect (app.room, "e2ee-state-changed",
      G_CALLBACK (on_e2ee_state), &app);
  g_signal_connect (app.room, "participant-encryption-status-changed",
      G_CALLBACK (on_encryption_status), &app);
  g_signal_connect (app.room, "connected", G_CALLBACK (on_connected), &app);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, (GstBusFunc) on_bus, &app);

  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("could not start\n");
    return 1;
  }
  if (do_ratchet)
    g_timeout_add_seconds (3, (GSourceFunc) ratchet, &app);
  g_timeout_add_seconds (6, (GSourceFunc) start_rotating, &app);
  g_timeout_add_seconds (2, (GSourceFunc) list_cryptors, &app);
  g_timeout_add_seconds (seconds, (GSourceFunc) quit, &app);
  g_main_loop_run (app.loop);
  list_cryptors (&app);

  /* 6. disconnect: NULL leaves the room and closes both peer connections */
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  stopped = gst_element_get_state (app.pipeline, NULL, NULL,
      5 * GST_SECOND) == GST_STATE_CHANGE_SUCCESS;
  g_print (stopped ? "disconnected\n" : "did not stop within 5 s\n");
  ok = stopped && !app.failed;
  if (expect_peer) {
    g_print ("%s's frames came with %u key index(es)\n", expect_peer,
        (guint) __builtin_popcount (app.peer_indexes));
    ok = ok && app.connected && app.peer_listed_ok
        && __builtin_popcount (app.peer_indexes) >= 2;
  }

  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  gst_object_unref (app.keyring);
  memset (app.shared, 0, sizeof app.shared);
  g_main_loop_unref (app.loop);
  g_mutex_clear (&app.lock);
  return ok ? 0 : 1;
}
