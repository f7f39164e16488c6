/**
 * The demo tenant: {@code arbiter serve --demo} creates tenant {@code demo} (once) and a fresh
 * admin API key each start, so a newcomer has something to call within a minute.
 */
package dev.arbiter.demo;
