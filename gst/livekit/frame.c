/* LiveKit E2EE frame format (spec livekit-e2ee.md §6-§8).
 *
 * The NAL scan, start-code normalisation and RBSP rules are transcribed from
 * LiveKit's JS worker (naluUtils.ts, utils.ts) including its corner cases,
 * because both ends must compute the same clear prefix from the same bytes.
 */
#include "frame.h"

#include <string.h>

/* Clear bytes of the VP8 rule (JS UNENCRYPTED_BYTES), spec §8.2. */
#define VP8_KEY_CLEAR 10
#define VP8_DELTA_CLEAR 3
#define AUDIO_CLEAR 1

const char *
gst_livekit_frame_error_to_string (GstLiveKitFrameError error)
{
  switch (error) {
    case GST_LIVEKIT_FRAME_OK:
      return "ok";
    case GST_LIVEKIT_FRAME_ERROR_TOO_SHORT:
      return "too-short";
    case GST_LIVEKIT_FRAME_ERROR_BAD_IV_LENGTH:
      return "bad-iv-length";
    case GST_LIVEKIT_FRAME_ERROR_KEY_INDEX_OUT_OF_RANGE:
      return "key-index-out-of-range";
    case GST_LIVEKIT_FRAME_ERROR_TAG_MISMATCH:
      return "tag-mismatch";
    case GST_LIVEKIT_FRAME_ERROR_NO_SPACE:
      return "no-space";
    case GST_LIVEKIT_FRAME_ERROR_CIPHER:
      return "cipher-error";
    case GST_LIVEKIT_FRAME_ERROR_LAYOUT_UNSTABLE:
      return "layout-unstable";
  }
  return "unknown";
}

static bool
h264_is_slice (uint8_t nal_header)
{
  uint8_t type = nal_header & 0x1f;
  return type == 1 || type == 5;
}

static bool
h265_is_slice (uint8_t nal_header)
{
  uint8_t type = (nal_header >> 1) & 0x3f;
  return type <= 9 || (type >= 16 && type <= 21);
}

typedef enum
{
  NAL_SCAN_LEADING_DATA,
  NAL_SCAN_NO_SLICE,
  NAL_SCAN_FOUND,
} NalScanResult;

/* JS findNALUIndices + processNALUsForEncryption, fused so no index array is
 * needed: NAL start offsets are visited in order and the first slice of the
 * detected codec wins. Detection prefers H.264 over H.265 across all NALs, so
 * the stream is walked up to twice. */
static NalScanResult
nal_scan_pass (const uint8_t * s, size_t len, int pass_codec, size_t *slice)
{
  /* pass_codec: 0 = only validate / look for H.264, 1 = look for H.265 */
  long search = (long) len - 3;
  long start = 0, pos = 0;

  while (pos < search) {
    long end;
    size_t sc_len = 3;

    /* A NAL's type is in its first byte: decide on the slice before looking
     * for where the NAL ends, or every frame is walked to its end (the NAL
     * after the first slice is usually the whole rest of the frame). Same
     * result as checking after the walk: start == pos < search < len. */
    if (start > 0 && (pass_codec == 0 ? h264_is_slice (s[start]) :
            h265_is_slice (s[start]))) {
      *slice = (size_t) start;
      return NAL_SCAN_FOUND;
    }

    /* Every start code begins with a zero byte: let memchr skip the rest. */
    while (pos < search) {
      const uint8_t *z = memchr (s + pos, 0, (size_t) (search - pos));
      if (!z) {
        pos = search;
        break;
      }
      pos = (long) (z - s);
      if (pos < search - 1 && s[pos + 1] == 0 && s[pos + 2] == 0
          && s[pos + 3] == 1)
        break;
      if (s[pos + 1] == 0 && s[pos + 2] == 1)
        break;
      pos++;
    }
    if (pos >= search)
      pos = (long) len;

    end = pos;
    while (end > start && s[end - 1] == 0)
      end--;

    if (start == 0 && end != start)
      return NAL_SCAN_LEADING_DATA;

    if (pos < (long) len - 3 && s[pos] == 0 && s[pos + 1] == 0
        && s[pos + 2] == 0 && s[pos + 3] == 1)
      sc_len = 4;
    start = pos = pos + (long) sc_len;
  }
  return NAL_SCAN_NO_SLICE;
}

