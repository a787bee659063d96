/* --composite: one WebM of the room. Every participant's video, decoded,
 * in a grid that re-flows as participants come and go (compositor), every
 * audio track decoded and mixed (audiomixer), encoded as VP8 + Opus. A
 * black, silent background keeps the timeline going when nobody sends. */
#ifndef __REC_COMPOSITE_H__
#define __REC_COMPOSITE_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _RecComposite RecComposite;

RecComposite *rec_composite_new (GstBin * pipeline, const gchar * path,
    gint width, gint height, gint fps, GError ** error);
/* Decodes @src (encoded frames of @caps_name) into the grid or the mix. */
gboolean rec_composite_add (RecComposite * comp, GstPad * src,
    const gchar * caps_name, const gchar * identity, GError ** error);
/* Ends the background (never waits for a streaming thread): the file is
 * complete once every input ended too. */
void rec_composite_stop (RecComposite * comp);
gboolean rec_composite_is_done (RecComposite * comp);
/* Whether @obj is one of the composite's elements (or inside one). */
gboolean rec_composite_owns (RecComposite * comp, GstObject * obj);
/* An error of its own (from any thread, as it is posted): the end does not
 * wait for its file, and its inputs drop what comes so that the
 * participants' files go on. */
void rec_composite_fail (RecComposite * comp);
gboolean rec_composite_has_failed (RecComposite * comp);
guint rec_composite_get_tiles (RecComposite * comp);
const gchar *rec_composite_get_path (RecComposite * comp);
void rec_composite_free (RecComposite * comp);

/* The decoder element for encoded frames of @caps_name, chosen by name
 * (decodebin may pick vp9alphadecodebin for plain VP9). */
const gchar *rec_decoder_for (const gchar * caps_name);

G_END_DECLS
#endif
