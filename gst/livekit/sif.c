/* Known blank payloads of LiveKit's SFU (livekit pkg/sfu/downtrack.go, as
 * listed by client-sdk-js sifPayload.ts and the native 2026 unit test). */
#include "sif.h"

#include <string.h>

static const uint8_t vp8_key_frame_8x8[] = {
  0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00, 0x00, 0x47,
  0x08, 0x85, 0x85, 0x88, 0x85, 0x84, 0x88, 0x02, 0x02, 0x00, 0x0c, 0x0d,
  0x60, 0x00, 0xfe, 0xff, 0xab, 0x50, 0x80,
};

static const uint8_t h264_sps[] = {
  0x67, 0x42, 0xc0, 0x1f, 0x0f, 0xd9, 0x1f, 0x88, 0x88, 0x84, 0x00, 0x00,
  0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0xc9, 0x20,
};
static const uint8_t h264_pps[] = { 0x68, 0x87, 0xcb, 0x83, 0xcb, 0x20 };
static const uint8_t h264_idr[] = {
  0x65, 0x88, 0x84, 0x0a, 0xf2, 0x62, 0x80, 0x00, 0xa7, 0xbe,
};

static const uint8_t start_code[] = { 0, 0, 0, 1 };

#define OPUS_SILENCE_LEN 80
#define G711_SILENCE_LEN 160

bool
gst_livekit_sif_has_trailer (const uint8_t * frame, size_t len,
    const uint8_t * trailer, size_t trailer_len)
{
  return trailer_len > 0 && len >= trailer_len
      && memcmp (frame + len - trailer_len, trailer, trailer_len) == 0;
}

static bool
all_bytes (const uint8_t * p, size_t len, uint8_t v)
{
  for (size_t i = 0; i < len; i++)
    if (p[i] != v)
      return false;
  return true;
}

/* Opus silence: f8 ff fe then 77 zero bytes. */
static bool
is_opus_silence (const uint8_t * p, size_t len)
{
  return len == OPUS_SILENCE_LEN && p[0] == 0xf8 && p[1] == 0xff
      && p[2] == 0xfe && all_bytes (p + 3, len - 3, 0);
}

/* Consumes "00 00 00 01 <nal>" at *p; false if it is not there. */
static bool
take_nal (const uint8_t ** p, size_t *len, const uint8_t * nal, size_t nal_len)
{
  if (*len < 4 + nal_len || memcmp (*p, start_code, 4) != 0
      || memcmp (*p + 4, nal, nal_len) != 0)
    return false;
  *p += 4 + nal_len;
  *len -= 4 + nal_len;
  return true;
}

static bool
is_h264_blank (const uint8_t * p, size_t len)
{
  const uint8_t *q = p;
  size_t n = len;

  if (take_nal (&q, &n, h264_idr, sizeof h264_idr) && n == 0)
    return true;
  q = p;
  n = len;
  return take_nal (&q, &n, h264_sps, sizeof h264_sps)
      && take_nal (&q, &n, h264_pps, sizeof h264_pps)
      && take_nal (&q, &n, h264_idr, sizeof h264_idr) && n == 0;
}

bool
gst_livekit_sif_is_known_payload (const uint8_t * p, size_t len)
{
  if (len == sizeof vp8_key_frame_8x8
      && memcmp (p, vp8_key_frame_8x8, len) == 0)
    return true;
  if (is_opus_silence (p, len))
    return true;
  /* opus/red: one 0x6f block header, then the silence frame. */
  if (len == OPUS_SILENCE_LEN + 1 && p[0] == 0x6f
      && is_opus_silence (p + 1, len - 1))
    return true;
  if (len == G711_SILENCE_LEN && (all_bytes (p, len, 0xff)
          || all_bytes (p, len, 0xd5)))
    return true;
  return is_h264_blank (p, len);
}