/* Returns the clear length for a NAL-aware codec, or false where JS falls
 * back to the VP8 rule (leading data before the first start code, or no
 * slice of either codec). Whether the stream is H.264 or H.265 is detected
 * from the NALs as JS does; the caps only tell that it is one of them. */
static bool
nal_clear_len (const uint8_t * s, size_t len, size_t *clear_len)
{
  size_t slice = 0;
  NalScanResult r = nal_scan_pass (s, len, 0, &slice);

  if (r == NAL_SCAN_LEADING_DATA)
    return false;
  if (r == NAL_SCAN_NO_SLICE) {
    /* No H.264 slice anywhere: JS then tries H.265, then the known codec.
     * For a known H.264 stream the H.265 pass can still "detect" H.265 (an
     * SEI reads as TSA_R); JS does the same, so we follow. */
    r = nal_scan_pass (s, len, 1, &slice);
    if (r != NAL_SCAN_FOUND)
      return false;
  }
  *clear_len = slice + 2;
  return true;
}

void
gst_livekit_frame_layout (GstLiveKitCodec codec, const uint8_t * frame,
    size_t len, bool key_frame, GstLiveKitFrameLayout * layout)
{
  size_t clear = 0;
  bool escaped = false;

  switch (codec) {
    case GST_LIVEKIT_CODEC_AUDIO:
      clear = AUDIO_CLEAR;
      break;
    case GST_LIVEKIT_CODEC_VP8:
      /* Frame tag bit 0 (P) is 0 on key frames (RFC 6386 §9.1). */
      clear = (len > 0 && (frame[0] & 0x01) == 0) ? VP8_KEY_CLEAR :
          VP8_DELTA_CLEAR;
      break;
    case GST_LIVEKIT_CODEC_VP9:
    case GST_LIVEKIT_CODEC_AV1:
      clear = 0;
      break;
    case GST_LIVEKIT_CODEC_H264:
    case GST_LIVEKIT_CODEC_H265:
      if (nal_clear_len (frame, len, &clear))
        escaped = true;
      else
        clear = key_frame ? VP8_KEY_CLEAR : VP8_DELTA_CLEAR;
      break;
  }
  /* JS would throw on a frame shorter than its clear prefix; we keep such a
   * frame entirely in the clear prefix and encrypt an empty body. */
  if (clear > len)
    clear = len;
  layout->clear_len = clear;
  layout->nal_escaped = escaped;
}

size_t
gst_livekit_frame_encrypted_size_max (size_t len)
{
  /* Start-code normalisation adds at most one byte per 3 clear bytes; RBSP
   * escaping at most one per 2 body bytes. */
  size_t body = len + GST_LIVEKIT_FRAME_OVERHEAD;
  return len + len / 3 + 1 + body + body / 2 + 1;
}

size_t
gst_livekit_frame_encrypted_size_bound (GstLiveKitCodec codec, size_t len)
{
  size_t n = len + GST_LIVEKIT_FRAME_OVERHEAD;

  if (codec != GST_LIVEKIT_CODEC_H264 && codec != GST_LIVEKIT_CODEC_H265)
    return n;
  /* clear + body = n. Normalisation adds at most one byte per 3 clear bytes
   * (a short start code takes 3), escaping one per 2 body bytes (plus one),
   * so the output is at most n + n / 2 + 2. That also leaves the escaper in
   * gst_livekit_frame_encrypt(), which reads the body from the tail of the
   * output while writing it forward, at least body / 2 + 2 bytes between
   * its writer and its reader: the writer gains at most body / 2 + 1. */
  return n + n / 2 + 2;
}

/* JS normalizeAnnexBStartCodes: every 00 00 01 not preceded by 00 gains a
 * leading 00, so the clear prefix matches what libwebrtc depacketizers
 * rebuild (spec §14.7). */
static bool
is_short_start_code (const uint8_t * d, size_t i)
{
  return d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1 && (i == 0
      || d[i - 1] != 0);
}

