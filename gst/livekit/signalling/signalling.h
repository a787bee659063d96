/* LiveKit signalling: access tokens, candidate JSON, the /rtc client. */
#ifndef __GST_LIVEKIT_SIGNALLING_H__
#define __GST_LIVEKIT_SIGNALLING_H__

#include <gst/livekit/signalling/token.h>
#include <gst/livekit/signalling/candidate.h>
#include <gst/livekit/signalling/data-packet.h>
#include <gst/livekit/signalling/signal-types.h>
#include <gst/livekit/signalling/signalclient.h>
#include <gst/livekit/signalling/livekit-signal-enumtypes.h>

#endif
