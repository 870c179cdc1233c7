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
        is ProvedexException.Config -> code
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

/**
 * [Session.open] with [SessionOptions]: a choice of [Durability] and, with
 * `checkpointEvery` N > 0, a checkpoint signed into the checkpoints file beside the
 * ledger ([checkpointsPath], [readCheckpoints]) each time the durable lines reach a
 * multiple of N.
 */
fun Session.Companion.open(keypair: SigningKeypair, ledgerPath: String, sessionId: String, options: SessionOptions): Session =
    openWithOptions(keypair, ledgerPath, sessionId, options)

/** The lines from seq [first] to seq [last], both included. */
fun BundleSelection.Companion.seqs(first: ULong, last: ULong): BundleSelection = BundleSelection.Seqs(first, last)

/**
 * The lines from the first at or after [from] to the last at or before [to], every
 * line between them included; the instants are compared with the lines'
 * `timestamp_nanos` exactly, to the nanosecond. An instant before the Unix epoch is
 * an [IllegalArgumentException].
 */
fun BundleSelection.Companion.between(from: java.time.Instant, to: java.time.Instant): BundleSelection =
    BundleSelection.Time(epochNanos(from, "from"), epochNanos(to, "to"))

private fun epochNanos(instant: java.time.Instant, name: String): ULong {
    require(instant.epochSecond >= 0) { "$name is before the Unix epoch: no line's time is" }
    val nanos = java.math.BigInteger.valueOf(instant.epochSecond).multiply(java.math.BigInteger.valueOf(1_000_000_000))
        .add(java.math.BigInteger.valueOf(instant.nano.toLong()))
    require(nanos.bitLength() <= 64) { "$name is beyond the largest timestamp_nanos" }
    return nanos.toString().toULong()
}

/**
 * [exportBundleWithCheckpoint] with the held checkpoint given as its note text: the
 * bundle of [selection] proven against that checkpoint, copied verbatim.
 */
fun exportBundle(ledgerPath: String, checkpoint: String, selection: BundleSelection): ByteArray =
    exportBundleWithCheckpoint(ledgerPath, checkpoint.encodeToByteArray(), selection)

/**
 * [verifyBundle] with the checkpoint held apart given as its note text. Pin the key
 * ([pinnedPubkey], hex or PEM) or its fingerprint ([pinnedFingerprint]) you trust:
 * without one a bundle proves only its internal consistency. [receipts] are the
 * trust anchors the bundle's receipts are checked with.
 */
fun verifyBundle(
    bundle: ByteArray,
    pinnedPubkey: String? = null,
    pinnedFingerprint: String? = null,
    checkpoint: String,
    receipts: ReceiptTrust? = null,
): BundleReport = verifyBundle(bundle, pinnedPubkey, pinnedFingerprint, checkpoint.encodeToByteArray(), receipts)

/**
 * Starts the anchorer of the configuration file at [configPath] on its own thread
 * (see [BackgroundAnchorer]); [secrets] are looked up before the environment, which
 * the JVM cannot set. Close it (`use { }`) to stop it after the pass in flight.
 */
fun BackgroundAnchorer.Companion.start(configPath: String, secrets: Map<String, String>? = null): BackgroundAnchorer =
    AnchorConfig.load(configPath).use { config -> start(config, secrets) }

/** Whether the bundle reached [level] (`verifiable`, `externally-archived`, …) by the evidence checked. */
fun BundleReport.reached(level: String): Boolean = levels.any { it.level == level && it.reached }
