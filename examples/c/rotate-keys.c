/* Streams VP8 through livekitencrypt and livekitdecrypt while rotating and
 * ratcheting keys, and checks that every frame still decodes.
 *
 * One keyring is set on the pipeline as a GstContext: both elements use it.
 * Every second the sender rotates to a new key index (both sides know the
 * new key) and, halfway, ratchets the current key (the receiver follows by
 * auto-ratchet).
 *
 *   rotate-keys [seconds]
 */
#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include <string.h>

typedef struct
{
  GstLiveKitKeyring *keyring;
  GMainLoop *loop;
  guint rotations;
  guint decoded;
} App;

static gboolean
rotate (gpointer data)
{
  App *app = data;
  guint index = ++app->rotations % 4;
  gchar *key = g_strdup_printf ("key number %u", app->rotations);

  /* Setting a key makes its index the ring's current one; the encryptor
   * (key-index=-1) follows it from the next frame on. */
  gst_livekit_keyring_set_shared_key (app->keyring, (const guint8 *) key,
      strlen (key), index, NULL);
  g_print ("rotated to key index %u\n", index);
  g_free (key);
  return G_SOURCE_CONTINUE;
}

static gboolean
ratchet (gpointer data)
{
  App *app = data;
  gint index = gst_livekit_keyring_get_current_key_index (app->keyring, NULL);
  GBytes *material = gst_livekit_keyring_ratchet_shared_key (app->keyring,
      index, NULL);

  g_print ("ratcheted key index %d\n", index);
  g_bytes_unref (material);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
count_decoded (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ((App *) data)->decoded++;
  return GST_PAD_PROBE_OK;
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, "livekit-e2ee-state")) {
        gchar *text = gst_structure_to_string (s);
        g_print ("%s: %s\n", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), text);
        g_free (text);
      }
      break;
    }
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  guint seconds = argc > 1 ? (guint) atoi (argv[1]) : 4;
  gchar *desc;
  GstElement *pipeline, *sink;
  GstContext *context;
  GstPad *pad;
  GstBus *bus;

  gst_init (&argc, &argv);
  app.loop = g_main_loop_new (NULL, FALSE);
  app.keyring = gst_livekit_keyring_new ();
  gst_livekit_keyring_set_shared_key (app.keyring, (const guint8 *) "first",
      5, 0, NULL);

  desc = g_strdup_printf ("videotestsrc is-live=true num-buffers=%u ! "
      "video/x-raw,framerate=30/1,width=320,height=240 ! "
      "vp8enc deadline=1 keyframe-max-dist=30 ! "
      "livekitencrypt key-index=-1 ! livekitdecrypt ! vp8dec ! "
      "fakesink name=sink", seconds * 30);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  g_assert (pipeline);

  context = gst_livekit_context_new_keyring (app.keyring);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_decoded, &app,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  g_timeout_add_seconds (1, rotate, &app);
  g_timeout_add (1500, ratchet, &app);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_print ("decoded %u of %u frames across %u key rotations\n", app.decoded,
      seconds * 30, app.rotations);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  gst_object_unref (app.keyring);
  g_main_loop_unref (app.loop);
  return app.decoded == seconds * 30 && app.rotations > 0 ? 0 : 1;
}
