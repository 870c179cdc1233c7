// The hand-written part of the binding: Kotlin spellings of what the generated
// API offers only as top-level functions or per subclass.

package dev.provedex

/**
 * The `parent_hash` of a ledger's first line: 64 `0` characters.
 *
 * Fixed by wire format v1; a constant (unlike [genesisParentHash]) so it can be
 * used without loading the native library, and in `when` branches.
 */
const val GENESIS_PARENT_HASH: String = "0000000000000000000000000000000000000000000000000000000000000000"

/**
 * The stable machine-readable code of the error, or `null` for [ProvedexException.KeyLoad],
 * which has none.
 *
 * The generated subclasses each declare their own `code`; this reads it without a
 * `when` over the subclasses at every catch site.
 */
val ProvedexException.code: String?
    get() = when (this) {
        is ProvedexException.KeyLoad -> null
        is ProvedexException.Signing -> code
        is ProvedexException.Ledger -> code
        is ProvedexException.Chain -> code
    }

/** The canonical JSON text of this event ([eventToJson]). */
fun AgentEvent.toJson(): String = eventToJson(this)

/** Reads an event from JSON text, strictly ([eventFromJson]). */
fun AgentEvent.Companion.fromJson(json: String): AgentEvent = eventFromJson(json)

/** The exact ledger line of this event, without its LF ([signedEventToJson]). */
fun SignedEvent.toJson(): String = signedEventToJson(this)

/**
 * Reads one ledger line (without its LF) strictly, as a verifier reads it
 * ([signedEventFromJson]); a rejected line is a [ProvedexException.Chain] with its reason.
 */
fun SignedEvent.Companion.fromJson(line: String): SignedEvent = signedEventFromJson(line.encodeToByteArray())

/**
 * Checks this event on its own: its self_hash and its strict Ed25519 signature
 * ([verifySignedEvent]). A failure is a [ProvedexException.Chain] with its reason.
 */
fun SignedEvent.verify() = verifySignedEvent(this)

/**
 * [Session.open] with a choice of [Durability]: `GROUP` (the default) returns
 * after the fsync that covers the line, shared with concurrent records;
 * `EVERY_EVENT` after an fsync of its own; `NONE` once written, never fsynced.
 */
fun Session.Companion.open(keypair: SigningKeypair, ledgerPath: String, sessionId: String, durability: Durability): Session =
    openWithDurability(keypair, ledgerPath, sessionId, durability)

/**
 * The `sessionId` given to [Session.open]: metadata for the application to record
 * in events (v1 records it as `SessionStarted.sessionId`). The ledger does not
 * store it and it does not locate the ledger; the path does.
 */
val Session.sessionId: String get() = sessionId()

/**
 * Reads a signed checkpoint given as its note text and checks that [pubkey] (hex or
 * PEM) signs it ([verifyCheckpoint] of the text's UTF-8 bytes). A refusal is a
 * [ProvedexException.Chain] with code `checkpoint_malformed`, `checkpoint_foreign` or
 * `checkpoint_signature_invalid`.
 */
fun verifyCheckpoint(checkpoint: String, pubkey: String): CheckpointInfo =
    verifyCheckpoint(checkpoint.encodeToByteArray(), pubkey)

/** What a signed checkpoint given as its note text claims, no signature checked ([parseCheckpoint]). */
fun parseCheckpoint(checkpoint: String): CheckpointInfo = parseCheckpoint(checkpoint.encodeToByteArray())

/**
 * Whether this proof leads from the line's self_hash to [rootHex], the root of a
 * checkpoint of [InclusionProof.treeSize] lines ([verifyInclusion]). The proof's own
 * root is trusted only once such a checkpoint names it.
 */
fun InclusionProof.verify(rootHex: String): Boolean =
    verifyInclusion(seq, treeSize, java.util.HexFormat.of().parseHex(leafHex), proof, rootHex)

/**
 * Whether this proof leads to [oldRootHex] and [newRootHex], the roots of
 * checkpoints of [ConsistencyProof.oldSize] and [ConsistencyProof.newSize] lines
 * ([verifyConsistency]).
 */
fun ConsistencyProof.verify(oldRootHex: String, newRootHex: String): Boolean =
    verifyConsistency(oldSize, newSize, proof, oldRootHex, newRootHex)
