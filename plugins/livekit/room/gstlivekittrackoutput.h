/* Internal to livekitroombin: not registered as a plugin feature. One per
 * source pad of the bin, so that a participant's source keeps its pad while
 * the tracks feeding it come and go (rejoins, republishing). */
#ifndef __GST_LIVEKIT_TRACK_OUTPUT_H__
#define __GST_LIVEKIT_TRACK_OUTPUT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_TRACK_OUTPUT (gst_livekit_track_output_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitTrackOutput, gst_livekit_track_output, GST,
    LIVEKIT_TRACK_OUTPUT, GstElement);

GstElement *gst_livekit_track_output_new (void);

/* A new input for the output: the pad to link the track's chain to. It
 * becomes the only input whose data goes out; its first buffer is marked
 * DISCONT. */
GstPad *gst_livekit_track_output_attach (GstLiveKitTrackOutput * output);
/* @input's data is dropped from now on (it stays linked, so its chain
 * never sees not-linked). */
void gst_livekit_track_output_detach (GstLiveKitTrackOutput * output,
    GstPad * input);
/* @input goes: unlinked and removed. */
void gst_livekit_track_output_release (GstLiveKitTrackOutput * output,
    GstPad * input);
/* Ends the output's stream (EOS), once. */
void gst_livekit_track_output_end (GstLiveKitTrackOutput * output);

G_END_DECLS
#endif
