/**
 * Who is calling and what they may do: the stable authentication and authorization error codes
 * ({@link dev.arbiter.security.AuthError}), the roles and their permissions ({@link
 * dev.arbiter.security.Role}), and the credential verifiers in sub-packages. Every credential
 * failure surfaces as an {@link dev.arbiter.security.AuthException} carrying exactly one code, so
 * the HTTP layer never has to guess which problem to report.
 */
package dev.arbiter.security;
