import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareRuleHits, pairByLogicalId } from "../../shared/drift/pairs.ts";
import type { DriftContext, Hit } from "../../shared/rules/rule.ts";

const view = (logicalId: string, side: string) => ({ logicalId, type: "AWS::Test::Thing", side });

describe("pairByLogicalId", () => {
  it("pairs the template and live views of one logical resource, in template order", () => {
    const pairs = pairByLogicalId([view("B", "template"), view("A", "template"), view("OnlyInTemplate", "template")], [view("A", "live"), view("B", "live"), view("OnlyLive", "live")]);
    assert.deepEqual(
      pairs.map(({ template, live, part }) => [template.logicalId, template.side, live.side, part]),
      [
        ["B", "template", "live", undefined],
        ["A", "template", "live", undefined],
      ],
    );
  });
  it("pairs a resource's several views by their key, else by position, and names the part", () => {
    const keyed = (logicalId: string, key: string, side: string) => ({ ...view(logicalId, side), key });
    const pairs = pairByLogicalId(
      [keyed("Role", "Policies/Read", "template"), keyed("Role", "Policies/Write", "template"), view("Group", "template 0"), view("Group", "template 1")],
      [keyed("Role", "Policies/Write", "live"), keyed("Role", "Policies/Admin", "live"), view("Group", "live 0"), view("Group", "live 1")],
    );
    assert.deepEqual(
      pairs.map(({ template, live, part }) => [template.logicalId, part, template.side, live.side]),
      [
        ["Role", "Policies/Write", "template", "live"],
        ["Group", "#0", "template 0", "live 0"],
        ["Group", "#1", "template 1", "live 1"],
      ],
    );
  });
});

function hit(logicalId: string, detail?: string, severity?: Hit["severity"]): Hit {
  return { resource: { logicalId, type: "AWS::Test::Thing" }, message: `${logicalId} ${detail ?? ""} flawed`.replace("  ", " "), ...(detail ? { detail } : {}), ...(severity ? { severity } : {}) };
}

function drift(template: Hit[], live: Hit[]): DriftContext {
  return { intended: () => [], hits: { template: new Map([["r", template]]), live: new Map([["r", live]]) }, properties: [], physicalIdOf: () => undefined };
}

const RULE = { id: "r", severity: "medium" as const };

describe("compareRuleHits", () => {
  it("the live value is the less secure one when the rule fires live for a detail it does not fire on in the template", () => {
    const comparison = compareRuleHits(drift([hit("A", "port-443")], [hit("A", "port-443"), hit("A", "port-22")]), RULE, "A");
    assert.equal(comparison.liveLessSecure, true);
    assert.match(comparison.reason, /r fires on the live resource and not on the template \(A port-22 flawed\)/);
  });
  it("or at a higher severity on the same detail", () => {
    assert.equal(compareRuleHits(drift([hit("A", undefined, "medium")], [hit("A", undefined, "high")]), RULE, "A").liveLessSecure, true);
    assert.equal(compareRuleHits(drift([hit("A", undefined, "high")], [hit("A", undefined, "medium")]), RULE, "A").liveLessSecure, false);
    assert.equal(compareRuleHits(drift([hit("A")], [hit("A", undefined, "high")]), RULE, "A").liveLessSecure, true, "the rule's default severity stands for an unset one");
  });
  it("only hits on the resource count", () => {
    assert.equal(compareRuleHits(drift([], [hit("B")]), RULE, "A").liveLessSecure, false);
  });
  it("says when the template is the less secure side, or both are alike", () => {
    assert.match(compareRuleHits(drift([hit("A")], []), RULE, "A").reason, /the live value is the more secure one: r fires on the template and not on the live resource/);
    assert.match(compareRuleHits(drift([hit("A")], [hit("A")]), RULE, "A").reason, /the live value is not the less secure one: r judges both sides alike/);
    assert.equal(compareRuleHits({ ...drift([], []), hits: { template: new Map(), live: new Map() } }, RULE, "A").liveLessSecure, false);
  });
});
