/* LiveKit E2EE frame format: pure byte-level functions.
 *
 * No GStreamer types, no allocation: callers own every buffer. Everything here
 * follows LiveKit's JS frame cryptor (livekit-client src/e2ee/worker), the
 * reference for what browsers send (spec livekit-e2ee.md §6-§8).
 */
#ifndef __GST_LIVEKIT_FRAME_H__
#define __GST_LIVEKIT_FRAME_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trailer: IV(12) | IV length (0x0C) | key index (spec §6.1). */
#define GST_LIVEKIT_IV_SIZE 12
#define GST_LIVEKIT_TAG_SIZE 16
#define GST_LIVEKIT_TRAILER_SIZE (GST_LIVEKIT_IV_SIZE + 2)
/* Bytes an encrypted frame gains before any H.264/H.265 escaping. */
#define GST_LIVEKIT_FRAME_OVERHEAD (GST_LIVEKIT_TAG_SIZE + GST_LIVEKIT_TRAILER_SIZE)

/**
 * GstLiveKitCodec:
 * @GST_LIVEKIT_CODEC_AUDIO: any audio codec (Opus): 1 clear byte (the TOC)
 * @GST_LIVEKIT_CODEC_VP8: VP8: 10 clear bytes on key frames, 3 on delta frames
 * @GST_LIVEKIT_CODEC_VP9: VP9: the whole frame is encrypted
 * @GST_LIVEKIT_CODEC_H264: H.264 byte-stream access units: NAL-aware
 * @GST_LIVEKIT_CODEC_H265: H.265 byte-stream access units: NAL-aware
 * @GST_LIVEKIT_CODEC_AV1: AV1: the whole frame is encrypted, as LiveKit's
 *   native SDKs do it; LiveKit's JS SDK refuses AV1, so this only
 *   interoperates with native peers
 */
typedef enum /*< underscore_name=gst_livekit_codec >*/
{
  GST_LIVEKIT_CODEC_AUDIO,
  GST_LIVEKIT_CODEC_VP8,
  GST_LIVEKIT_CODEC_VP9,
  GST_LIVEKIT_CODEC_H264,
  GST_LIVEKIT_CODEC_H265,
  GST_LIVEKIT_CODEC_AV1,
} GstLiveKitCodec;

/**
 * GstLiveKitFrameError:
 * Why a frame could not be processed. 0 is success.
 */
typedef enum /*< underscore_name=gst_livekit_frame_error >*/
{
  GST_LIVEKIT_FRAME_OK = 0,
  GST_LIVEKIT_FRAME_ERROR_TOO_SHORT,
  GST_LIVEKIT_FRAME_ERROR_BAD_IV_LENGTH,
  GST_LIVEKIT_FRAME_ERROR_KEY_INDEX_OUT_OF_RANGE,
  GST_LIVEKIT_FRAME_ERROR_TAG_MISMATCH,
  GST_LIVEKIT_FRAME_ERROR_NO_SPACE,
  GST_LIVEKIT_FRAME_ERROR_CIPHER,
  GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE,
} GstLiveKitFrameError;

const char *gst_livekit_frame_error_to_string (GstLiveKitFrameError error);

/* How a frame is split: the first @clear_len bytes stay in the clear (and are
 * the AAD); with @nal_escaped, everything after them is RBSP-escaped. */
typedef struct
{
  size_t clear_len;
  bool nal_escaped;
} GstLiveKitFrameLayout;

/* The layout of @frame (plaintext or encrypted: the clear prefix reads the
 * same). @key_frame only matters where LiveKit falls back to the VP8 rule
 * (H.264/H.265 without a slice); VP8 decides from its own frame tag. */
void gst_livekit_frame_layout (GstLiveKitCodec codec, const uint8_t * frame,
    size_t len, bool key_frame, GstLiveKitFrameLayout * layout);

/* Upper bound of gst_livekit_frame_encrypt()'s output for a @len-byte frame
 * of any codec. */
size_t gst_livekit_frame_encrypted_size_max (size_t len);
/* The same for @codec: exact (the frame and its trailer) for codecs without
 * NAL rules; for H.264/H.265 also start-code normalisation and RBSP escaping,
 * about 1.5x. gst_livekit_frame_encrypt() needs this much room. */
size_t gst_livekit_frame_encrypted_size_bound (GstLiveKitCodec codec,
    size_t len);

/* Annex B helpers (spec §6.2, §14.7). */
size_t gst_livekit_annexb_normalized_size (const uint8_t * data, size_t len);
size_t gst_livekit_annexb_normalize (const uint8_t * data, size_t len,
    uint8_t * out);

/* RBSP emulation prevention, byte-exact with JS writeRbsp/parseRbsp. */
size_t gst_livekit_rbsp_escape (const uint8_t * in, size_t len, uint8_t * out);
bool gst_livekit_rbsp_needs_unescape (const uint8_t * data, size_t len);
/* Whether gst_livekit_rbsp_escape (@data) would insert any byte. */
bool gst_livekit_rbsp_needs_escape (const uint8_t * data, size_t len);
size_t gst_livekit_rbsp_unescape_in_place (uint8_t * data, size_t len);

/* IV = SSRC | RTP timestamp | timestamp - counter (spec §7). */
void gst_livekit_frame_make_iv (uint32_t ssrc, uint32_t timestamp,
    uint32_t counter, uint8_t iv[GST_LIVEKIT_IV_SIZE]);

/* The parts of an encrypted frame, pointing into the parsed buffer. */
typedef struct
{
  GstLiveKitFrameLayout layout;
  size_t len;                   /* frame length after unescaping */
  const uint8_t *ciphertext;    /* ciphertext || tag, at frame + clear_len */
  size_t ciphertext_len;        /* including the tag */
  const uint8_t *iv;
  uint8_t key_index;
} GstLiveKitEncryptedFrame;

/* Parses an encrypted frame in place: unescapes the body when the layout
 * says so (JS order: unescape, then read the trailer), then validates and
 * splits the trailer. On error @parsed is untouched; @frame may have been
 * unescaped. */
GstLiveKitFrameError gst_livekit_frame_parse (GstLiveKitCodec codec,
    uint8_t * frame, size_t len, bool key_frame, unsigned int key_ring_size,
    GstLiveKitEncryptedFrame * parsed);

/* gst_livekit_frame_parse() for a frame that must stay untouched, decrypted
 * into @out (at least @len bytes). When the body needs no unescaping (almost
 * always), only the clear prefix is copied to @out and @parsed points into
 * @frame; otherwise the frame is copied to @out and unescaped there. Either
 * way gst_livekit_frame_decrypt (aead, out, parsed, ...) then writes the
 * plaintext to @out, without a whole-frame copy in the common case. */
GstLiveKitFrameError gst_livekit_frame_parse_copy (GstLiveKitCodec codec,
    const uint8_t * frame, size_t len, bool key_frame,
    unsigned int key_ring_size, uint8_t * out,
    GstLiveKitEncryptedFrame * parsed);

#ifdef __cplusplus
}
#endif
#endif /* __GST_LIVEKIT_FRAME_H__ */
