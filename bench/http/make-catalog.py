#!/usr/bin/env python3
"""Writes the reference catalog document for the HTTP benchmark: two flows, ref100 and ref1000,
each over its own offers (two qualification rules per offer, three contact policies, a Thompson
model, a PRIE profile, top 5) -- the same shape as the engine's JMH reference catalog.
With DECISION_CAP=N in the environment, a fourth policy caps each offer at N decisions a day per
customer: every decision then records its offers in the contact history (checked against other
decisions for the customer, README "Contact history"). N is at most the contacts the history keeps
of a kind (ARBITER_CONTACT_MAX_EVENTS, 500 by default): the import refuses a larger cap."""
import json, os, sys

def offers(prefix, n, category):
    out = []
    for i in range(n):
        out.append({
            "key": f"{prefix}-{i:05d}", "name": f"Offer {i}", "category": category,
            "subcategory": f"sub{i % 10}", "status": "active", "priority": i % 100,
            "value": {"revenue": 10 + i % 500, "margin": 5 + i % 50, "cost": 1},
            "channels": ["web"], "attributes": {"tier": ["gold", "silver", "bronze"][i % 3]},
            "content": {"headline": f"Offer {i}"}})
    return out

def rules(prefix, n):
    out = []
    for i in range(n):
        key = f"{prefix}-{i:05d}"
        out.append({"key": f"{key}-balance", "name": "balance", "scope": {"type": "offer", "value": key},
                    "expression": {">=": [{"var": "customer.balance"}, (i * 37) % 2000]}, "status": "active"})
        out.append({"key": f"{key}-age", "name": "age", "scope": {"type": "offer", "value": key},
                    "expression": {"and": [{">=": [{"var": "customer.age"}, 18]},
                                           {"!": [{"in": [{"var": "request.context.segment"}, ["blocked"]]}]}]},
                    "status": "active"})
    return out

doc = {
    "apiVersion": "arbiter/v1",
    "offers": offers("a", 100, "small") + offers("b", 1000, "large"),
    "qualificationRules": rules("a", 100) + rules("b", 1000),
    "contactPolicies": [
        {"key": "cap", "name": "cap", "type": "frequency_cap", "scope": {"type": "offer"},
         "config": {"outcome": "impression", "max": 3, "window": "P7D"}, "status": "active"},
        {"key": "cool", "name": "cool", "type": "cooldown", "scope": {"type": "offer"},
         "config": {"outcome": "reject", "duration": "P30D"}, "status": "active"},
        {"key": "fatigue", "name": "fatigue", "type": "channel_fatigue", "scope": {"type": "global"},
         "config": {"channel": "web", "max": 50, "window": "P1D"}, "status": "active"}],
    "models": [{"key": "bandit", "name": "bandit", "type": "thompson", "config": {}, "fallbackScore": 0.05}],
    "arbitrationProfiles": [{"key": "prie", "name": "prie", "formula": "prie",
                             "weights": {"propensity": 0.4, "relevance": 0.2, "value": 0.3, "priority": 0.1}}],
    "flows": [
        {"key": "ref100", "name": "ref100", "channel": "web", "placement": "p100",
         "inventory": {"categories": ["small"]}, "modelKey": "bandit", "arbitrationProfileKey": "prie", "maxOffers": 5},
        {"key": "ref1000", "name": "ref1000", "channel": "web", "placement": "p1000",
         "inventory": {"categories": ["large"]}, "modelKey": "bandit", "arbitrationProfileKey": "prie", "maxOffers": 5}]}
if os.environ.get("DECISION_CAP"):
    doc["contactPolicies"].append(
        {"key": "shown", "name": "shown", "type": "frequency_cap", "scope": {"type": "offer"},
         "config": {"outcome": "decision", "max": int(os.environ["DECISION_CAP"]), "window": "P1D"},
         "status": "active"})
json.dump(doc, sys.stdout)
