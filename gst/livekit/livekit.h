/* libgstlivekit: LiveKit end-to-end encryption for GStreamer. */
#ifndef __GST_LIVEKIT_H__
#define __GST_LIVEKIT_H__

#include <gst/livekit/livekit-init.h>
#include <gst/livekit/frame.h>
#include <gst/livekit/frame-crypt.h>
#include <gst/livekit/hex.h>
#include <gst/livekit/kdf.h>
#include <gst/livekit/keyring.h>
#include <gst/livekit/cryptor.h>
#include <gst/livekit/meta.h>
#include <gst/livekit/context.h>
#include <gst/livekit/secure-memory.h>
#include <gst/livekit/keyfile.h>
#include <gst/livekit/livekit-enumtypes.h>

#endif
