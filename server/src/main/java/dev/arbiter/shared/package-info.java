/**
 * Small types every capability uses: ids, the RFC 9457 problem factory and the API exception. It
 * depends on no other Arbiter package.
 */
package dev.arbiter.shared;
