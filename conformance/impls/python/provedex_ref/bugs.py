"""Planted bugs: deliberate mistakes, each behind one switch, that prove the conformance suite
catches them.

Every name switches on exactly one deviation, which lives at the one place the real code would go
wrong and is marked there with a comment ``PLANTED BUG <name>``. No bug is active unless the adapter
is started with ``--plant-bug NAME`` or ``PROVEDEX_PLANT_BUG=NAME``.
"""

BUGS: dict[str, str] = {
    "json_dumps_canonical": (
        "write canonical JSON with json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False)"
    ),
    "float_repr": "write floats with Python's repr instead of the spec's layout",
    "utf16_key_order": "sort object keys by UTF-16 code units instead of UTF-8 bytes",
    "sign_hex_text": "sign and verify the 64-character hex text of self_hash, not the 32 raw bytes",
    "nonstrict_ed25519": "accept small-order public keys",
    "cofactored_ed25519": "check the cofactored equation [8][S]B = [8]R + [8][k]A",
    "ignore_unknown_fields": "accept members the format does not define",
    "accept_uppercase_hex": "accept upper-case hex digits",
    "accept_integral_float": "accept a float with an integral value (1.0) where an integer is required",
    "skip_seq_check": "do not check seq continuity in a ledger",
    "accept_duplicate_keys": "let the last of duplicate keys win instead of rejecting the input",
    "lone_surrogate_accepted": "replace a lone surrogate escape by U+FFFD instead of rejecting it",
    "torn_tail_ignored": "ignore a final segment without LF instead of reporting torn_tail",
    "accept_crlf": "strip a CR before the LF instead of reporting crlf_line_ending",
    "line_length_in_characters": "measure a line's length in decoded characters instead of bytes",
    "accept_one_byte_past_limit": "accept a line of 16,777,217 bytes (an off-by-one in the limit)",
    "torn_tail_before_length": "report a final segment without LF as torn_tail before measuring its length",
    "utf8_checked_after_parsing": "decode leniently, parse, and only then refuse ill-formed UTF-8",
    "required_members_first": "check that every member of a line is present before checking any member's kind",
    "unknown_members_first": "refuse members the format does not define before checking the ones it requires",
    "hex_checked_with_int": "check a hex member's length and case, and its digits with int(s, 16)",
    "type_name_trimmed": "look up the event type after stripping surrounding whitespace",
    "event_depth_from_event": "count an event's nesting from the event, not from the line it goes into",
    "parent_hash_unchecked": "seal or hash with a parent_hash that is not checked to be 64 lowercase hex",
    "verify_event_as_ledger": "check a line on its own as the first line of a ledger (seq 0, genesis parent)",
    "noncanonical_point_reduced": "reduce a point's y coordinate modulo p instead of refusing y >= p",
    "pin_before_key_validity": "compare signer_pubkey with the pinned key before checking that it is a valid key",
    "signature_before_signer_checks": "check the signature before the pinned key and the change of signer",
    "pin_after_rotation": "require the pinned key on every line, also after a rotation",
    "rotation_not_followed_as_signer_changed": "report signer_changed for the line right after a rotation",
    "rotation_proof_unlabelled": "verify a rotation proof over the statement without its label",
    "toolset_order_utf16": "sort and check a toolset's names in UTF-16 code unit order instead of UTF-8 byte order",
    "current_key_from_last_signer": "take the last line's signer as the current key, even after a final rotation",
    "odd_leaf_duplicated": "pair a level's odd last node with a copy of itself when computing a tree's root",
    "merkle_no_domain_separation": "hash leaves and interior nodes without their 0x00 and 0x01 prefixes",
    "inclusion_length_unchecked": "accept an inclusion proof whatever its length, as long as it ends at the root",
    "empty_tree_any_root": "accept any old root in a consistency proof from the empty tree",
    "failing_note_signature_ignored": "accept a note when one line by the expected key verifies and another fails",
    "truncation_unchecked": "skip a checkpoint that vouches for more lines than the ledger holds",
    "checkpoint_key_at_end": "expect a checkpoint signed by the ledger's key at its end, not at the checkpoint's size",
    "bundle_key_trusted": "without a pin, trust a bundle's own key and report a proof level",
    "bundle_consistency_unchecked": "do not check a bundle's consistency proof against the checkpoint's root",
    "bundle_genesis_unchecked": "do not check that a bundle's checkpoint names its tree's first line",
    "receipt_level_trusted": "count a proof level a receipt names (a member whose value is a level) as reached",
}

_active: str | None = None


def activate(name: str | None) -> None:
    """Switch on the bug `name` (None switches every bug off)."""
    global _active
    if name is not None and name not in BUGS:
        raise ValueError(f"unknown planted bug {name!r}; known: {', '.join(BUGS)}")
    _active = name


def planted(name: str) -> bool:
    """Whether the bug `name` is switched on. An unknown name is a programming error."""
    if name not in BUGS:
        raise KeyError(name)
    return _active == name
