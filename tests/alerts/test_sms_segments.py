import pytest

from alerts.sms_segments import GSM7, UCS2, count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),
        ("€" * 81, GSM7, 162, 2),
        ("中" * 70, UCS2, 70, 1),
        ("中" * 71, UCS2, 71, 2),
        ("中" * 134, UCS2, 134, 2),
        ("中" * 135, UCS2, 135, 3),
    ],
)
def test_segments_are_counted_as_the_network_counts_them(
    text, encoding, units, segments
):
    count = count_segments(text)

    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_one_chinese_character_turns_a_latin_text_into_ucs2():
    latin = count_segments("Stop using the charger " * 6)

    mixed = count_segments("Stop using the charger " * 6 + "停")

    assert (latin.encoding, latin.segments) == (GSM7, 1)
    assert (mixed.encoding, mixed.segments) == (UCS2, 3)


def test_an_extension_character_is_never_split_across_segments():
    # 152 plain septets then an escape pair: the pair cannot start in the
    # 153rd septet of the first segment, so it opens the second.
    text = "a" * 152 + "€" + "a" * 10

    count = count_segments(text)

    assert count.units == 164
    assert count.segments == 2
    assert count.remaining == 153 - 12


def test_an_emoji_counts_as_two_ucs2_units():
    count = count_segments("预警😀")

    assert (count.encoding, count.units) == (UCS2, 4)


def run_counter_script(expression):
    """What the admin counter script makes of a JavaScript `expression`."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from tests.conftest import need

    node = shutil.which("node")
    need(node is not None, "node is needed to run the admin counter script")
    script = Path(__file__).resolve().parents[2] / "static" / "js" / "sms-counter.js"
    result = subprocess.run(
        [
            node,
            "-e",
            f"require({json.dumps(str(script))});"
            f"console.log(JSON.stringify({expression}))",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_admin_counter_script_counts_as_the_server_does():
    import json

    texts = ["", "a" * 161, "€" * 81, "a" * 152 + "€" + "a" * 10, "中" * 135, "预警😀"]

    counted = run_counter_script(f"{json.dumps(texts)}.map(heraldCountSms)")

    in_browser = [(c["encoding"], c["units"], c["segments"]) for c in counted]
    on_server = [(c.encoding, c.units, c.segments) for c in map(count_segments, texts)]
    assert in_browser == on_server


@pytest.mark.parametrize("signature", ["【产品安全预警】", "[Herald] "])
def test_the_admin_counter_counts_the_longest_message_as_the_form_does(
    settings, signature
):
    import json

    from alerts.sms_notice import worst_case_count, worst_case_frames

    settings.HERALD_SMS_SIGNATURE = signature
    settings.HERALD_BASE_URL = "https://alerts.example.gov.cn"
    frames = worst_case_frames()
    texts = [
        "",
        "Stop charging the toy",
        "  Stop\n\n charging\u3000the toy  ",
        "a" * 100,
        "停" * 46,
        "停" * 47,
        "预警😀\r\n请停止使用",
    ]

    counted = run_counter_script(
        f"{json.dumps(texts)}.map(function (text) {{"
        f" return heraldCountNoticeSms(text, {json.dumps(frames)}); }})"
    )

    in_browser = [(c["encoding"], c["units"], c["segments"]) for c in counted]
    on_server = [
        (c.encoding, c.units, c.segments) for c in map(worst_case_count, texts)
    ]
    assert in_browser == on_server
