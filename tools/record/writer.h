/* One Matroska file of encoded frames: a muxer and a file, fed by any number
 * of tracks that must all be added before the first frame goes in
 * (matroskamux takes no pads once it wrote its header). */
#ifndef __REC_WRITER_H__
#define __REC_WRITER_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _RecWriter RecWriter;

/* Called (from a streaming thread) when the file is complete: the muxer
 * got EOS on every track and rewrote its header. */
typedef void (*RecWriterDoneFunc) (RecWriter * writer, gpointer user_data);

RecWriter *rec_writer_new (GstBin * pipeline, const gchar * path,
    RecWriterDoneFunc done, gpointer user_data);
/* Links @src (encoded frames of @caps_name, e.g. "video/x-h264") through
 * the codec's parser to a new muxer pad. FALSE with @error when the codec
 * cannot go into Matroska. */
gboolean rec_writer_add_track (RecWriter * writer, GstPad * src,
    const gchar * caps_name, GError ** error);
/* The wall-clock time of timestamp 0 (Matroska DateUTC): the files keep
 * their timestamps on the room timeline, so DateUTC + a frame's timestamp
 * is when it was recorded, in every file. */
void rec_writer_set_date (RecWriter * writer, GDateTime * zero);
/* Starts the elements (in a playing pipeline). */
void rec_writer_start (RecWriter * writer);
/* How long a video track of a started file may bring nothing before the
 * muxer is told there is nothing (a camera off or gone for the bin's grace
 * period): the other tracks' data must not wait for it. */
#define REC_WRITER_GAP_AFTER (1 * GST_SECOND)
/* Main thread: every video track that brought no frame for
 * REC_WRITER_GAP_AFTER before @now (g_get_monotonic_time()) gets an empty
 * GAP buffer, stamped where its timeline is now less half of that. */
void rec_writer_fill_gaps (RecWriter * writer, gint64 now);
const gchar *rec_writer_get_path (RecWriter * writer);
gboolean rec_writer_is_done (RecWriter * writer);
guint64 rec_writer_get_bytes (RecWriter * writer);
void rec_writer_free (RecWriter * writer);

G_END_DECLS
#endif
