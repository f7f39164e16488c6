package dev.arbiter.db;

/**
 * How the server stores the JSON documents it writes on every decision and outcome: outbox events
 * and decision traces ({@code ARBITER_DOCUMENT_STORAGE}). Readers accept both formats in any mix,
 * so the setting can change at any time; it only decides what is written from then on.
 */
public enum DocumentStorage {
  /**
   * Compressed by the server ({@link CompressedJson}) into a {@code bytea} column: traces since V9,
   * events since V10. PostgreSQL neither parses nor recompresses the document. The default.
   */
  COMPRESSED,
  /**
   * As {@code jsonb}, the only format that nodes built before V10 (events) and V9 (traces) read.
   * For a rolling upgrade from such a version: new nodes write it until no old node is left.
   */
  JSONB
}
