/**
 * SECTION:gstlivekitcandidate
 * @title: ICE candidate JSON
 * @short_description: webrtcbin candidates <-> LiveKit trickle JSON
 *
 * webrtcbin reports and accepts a candidate as (mline index, "candidate:…"
 * string); LiveKit's TrickleRequest.candidateInit is the JSON of an
 * RTCIceCandidateInit, which the server decodes into pion's
 * ICECandidateInit. We write exactly the members gst-plugins-rs' LiveKit
 * signaller writes (candidate, sdpMid, sdpMLineIndex).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "candidate.h"

#include <json-glib/json-glib.h>

G_DEFINE_QUARK (gst-livekit-candidate-error-quark, gst_livekit_candidate_error);

/**
 * gst_livekit_candidate_to_json:
 * @candidate: the candidate line, as webrtcbin's on-ice-candidate gives it
 * @sdp_mid: (nullable): media id of the m-line, omitted if %NULL
 * @sdp_mline_index: m-line index
 *
 * Returns: (transfer full): the candidateInit JSON
 */
gchar *
gst_livekit_candidate_to_json (const gchar * candidate, const gchar * sdp_mid,
    guint sdp_mline_index)
{
  JsonBuilder *b;
  JsonNode *root;
  gchar *json;

  g_return_val_if_fail (candidate != NULL, NULL);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  if (sdp_mid) {
    json_builder_set_member_name (b, "sdpMid");
    json_builder_add_string_value (b, sdp_mid);
  }
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, sdp_mline_index);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return json;
}

/**
 * gst_livekit_candidate_from_json:
 * @json: TrickleRequest.candidateInit from the server
 * @candidate: (out) (optional): the candidate line; "" for an
 *   end-of-candidates marker
 * @sdp_mid: (out) (optional) (nullable): sdpMid, %NULL if absent or null
 * @sdp_mline_index: (out) (optional): sdpMLineIndex; 0 if absent, which is
 *   right for LiveKit's single-bundle SDP
 *
 * Leaves the outputs untouched on failure.
 *
 * Returns: %TRUE if @json is an object with a string "candidate"
 */
gboolean
gst_livekit_candidate_from_json (const gchar * json, gchar ** candidate,
    gchar ** sdp_mid, guint * sdp_mline_index, GError ** error)
{
  JsonParser *parser;
  JsonObject *obj;
  JsonNode *node, *cand, *mid, *index;
  GError *err = NULL;
  gint64 idx = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (json != NULL, FALSE);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, -1, &err)) {
    g_set_error (error, GST_LIVEKIT_CANDIDATE_ERROR,
        GST_LIVEKIT_CANDIDATE_ERROR_INVALID, "candidate is not JSON: %s",
        err->message);
    g_error_free (err);
    goto out;
  }
  node = json_parser_get_root (parser);
  if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error_literal (error, GST_LIVEKIT_CANDIDATE_ERROR,
        GST_LIVEKIT_CANDIDATE_ERROR_INVALID, "candidate is not a JSON object");
    goto out;
  }
  obj = json_node_get_object (node);
  cand = json_object_get_member (obj, "candidate");
  if (!cand || !JSON_NODE_HOLDS_VALUE (cand)
      || json_node_get_value_type (cand) != G_TYPE_STRING) {
    g_set_error_literal (error, GST_LIVEKIT_CANDIDATE_ERROR,
        GST_LIVEKIT_CANDIDATE_ERROR_INVALID,
        "candidate JSON has no \"candidate\" string");
    goto out;
  }
  /* json-glib turns a lone \\uD800..\\uDFFF escape into bytes that are not
   * UTF-8; webrtcbin and the SDP take only valid UTF-8. */
  if (!g_utf8_validate (json_node_get_string (cand), -1, NULL)) {
    g_set_error_literal (error, GST_LIVEKIT_CANDIDATE_ERROR,
        GST_LIVEKIT_CANDIDATE_ERROR_INVALID,
        "candidate string is not valid UTF-8");
    goto out;
  }
  mid = json_object_get_member (obj, "sdpMid");
  if (mid && !JSON_NODE_HOLDS_NULL (mid) && (!JSON_NODE_HOLDS_VALUE (mid)
          || json_node_get_value_type (mid) != G_TYPE_STRING
          || !g_utf8_validate (json_node_get_string (mid), -1, NULL))) {
    g_set_error_literal (error, GST_LIVEKIT_CANDIDATE_ERROR,
        GST_LIVEKIT_CANDIDATE_ERROR_INVALID,
        "sdpMid is not a valid UTF-8 string");
    goto out;
  }
  index = json_object_get_member (obj, "sdpMLineIndex");
  if (index && !JSON_NODE_HOLDS_NULL (index)) {
    if (!JSON_NODE_HOLDS_VALUE (index)
        || json_node_get_value_type (index) != G_TYPE_INT64
        || (idx = json_node_get_int (index)) < 0 || idx > G_MAXUINT16) {
      g_set_error_literal (error, GST_LIVEKIT_CANDIDATE_ERROR,
          GST_LIVEKIT_CANDIDATE_ERROR_INVALID,
          "sdpMLineIndex is not an integer in 0..65535");
      goto out;
    }
  }

  if (candidate)
    *candidate = g_strdup (json_node_get_string (cand));
  if (sdp_mid)
    *sdp_mid = mid && !JSON_NODE_HOLDS_NULL (mid) ?
        g_strdup (json_node_get_string (mid)) : NULL;
  if (sdp_mline_index)
    *sdp_mline_index = (guint) idx;
  ok = TRUE;

out:
  g_object_unref (parser);
  return ok;
}