size_t
gst_livekit_annexb_normalized_size (const uint8_t * data, size_t len)
{
  size_t extra = 0;
  for (size_t i = 0; i + 2 < len; i++)
    if (is_short_start_code (data, i))
      extra++;
  return len + extra;
}

size_t
gst_livekit_annexb_normalize (const uint8_t * data, size_t len, uint8_t * out)
{
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (i + 2 < len && is_short_start_code (data, i))
      out[o++] = 0;
    out[o++] = data[i];
  }
  return o;
}

size_t
gst_livekit_rbsp_escape (const uint8_t * in, size_t len, uint8_t * out)
{
  size_t o = 0, i = 0;
  unsigned int zeros = 0;

  /* Only zero bytes change the state: copy the runs between them in bulk
   * (ciphertext has one zero byte in 256). memmove, because
   * gst_livekit_frame_encrypt escapes forward within one buffer. */
  while (i < len) {
    const uint8_t *z = memchr (in + i, 0, len - i);
    size_t run = z ? (size_t) (z - (in + i)) : len - i;

    if (run > 0) {
      if (zeros >= 2 && in[i] <= 3)
        out[o++] = 3;
      memmove (out + o, in + i, run);
      o += run;
      i += run;
      zeros = 0;
      if (!z)
        break;
    }
    /* in[i] == 0 */
    if (zeros >= 2) {
      out[o++] = 3;
      zeros = 0;
    }
    out[o++] = 0;
    zeros++;
    i++;
  }
  return o;
}

/* The first i < n with d[i] == d[i + 1] == 0, or n; d[n] must be readable.
 * Ciphertext has a zero byte every 256 bytes but a zero pair only every
 * 64 KB, so blocks are tested for a pair with a branch-free loop the
 * compiler vectorises (a memchr loop stops at every zero byte: ~5 us per
 * 64 KB frame; this: ~2 us with SSE2, ~1 us with the AVX2 clone). */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__clang__)
#define ZERO_PAIR_CLONES __attribute__((target_clones ("avx2", "default")))
#endif
#endif
#ifndef ZERO_PAIR_CLONES
#define ZERO_PAIR_CLONES
#endif

ZERO_PAIR_CLONES static size_t
find_zero_pair (const uint8_t * d, size_t n)
{
  size_t i = 0;

  for (; i + 256 <= n; i += 256) {
    const uint8_t *b = d + i;
    uint8_t min = 0xff;
    /* Fixed trip count from 0, or GCC does not vectorise it. */
    for (size_t j = 0; j < 256; j++) {
      uint8_t t = b[j] | b[j + 1];
      min = t < min ? t : min;
    }
    if (min == 0)
      break;
  }
  for (; i < n; i++)
    if (d[i] == 0 && d[i + 1] == 0)
      return i;
  return n;
}

/* Whether 00 00 x with lowest <= x <= 3 starts at some i < n. */
static bool
has_zero_pair_before (const uint8_t * data, size_t n, uint8_t lowest)
{
  for (size_t i = find_zero_pair (data, n); i < n;
      i = i + 1 + find_zero_pair (data + i + 1, n - i - 1))
    if (data[i + 2] >= lowest && data[i + 2] <= 3)
      return true;
  return false;
}

bool
gst_livekit_rbsp_needs_unescape (const uint8_t * data, size_t len)
{
  /* JS needsRbspUnescaping: only positions i < len - 3 count. */
  return has_zero_pair_before (data, len > 3 ? len - 3 : 0, 3);
}

bool
gst_livekit_rbsp_needs_escape (const uint8_t * data, size_t len)
{
  /* gst_livekit_rbsp_escape inserts a byte exactly where 00 00 0x (x <= 3)
   * first occurs: the state it tracks only matters after that. */
  return has_zero_pair_before (data, len > 2 ? len - 2 : 0, 0);
}

