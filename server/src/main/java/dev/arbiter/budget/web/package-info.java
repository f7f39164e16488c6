/** The budget report over HTTP: how much of each offer's budget is used. */
package dev.arbiter.budget.web;
