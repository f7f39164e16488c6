package dev.arbiter.engine.catalog;

import java.util.List;

/**
 * A flow's inventory: offers named by key and/or every offer of some categories. Either may be
 * null; together they must name something.
 */
public record InventoryDefinition(List<String> offers, List<String> categories) {}
