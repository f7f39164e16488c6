package dev.arbiter.security.jwt;

import dev.arbiter.security.Role;
import java.time.Instant;
import java.util.Map;

/** Placeholder until the security branch lands. */
public record JwtPrincipal(String subject, Map<String, Role> roles, Instant expiresAt) {}
