/* Server-injected frames (SIF): the blank frames LiveKit's SFU injects on
 * encrypted tracks, marked with the room's SIF trailer (spec §9.1). */
#ifndef __GST_LIVEKIT_SIF_H__
#define __GST_LIVEKIT_SIF_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool gst_livekit_sif_has_trailer (const uint8_t * frame, size_t len,
    const uint8_t * trailer, size_t trailer_len);

/* True for the blank payloads LiveKit's native cryptor (2026) passes: the
 * VP8 8x8 key frame, Opus silence, RED + Opus silence, PCMU/PCMA silence,
 * and H.264 SPS+PPS+IDR or IDR alone with 4-byte start codes. */
bool gst_livekit_sif_is_known_payload (const uint8_t * payload, size_t len);

#endif
