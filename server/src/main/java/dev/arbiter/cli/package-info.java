/**
 * The {@code arbiter} command line (picocli): {@code serve}, {@code migrate}, {@code api-key},
 * {@code tenant} and {@code version}. Configuration problems exit with code 2 after naming every
 * problem; other failures exit 1.
 */
package dev.arbiter.cli;
