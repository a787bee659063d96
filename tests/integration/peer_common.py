"""What peer.py (the Python SDK) and roombin_peer.py (the room bin) share:
pure Python, no SDK and no GStreamer, so both interpreters can import it."""
import argparse


def kv(text: str) -> tuple[str, str]:
    """IDENTITY=TEXT, for --key-for and --set-key-after."""
    ident, sep, key = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"want IDENTITY=TEXT, got {text!r}")
    return ident, key


def state_errors(ident: str, states: list[str], want: str, ok: str,
                 fail_states: set[str]) -> list[str]:
    """Checks an identity's E2EE state sequence against --expect-state
    (ok | failed | failed-then-ok); @ok and @fail_states are the names the
    peer's API uses for those states."""
    fails = [i for i, s in enumerate(states) if s in fail_states]
    oks = [i for i, s in enumerate(states) if s == ok]
    last = states[-1] if states else None
    if want == "ok" and last != ok:
        return [f"{ident}: e2ee states {states}, want last {ok}"]
    if want == "failed" and (not fails or last == ok):
        return [f"{ident}: e2ee states {states}, want a failure and not {ok}"]
    if want == "failed-then-ok" and \
            not (fails and oks and oks[-1] > fails[0] and last == ok):
        return [f"{ident}: e2ee states {states}, want failure then {ok}"]
    return []
