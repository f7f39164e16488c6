/**
 * Verification of JWT bearer tokens: HS256 with a shared secret ({@code JWT_SECRET}) and RS256 with
 * keys fetched from an identity provider's JWKS endpoint ({@code JWKS_URL}). A token is accepted
 * only after its signature verifies with a configured key and its time, issuer and audience claims
 * hold; every rejection is an {@link dev.arbiter.security.AuthException} with one precise code. The
 * key set is cached, refreshed at most once per interval on an unknown key id, and its last good
 * copy is kept while the provider is down.
 */
package dev.arbiter.security.jwt;
