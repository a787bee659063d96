/* gst-livekit-record: records an end-to-end encrypted LiveKit room, one
 * Matroska file of decrypted, still-encoded frames per participant
 * (docs/record.md). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "options.h"
#include "recorder.h"

#include <gst/gst.h>
#include <gst/livekit/livekit.h>

int
main (int argc, char **argv)
{
  RecExitCode code = REC_EXIT_OK;
  RecOptions *opts;
  RecRecorder *rec;
  GError *err = NULL;

  gst_init (&argc, &argv);
  opts = rec_options_parse (&argc, &argv, &code, &err);
  if (!opts) {
    g_printerr ("gst-livekit-record: %s\n", err->message);
    if (code == REC_EXIT_USAGE)
      g_printerr ("Try 'gst-livekit-record --help'.\n");
    g_clear_error (&err);
    return code;
  }
  rec = rec_recorder_new (opts, &code, &err);
  if (!rec) {
    g_printerr ("gst-livekit-record: %s\n", err->message);
    g_clear_error (&err);
    rec_options_free (opts);
    return code;
  }
  code = rec_recorder_run (rec);
  rec_recorder_free (rec);
  rec_options_free (opts);
  gst_deinit ();
  return code;
}
