"""C2SP signed notes (spec/transparency.md, Signed notes), against the published Go sumdb/note
example key PeterNeumann and its signed note, and the reading and verification rules."""

import base64

import pytest

from provedex_ref import ed25519, note

# golang.org/x/mod sumdb/note: the signer key's data is 0x01 || seed, the verifier key's 0x01 || key.
PETER_SEED = bytes.fromhex("810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173")
PETER_KEY = bytes.fromhex("1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6")
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
TEXT = (
    b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
PETER_NOTE = bytes.fromhex(
    "496620796f75207468696e6b2063727970746f6772617068792069732074686520616e7377657220746f20796f75"
    "722070726f626c656d2c0a7468656e20796f7520646f6e2774206b6e6f77207768617420796f75722070726f626c"
    "656d2069732e0a0ae280942050657465724e65756d616e6e20783038676f2f5a4a6b7542533955472f5366666376"
    "49415178564274694675704c4c7238704163456c5a496e4e4975475567594e314646594332705a534e58674b7671"
    "6671646e676f7470525a62364b453652797942774a6e414d3d0a"
)
PETER_SIGNATURE = bytes.fromhex(
    "f64992e052f541bf49f7dcbc8010c5506d885ba92cbafca40704959227348b86"
    "52060dd451580b6a5948d5e02afa9fa9d9e0a2da5165be8a13a472c81c099c03"
)
ENOCH_LINE = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33"
    "WWd1RvMc+QQ=\n"
).encode()


def test_peter_neumann_key():
    assert ed25519.public_key(PETER_SEED) == PETER_KEY
    assert note.key_id("PeterNeumann", PETER_KEY).hex() == "c74f20a3"
    assert note.verifier_key("PeterNeumann", PETER_KEY) == PETER_VKEY


def test_peter_neumann_note_is_reproduced_and_read():
    assert note.sign(TEXT, "PeterNeumann", PETER_SEED) == PETER_NOTE
    parsed = note.parse(PETER_NOTE)
    assert parsed.text == TEXT
    assert parsed.signatures == (
        note.NoteSignature("PeterNeumann", bytes.fromhex("c74f20a3"), PETER_SIGNATURE),
    )
    assert note.verify(parsed, "PeterNeumann", PETER_KEY)


def test_other_keys_are_ignored_and_one_known_key_is_required():
    with_enoch = note.parse(PETER_NOTE + ENOCH_LINE)
    assert [sig.name for sig in with_enoch.signatures] == ["PeterNeumann", "EnochRoot"]
    assert note.verify(with_enoch, "PeterNeumann", PETER_KEY)
    # Only Enoch's line: no line by the expected key.
    enoch_only = note.parse(TEXT + b"\n" + ENOCH_LINE)
    assert not note.verify(enoch_only, "PeterNeumann", PETER_KEY)
    # The same key under another name, and another key under the same name, are other keys.
    assert not note.verify(note.parse(PETER_NOTE), "PeterNeumann2", PETER_KEY)
    other = ed25519.public_key(bytes(32))
    assert not note.verify(note.parse(PETER_NOTE), "PeterNeumann", other)


def test_same_name_other_key_id_is_ignored_even_if_broken():
    stranger = "\u2014 PeterNeumann " + base64.b64encode(b"\x00\x00\x00\x00" + bytes(64)).decode() + "\n"
    assert note.verify(note.parse(PETER_NOTE + stranger.encode()), "PeterNeumann", PETER_KEY)


