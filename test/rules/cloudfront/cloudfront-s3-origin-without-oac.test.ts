import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudfront-s3-origin-without-oac";

test("flags S3 origins without origin access control: open, legacy OAI (low), website endpoints, !If branches", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["Conditional", "Conditional", "Legacy", "LoosePolicy", "Open", "Website", "Website"]);
  const byId = (id: string) => findings.filter((finding) => finding.resource.logicalId === id);
  const open = byId("Open")[0]!;
  assert.equal(open.severity, "medium");
  assert.match(open.message, /reads S3 origin assets \(bucket Bucket\) with neither an origin access control nor an origin access identity/);
  const legacy = byId("Legacy")[0]!;
  assert.equal(legacy.severity, "low");
  assert.match(legacy.message, /legacy origin access identity \(origin-access-identity\/cloudfront\/\$\{Oai\}\)/);
  assert.deepEqual(byId("Website").map((finding) => finding.message.match(/origin (\S+) through the S3 website endpoint/)?.[1]).sort(), ["literal-site", "site"]);
  const loose = byId("LoosePolicy")[0]!;
  assert.match(loose.message, /bucket policy lets cloudfront\.amazonaws\.com read with no aws:SourceArn or aws:SourceAccount condition/);
  assert.equal(loose.location?.line, 87);
  const conditional = byId("Conditional").map((finding) => finding.message).sort();
  assert.match(conditional[0]!, /S3 origin assets \(bucket Bucket\).*only when WithOac=false/);
  assert.match(conditional[1]!, /S3 origin media with neither/);
});

test("flags the JSON long form (Fn::Join of the bucket's REST domain)", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on OAC-protected buckets whose policy names the distribution, and on non-S3 origins", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