size_t
gst_livekit_rbsp_unescape_in_place (uint8_t * data, size_t len)
{
  size_t o = 0, i = 0;

  /* Only 00 00 03 changes anything and starts at a zero pair, which
   * ciphertext holds once per 64 KB: move the runs between pairs in bulk
   * (a byte loop here cost ~13 instructions a byte on arm64). */
  while (len - i >= 3) {
    size_t p = i + find_zero_pair (data + i, len - i - 2), run;
    bool three;

    if (p == len - 2)
      break;
    /* data[p] == data[p + 1] == 0: drop data[p + 2] if it is 3; else
     * keep data[p] and look again from data[p + 1]. */
    three = data[p + 2] == 3;
    run = p - i + (three ? 2 : 1);
    memmove (data + o, data + i, run);
    o += run;
    i = p + (three ? 3 : 1);
  }
  memmove (data + o, data + i, len - i);
  return o + len - i;
}

static void
put_be32 (uint8_t * p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

void
gst_livekit_frame_make_iv (uint32_t ssrc, uint32_t timestamp,
    uint32_t counter, uint8_t iv[GST_LIVEKIT_IV_SIZE])
{
  put_be32 (iv, ssrc);
  put_be32 (iv + 4, timestamp);
  put_be32 (iv + 8, timestamp - counter);
}

/* Validates and splits the trailer of a frame whose body (after the clear
 * prefix) is @body_len bytes, already unescaped. */
static GstLiveKitFrameError
split_trailer (const uint8_t * frame, const GstLiveKitFrameLayout * layout,
    size_t body_len, unsigned int key_ring_size,
    GstLiveKitEncryptedFrame * parsed)
{
  size_t len, iv_len;
  uint8_t key_index;

  if (body_len < GST_LIVEKIT_FRAME_OVERHEAD)
    return GST_LIVEKIT_FRAME_ERROR_TOO_SHORT;

  len = layout->clear_len + body_len;
  iv_len = frame[len - 2];
  key_index = frame[len - 1];
  /* JS accepts any IV length; LiveKit's native cryptor only 12 (spec §6.3). */
  if (iv_len != GST_LIVEKIT_IV_SIZE)
    return GST_LIVEKIT_FRAME_ERROR_BAD_IV_LENGTH;
  if (key_index >= key_ring_size)
    return GST_LIVEKIT_FRAME_ERROR_KEY_INDEX_OUT_OF_RANGE;

  parsed->layout = *layout;
  parsed->len = len;
  parsed->ciphertext = frame + layout->clear_len;
  parsed->ciphertext_len = body_len - GST_LIVEKIT_TRAILER_SIZE;
  parsed->iv = frame + len - GST_LIVEKIT_TRAILER_SIZE;
  parsed->key_index = key_index;
  return GST_LIVEKIT_FRAME_OK;
}

GstLiveKitFrameError
gst_livekit_frame_parse (GstLiveKitCodec codec, uint8_t * frame, size_t len,
    bool key_frame, unsigned int key_ring_size,
    GstLiveKitEncryptedFrame * parsed)
{
  GstLiveKitFrameLayout layout;
  size_t body_len;

  gst_livekit_frame_layout (codec, frame, len, key_frame, &layout);
  body_len = len - layout.clear_len;
  if (layout.nal_escaped
      && gst_livekit_rbsp_needs_unescape (frame + layout.clear_len, body_len))
    body_len = gst_livekit_rbsp_unescape_in_place (frame + layout.clear_len,
        body_len);
  return split_trailer (frame, &layout, body_len, key_ring_size, parsed);
}

GstLiveKitFrameError
gst_livekit_frame_parse_copy (GstLiveKitCodec codec, const uint8_t * frame,
    size_t len, bool key_frame, unsigned int key_ring_size, uint8_t * out,
    GstLiveKitEncryptedFrame * parsed)
{
  GstLiveKitFrameLayout layout;
  size_t body_len;

  gst_livekit_frame_layout (codec, frame, len, key_frame, &layout);
  body_len = len - layout.clear_len;
  if (layout.nal_escaped
      && gst_livekit_rbsp_needs_unescape (frame + layout.clear_len, body_len)) {
    memcpy (out, frame, len);
    body_len = gst_livekit_rbsp_unescape_in_place (out + layout.clear_len,
        body_len);
    return split_trailer (out, &layout, body_len, key_ring_size, parsed);
  }
  memcpy (out, frame, layout.clear_len);
  return split_trailer (frame, &layout, body_len, key_ring_size, parsed);
}
