import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "apigw-config-weak";

test("flags unvalidated input-taking methods and EDGE APIs fronted by the template's own distribution", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["BodyApi", "CreateItem", "DefaultEdgeApi", "EdgeApi", "PatchItem", "SearchItems", "UpdateItem"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(byId("CreateItem").message, "Method CreateItem POST /items of REST API Api takes input without request validation");
  assert.equal(byId("CreateItem").severity, "low");
  assert.match(byId("UpdateItem").message, /PUT \/items\/\{id\}.*validator nothing validates neither body nor parameters/);
  assert.match(byId("SearchItems").message, /GET \/items/);
  assert.match(byId("PatchItem").message, /only when IsStrict=false/);
  assert.match(byId("BodyApi").message, /^Operation POST \/orders of REST API BodyApi/);
  assert.match(byId("EdgeApi").message, /declared EDGE yet the template fronts it with its own CloudFront distribution Distribution/);
  assert.match(byId("DefaultEdgeApi").message, /EDGE by default \(no EndpointConfiguration\)/);
});

test("flags the JSON long form: ANY with request models at the root resource", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["AnyProxy"]);
  assert.match(findings[0]!.message, /ANY \/ of REST API Api/);
});

test("stays quiet on validated methods, reads, preflights, OpenAPI validators and unfronted EDGE APIs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
