"""Stored JSON text: what orjson writes reads back as the payload; what it refuses, json writes."""

import json
import math

from misusewatch.store.json_text import json_text


def test_payload_round_trips_with_unicode_kept():
    payload = {"body": "héllo 💥 <b>", "nested": [1, 2.5, None, True, {"k": "v"}], "id": 2**63 - 1}
    text = json_text(payload)
    assert json.loads(text) == payload
    assert "héllo 💥" in text  # not \u-escaped


def test_non_string_keys_become_strings_as_json_would():
    assert json.loads(json_text({1: "a", 2.5: "b", None: "c"})) == json.loads(json.dumps({1: "a", 2.5: "b", None: "c"}))


def test_nan_and_infinity_are_written_as_null():
    assert json.loads(json_text({"x": math.nan, "y": [math.inf]})) == {"x": None, "y": [None]}


def test_what_orjson_refuses_is_written_by_json():
    big = {"id": 123456789012345678901234567890}
    assert json.loads(json_text(big)) == big
    lone = {"s": "\ud800"}
    assert json_text(lone) == json.dumps(lone, ensure_ascii=False, separators=(",", ":"))
