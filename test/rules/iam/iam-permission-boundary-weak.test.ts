import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "iam-permission-boundary-weak";
const find = (findings: Finding[], logicalId: string, pattern: RegExp) =>
  findings.find((finding) => finding.resource.logicalId === logicalId && pattern.test(finding.message));

test("flags boundaries that allow destructive data actions or lack explicit denies of iam, organizations and account", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["NamedBoundary", "SeedBoundary", "SeedBoundary", "StarBoundary", "StarBoundary"]);
  const seedDestructive = find(findings, "SeedBoundary", /allows destructive data actions: s3:DeleteObject$/);
  assert.ok(seedDestructive);
  assert.equal(seedDestructive.severity, "medium");
  assert.match(seedDestructive.message, /boundary of role AppRole/);
  const seedDenies = find(findings, "SeedBoundary", /no explicit Deny of iam:\*, organizations:\*, account:\*/);
  assert.equal(seedDenies?.severity, "low");
  const starDenies = find(findings, "StarBoundary", /no explicit Deny of organizations:\*, account:\*, and its Allow reaches/);
  assert.equal(starDenies?.severity, "medium");
  assert.match(find(findings, "StarBoundary", /destructive/)!.message, /s3:DeleteObject, .*dynamodb:DeleteTable/);
  assert.match(find(findings, "NamedBoundary", /destructive/)!.message, /boundary of role TableRole.*dynamodb:DeleteTable/);
});

test("flags the JSON long form: a NotAction boundary named by a Fn::Join ARN and by Ref", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormBoundary", "LongFormBoundary"]);
  assert.ok(find(findings, "LongFormBoundary", /no explicit Deny of account:\*/));
  assert.ok(find(findings, "LongFormBoundary", /boundary of role BoundedRole, role OtherRole\).*s3:DeleteBucket/));
});

test("stays quiet on minimal or fully guarded boundaries, identity policies and boundaries outside the template", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
