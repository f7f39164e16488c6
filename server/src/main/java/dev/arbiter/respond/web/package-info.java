/** HTTP endpoints of Respond and of outcome types. */
package dev.arbiter.respond.web;
