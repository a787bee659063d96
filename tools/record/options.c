#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "options.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <unistd.h>

static void
key_spec_free (gpointer p)
{
  RecKeySpec *k = p;

  g_free (k->identity);
  g_free (k->path);
  g_free (k);
}

void
rec_options_free (RecOptions * o)
{
  if (!o)
    return;
  g_free (o->url);
  if (o->token)
    memset (o->token, 0, strlen (o->token));
  g_free (o->token);
  g_free (o->api_key);
  if (o->api_secret)
    memset (o->api_secret, 0, strlen (o->api_secret));
  g_free (o->api_secret);
  g_free (o->room);
  g_free (o->identity);
  g_free (o->key_file);
  g_ptr_array_unref (o->participant_keys);
  g_free (o->key_dir);
  g_free (o->key_derivation);
  g_free (o->ratchet_salt);
  g_free (o->out_dir);
  g_free (o->composite);
  g_free (o);
}

static gboolean
fail (RecExitCode * code, RecExitCode what, GError ** error,
    const gchar * format, ...)
G_GNUC_PRINTF (4, 5);

     static gboolean
         fail (RecExitCode * code, RecExitCode what, GError ** error,
    const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  *code = what;
  if (error)
    *error = g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        format, args);
  va_end (args);
  return FALSE;
}

static gboolean
parse_size (const gchar * s, gint * w, gint * h)
{
  gchar *end;

  *w = (gint) g_ascii_strtoll (s, &end, 10);
  if (*end != 'x')
    return FALSE;
  *h = (gint) g_ascii_strtoll (end + 1, &end, 10);
  return *end == '\0' && *w >= 16 && *h >= 16 && *w <= 7680 && *h <= 4320;
}

/* The checks that need no network: the rest (URL reachable, token
 * accepted) is the room bin's to find out. */
static gboolean
check (RecOptions * o, gchar ** keys, const gchar * size, RecExitCode * code,
    GError ** error)
{
  if (!o->url)
    return fail (code, REC_EXIT_USAGE, error, "--url is required");
  if (!g_str_has_prefix (o->url, "ws://") && !g_str_has_prefix (o->url,
          "wss://") && !g_str_has_prefix (o->url, "http://")
      && !g_str_has_prefix (o->url, "https://"))
    return fail (code, REC_EXIT_URL, error,
        "--url '%s' is not a LiveKit server URL (ws://, wss://, http:// or "
        "https://)", o->url);
  if (!o->token && !(o->api_key && o->api_secret && o->room))
    return fail (code, REC_EXIT_USAGE, error,
        "give --token, or --api-key, --api-secret and --room");
  if (!o->identity)
    o->identity = g_strdup ("recorder");
  if (!o->out_dir)
    return fail (code, REC_EXIT_USAGE, error, "--out DIR is required");
  for (gchar ** k = keys; k && *k; k++) {
    const gchar *eq = strchr (*k, '=');
    RecKeySpec *spec;

    if (!eq || eq == *k || !eq[1])
      return fail (code, REC_EXIT_USAGE, error,
          "--participant-key wants IDENTITY=FILE, got '%s'", *k);
    spec = g_new0 (RecKeySpec, 1);
    spec->identity = g_strndup (*k, eq - *k);
    spec->path = g_strdup (eq + 1);
    g_ptr_array_add (o->participant_keys, spec);
  }
  if (!o->key_file && o->participant_keys->len == 0 && !o->key_dir)
    return fail (code, REC_EXIT_USAGE, error,
        "no key: give --key-file, --participant-key or --key-dir (the "
        "recorder never writes ciphertext)");
  if (o->key_dir && !g_file_test (o->key_dir, G_FILE_TEST_IS_DIR))
    return fail (code, REC_EXIT_KEY_FILE, error,
        "--key-dir '%s' is not a directory", o->key_dir);
  if (size && !parse_size (size, &o->composite_width, &o->composite_height))
    return fail (code, REC_EXIT_USAGE, error,
        "--composite-size wants WIDTHxHEIGHT (16x16 to 7680x4320), got '%s'",
        size);
  if (o->composite_fps < 1 || o->composite_fps > 60)
    return fail (code, REC_EXIT_USAGE, error,
        "--composite-fps must be 1 to 60");
  if (o->duration < 0)
    return fail (code, REC_EXIT_USAGE, error, "--duration must be >= 0");
  if (o->ratchet_window_size < -1 || o->ratchet_window_size > 255)
    return fail (code, REC_EXIT_USAGE, error,
        "--ratchet-window-size must be 0 to 255");
  if (g_mkdir_with_parents (o->out_dir, 0750) != 0)
    return fail (code, REC_EXIT_OUTPUT, error,
        "cannot create the output directory '%s': %s", o->out_dir,
        g_strerror (errno));
  if (g_access (o->out_dir, W_OK) != 0)
    return fail (code, REC_EXIT_OUTPUT, error,
        "cannot write to the output directory '%s': %s", o->out_dir,
        g_strerror (errno));
  return TRUE;
}

