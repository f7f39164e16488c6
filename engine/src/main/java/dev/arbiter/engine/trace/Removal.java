package dev.arbiter.engine.trace;

/**
 * One offer that left the pipeline.
 *
 * @param offerKey the offer's key, never null
 * @param stage the stage that removed it, never null
 * @param code the reason's stable code (see {@link Reason#code()}), never null
 * @param reason the reason for a person, never null
 */
public record Removal(String offerKey, Stage stage, String code, String reason) {}
