/* gst-livekit-record's command line: parsed and checked before anything
 * joins a room, so a bad option is a clear message and an exit code. */
#ifndef __REC_OPTIONS_H__
#define __REC_OPTIONS_H__

#include <glib.h>

G_BEGIN_DECLS
/* Exit codes, one per failure class (docs/record.md). */
    typedef enum
{
  REC_EXIT_OK = 0,
  REC_EXIT_FAILURE = 1,         /* anything else (pipeline error) */
  REC_EXIT_USAGE = 2,           /* bad or missing options */
  REC_EXIT_KEY_FILE = 3,        /* a key file cannot be read */
  REC_EXIT_OUTPUT = 4,          /* the output directory cannot be written */
  REC_EXIT_URL = 5,             /* the URL is unusable or the server unreachable */
  REC_EXIT_TOKEN = 6,           /* the server rejected the token */
  REC_EXIT_ROOM_LOST = 7,       /* the room was lost and rejoining failed */
  REC_EXIT_MISSING_PLUGIN = 8,  /* an element the recorder needs is missing */
} RecExitCode;

typedef struct
{
  gchar *identity;
  gchar *path;
} RecKeySpec;

typedef struct
{
  gchar *url;
  gchar *token;
  gchar *api_key, *api_secret, *room, *identity;
  gchar *key_file;
  GPtrArray *participant_keys;  /* RecKeySpec */
  gchar *key_dir;               /* watched for IDENTITY.key files */
  gchar *key_derivation, *ratchet_salt;
  gint ratchet_window_size;     /* -1: the keyring's default */
  gchar *out_dir;
  gchar *composite;
  gint composite_width, composite_height, composite_fps;
  gdouble duration;             /* seconds; 0: until a signal */
  gboolean quiet;
} RecOptions;

/* NULL with a message in @error (and *@code set) when the options are
 * unusable. */
RecOptions *rec_options_parse (gint * argc, gchar *** argv, RecExitCode * code,
    GError ** error);
void rec_options_free (RecOptions * opts);

G_END_DECLS
#endif
