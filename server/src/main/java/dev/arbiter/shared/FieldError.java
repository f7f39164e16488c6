package dev.arbiter.shared;

/** One invalid field of a request body: a JSON path ({@code offers[0].key}) and what is wrong. */
public record FieldError(String field, String message) {}
