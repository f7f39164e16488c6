/** HTTP for learned model state ({@code GET /api/v1/models/{key}/state}). */
package dev.arbiter.scoring.web;
