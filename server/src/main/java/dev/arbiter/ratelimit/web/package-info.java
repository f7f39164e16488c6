/**
 * HTTP side of rate limiting: the servlet filter that applies the configured limit to each
 * authenticated request and answers 429 with honest {@code Retry-After}.
 */
package dev.arbiter.ratelimit.web;