def test_a_failing_line_by_the_known_key_refuses_the_note():
    """TL-4: every matching line is verified; a good one does not excuse a bad one."""
    bad = bytes([PETER_SIGNATURE[0] ^ 1]) + PETER_SIGNATURE[1:]
    bad_line = "\u2014 PeterNeumann " + base64.b64encode(bytes.fromhex("c74f20a3") + bad).decode() + "\n"
    assert not note.verify(note.parse(PETER_NOTE + bad_line.encode()), "PeterNeumann", PETER_KEY)
    assert not note.verify(note.parse(TEXT + b"\n" + bad_line.encode()), "PeterNeumann", PETER_KEY)
    short_line = (
        "\u2014 PeterNeumann " + base64.b64encode(bytes.fromhex("c74f20a3") + bad[:63]).decode() + "\n"
    )
    assert not note.verify(note.parse(PETER_NOTE + short_line.encode()), "PeterNeumann", PETER_KEY)
    # A repeated good line verifies again.
    repeated = note.parse(PETER_NOTE + PETER_NOTE.split(b"\n\n")[1])
    assert len(repeated.signatures) == 2 and note.verify(repeated, "PeterNeumann", PETER_KEY)


def test_text_may_hold_blank_lines_and_is_split_at_the_last():
    text = b"a\n\nb\n"
    signed = note.sign(text, "k", PETER_SEED)
    assert note.parse(signed).text == text
    assert note.verify(note.parse(signed), "k", PETER_KEY)


SIGNATURE_LINE = PETER_NOTE[len(TEXT) + 1 :]


@pytest.mark.parametrize(
    "data",
    [
        TEXT,  # no signatures
        TEXT + b"\n",  # a blank line and nothing after it
        PETER_NOTE[:-1],  # the last signature line without its LF
        b"\x01" + PETER_NOTE,  # a control character
        PETER_NOTE.replace(b"problem,", b"problem,\t"),
        PETER_NOTE.replace(b"\n", b"\r\n", 1),
        b"\xff" + PETER_NOTE,  # not UTF-8
        PETER_NOTE + b"Unexpected line.\n",
        PETER_NOTE.replace(b"PeterNeumann", b"Peter Neumann"),  # a name with a space
        PETER_NOTE.replace(b"PeterNeumann", "Peter\u00a0Neumann".encode()),  # a Unicode space
        PETER_NOTE.replace(b"PeterNeumann", b"Peter+Neumann"),
        PETER_NOTE.replace("\u2014 ".encode(), b"- "),  # not the em dash
        PETER_NOTE.replace(b"nAM=", b"nAM"),  # padding missing
        PETER_NOTE.replace(b"nAM=", b"nAN="),  # unused bits not zero
        PETER_NOTE.replace(b"x08go", b"x08g\xc3\xa9"),  # not base64
        PETER_NOTE.replace(b"PeterNeumann x08", b"PeterNeumann  x08"),  # two spaces
        TEXT + b"\n" + "\u2014 k AAAAAA==\n".encode(),  # four bytes: a key id and no signature
        TEXT + b"\n" + "\u2014 k\n".encode(),
        TEXT + b"\n" + SIGNATURE_LINE * 101,  # more than 100 signature lines
        TEXT + b"\n" + SIGNATURE_LINE + b"\n",  # a blank line after the signatures
    ],
)
def test_malformed_notes(data):
    with pytest.raises(note.NoteError):
        note.parse(data)


def test_size_limits():
    hundred = TEXT + b"\n" + SIGNATURE_LINE * 100
    assert len(note.parse(hundred).signatures) == 100
    padding = b"x" * (note.MAX_NOTE_BYTES - len(PETER_NOTE) - 1) + b"\n"
    assert len(padding + PETER_NOTE) == note.MAX_NOTE_BYTES
    note.parse(padding + PETER_NOTE)
    with pytest.raises(note.NoteError):
        note.parse(b"x" + padding + PETER_NOTE)


def test_key_names():
    assert note.is_valid_key_name("example.com/log42")
    for name in ("", "a b", "a+b", "a\u3000b", "a\u2028b", "a\tb"):
        assert not note.is_valid_key_name(name), name
    with pytest.raises(note.NoteError):
        note.sign(TEXT, "a b", PETER_SEED)
    with pytest.raises(note.NoteError):
        note.sign(TEXT[:-1], "k", PETER_SEED)