RecOptions *
rec_options_parse (gint * argc, gchar *** argv, RecExitCode * code,
    GError ** error)
{
  RecOptions *o = g_new0 (RecOptions, 1);
  gchar **keys = NULL;
  gchar *size = NULL;
  GOptionContext *ctx;
  gboolean ok;
  GOptionEntry entries[] = {
    {"url", 0, 0, G_OPTION_ARG_STRING, &o->url,
        "LiveKit server URL (ws://host:7880)", "URL"},
    {"token", 0, 0, G_OPTION_ARG_STRING, &o->token,
        "access token (JWT); better in $LIVEKIT_TOKEN", "JWT"},
    {"api-key", 0, 0, G_OPTION_ARG_STRING, &o->api_key,
        "API key, to mint a hidden subscriber's token", "KEY"},
    {"api-secret", 0, 0, G_OPTION_ARG_STRING, &o->api_secret,
        "API secret (better in $LIVEKIT_API_SECRET)", "SECRET"},
    {"room", 0, 0, G_OPTION_ARG_STRING, &o->room, "room to record", "ROOM"},
    {"identity", 0, 0, G_OPTION_ARG_STRING, &o->identity,
        "the recorder's identity (default: recorder)", "ID"},
    {"key-file", 0, 0, G_OPTION_ARG_FILENAME, &o->key_file,
        "the room's shared key (read like shared-key-file)", "FILE"},
    {"participant-key", 0, 0, G_OPTION_ARG_STRING_ARRAY, &keys,
        "IDENTITY=FILE: that participant's key (repeatable; a file that "
          "does not exist yet is loaded when it appears)", "ID=FILE"},
    {"key-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->key_dir,
        "directory watched for IDENTITY.key files (keys that come later, "
          "and new keys: a changed file replaces the key)", "DIR"},
    {"key-derivation", 0, 0, G_OPTION_ARG_STRING, &o->key_derivation,
        "pbkdf2 (default, LiveKit's SDKs) or hkdf", "KDF"},
    {"ratchet-salt", 0, 0, G_OPTION_ARG_STRING, &o->ratchet_salt,
        "ratchet salt (default LKFrameEncryptionKey)", "SALT"},
    {"ratchet-window-size", 0, 0, G_OPTION_ARG_INT, &o->ratchet_window_size,
        "how many ratchet steps a receiver tries (default 8)", "N"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out_dir,
          "output directory: IDENTITY.mkv per participant, manifest.json",
        "DIR"},
    {"composite", 0, 0, G_OPTION_ARG_FILENAME, &o->composite,
        "also write one WebM of the room: a grid of every video, every "
          "audio mixed", "FILE.webm"},
    {"composite-size", 0, 0, G_OPTION_ARG_STRING, &size,
        "the composite's picture size (default 640x360)", "WxH"},
    {"composite-fps", 0, 0, G_OPTION_ARG_INT, &o->composite_fps,
        "the composite's frame rate (default 15)", "FPS"},
    {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration,
        "stop after this many seconds (default: at SIGINT/SIGTERM)", "S"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet,
        "no live status line", NULL},
    {NULL}
  };

  o->participant_keys = g_ptr_array_new_with_free_func (key_spec_free);
  o->ratchet_window_size = -1;
  o->composite_width = 640;
  o->composite_height = 360;
  o->composite_fps = 15;
  ctx = g_option_context_new ("- record an end-to-end encrypted LiveKit room");
  g_option_context_set_summary (ctx,
      "Joins as a hidden subscriber, decrypts every participant with its "
      "key and writes their tracks, as sent, to OUT/IDENTITY.mkv.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (!ok)
    *code = REC_EXIT_USAGE;
  /* Secrets from the environment keep them out of `ps`. */
  if (ok && !o->token && g_getenv ("LIVEKIT_TOKEN"))
    o->token = g_strdup (g_getenv ("LIVEKIT_TOKEN"));
  if (ok && !o->api_secret && g_getenv ("LIVEKIT_API_SECRET"))
    o->api_secret = g_strdup (g_getenv ("LIVEKIT_API_SECRET"));
  if (ok && !o->api_key && g_getenv ("LIVEKIT_API_KEY"))
    o->api_key = g_strdup (g_getenv ("LIVEKIT_API_KEY"));
  if (ok)
    ok = check (o, keys, size, code, error);
  g_strfreev (keys);
  g_free (size);
  if (!ok) {
    rec_options_free (o);
    return NULL;
  }
  return o;
}
