/* Set-up shared by the element tests: keyrings with a known key, a
 * GstHarness around livekitencrypt / livekitdecrypt holding such a keyring,
 * VP8 frames, and comparing buffers. */
#ifndef __LIVEKIT_CHECK_HARNESS_H__
#define __LIVEKIT_CHECK_HARNESS_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/livekit/livekit.h>

G_BEGIN_DECLS

/* The caps both pads of lk_test_harness_new() get. */
#define LK_TEST_VP8_CAPS "video/x-vp8, width=(int)320, height=(int)240"

/* A keyring with @kdf and @window; @shared_key (nullable: none yet) at
 * index 0 of the shared key ring. */
GstLiveKitKeyring *lk_test_keyring_new (GstLiveKitKeyDerivation kdf,
    guint window, const gchar * shared_key);

/* Sets @shared_key (its strlen bytes) at index 0; fails the test if
 * refused. */
void lk_test_keyring_set_key (GstLiveKitKeyring * kr,
    const gchar * shared_key);

/* A harness around "@factory @props" (gst-launch syntax, nullable) with
 * @keyring (nullable) set as its "keyring" property before it starts, and
 * LK_TEST_VP8_CAPS on both sides. */
GstHarness *lk_test_harness_new (const gchar * factory, const gchar * props,
    GstLiveKitKeyring * keyring);

/* A VP8 frame of @size bytes of @fill behind a key frame (P bit 0) or
 * delta frame (P bit 1, DELTA_UNIT) header byte; PTS 0. */
GstBuffer *lk_test_vp8_frame (gboolean key, guint8 fill, gsize size);

/* Same size, same bytes. */
gboolean lk_test_same_bytes (GstBuffer * a, GstBuffer * b);

G_END_DECLS

#endif /* __LIVEKIT_CHECK_HARNESS_H__ */
