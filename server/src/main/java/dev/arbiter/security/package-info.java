/**
 * Authentication and authorisation: API keys (stored as peppered HMACs), JWT bearer tokens, the
 * {@link dev.arbiter.security.Caller} of each request, and the role each endpoint requires. Every
 * failure has its own stable code; a credential never learns about tenants it has no role in.
 */
package dev.arbiter.security;
