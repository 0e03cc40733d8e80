/**
 * Inputs the fuzz suite found that crashed a rule, hung the scan or took seconds, each reduced to a small fixture or
 * generator, with what must hold now. Timed assertions are the issue's own budget: 1 s of CPU per template.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { nameTokens } from "../../shared/rules/secretsmanager/secret-values.ts";
import { scanTemplate, type ScanResult } from "../../shared/scan.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { Unknown } from "../../shared/template/values.ts";
import { actionMatches, wildcardMatches } from "../../shared/views/policy-document.ts";
import { fixture } from "../helpers.ts";
import { CPU_LIMIT_MS } from "./report.ts";

function scanWithinBudget(text: string): ScanResult {
  const before = process.cpuUsage();
  const result = scanTemplate(text, { file: "regression" });
  const spent = process.cpuUsage(before);
  const ms = (spent.user + spent.system) / 1000;
  assert.ok(ms < CPU_LIMIT_MS, `scan took ${Math.round(ms)} ms of CPU`);
  return result;
}

test("names of Object.prototype's members are only what the template says they are", () => {
  const text = readFileSync(fixture(import.meta.url, "prototype-keys.yaml"), "utf8");
  const result = scanTemplate(text, { file: "prototype-keys.yaml" });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.findings.filter((finding) => finding.resource.logicalId === "NotAPrincipal").map((finding) => finding.ruleId), []);

  const [defaults] = resolveTemplate(parseTemplate(text));
  assert.ok(defaults!.resources.has("__proto__"), "a resource named __proto__ is a resource, not the prototype of Resources");
  const bucket = defaults!.resources.get("Bucket")!.properties;
  assert.ok(bucket.BucketName instanceof Unknown, "Fn::If over an undefined condition named toString is unknown, not its true branch");
  assert.ok(bucket.constructor instanceof Unknown, "Ref constructor is an undefined reference, not Object");
  const [tag] = bucket.Tags as Record<string, unknown>[];
  assert.ok(tag!.Value instanceof Unknown, "FindInMap with a prototype member's name as a key finds nothing");
});

test("an alias bomb in a large template is rejected within the budget", () => {
  // yaml's Alias.resolve walked the whole document on every alias: seconds here, minutes for a 1 MB template.
  const resources = Array.from({ length: 2_000 }, (_, index) => `  Topic${index}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: topic-${index}`).join("\n");
  const bomb = ["Bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let level = 1; level < 9; level++) bomb.push(`Bomb${level}: &b${level} [${Array(10).fill(`*b${level - 1}`).join(", ")}]`);
  const text = `${bomb.join("\n")}\nResources:\n  Target:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement: *b8\n${resources}\n`;
  const result = scanWithinBudget(text);
  assert.equal(result.findings.length, 0);
  assert.match(result.errors[0]?.message ?? "", /too many nodes \(a YAML alias bomb\?\)/);
});

test("a huge Fn::Split in an ARN list and a property list is judged on its first items, without overflowing the stack", () => {
  const template = {
    Resources: {
      Policy: {
        Type: "AWS::IAM::ManagedPolicy",
        Properties: { PolicyDocument: { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: { "Fn::Split": ["", "a".repeat(300_000)] } }] } },
      },
      Bucket: { Type: "AWS::S3::Bucket", Properties: { OwnershipControls: { Rules: { "Fn::Split": ["", "r".repeat(300_000)] } } } },
    },
  };
  const result = scanWithinBudget(JSON.stringify(template));
  assert.deepEqual(result.errors, []);
  const count = (ruleId: string, logicalId: string) => result.findings.filter((finding) => finding.ruleId === ruleId && finding.resource.logicalId === logicalId).length;
  assert.equal(count("template-invalid-arn-reference", "Policy"), 1_000);
  assert.equal(count("template-invalid-property-value", "Bucket"), 1_000);
});

test("IAM wildcards match without a regular expression: no backtracking, no pattern too large", () => {
  // As a regular expression this pattern took minutes against a 40-character action.
  assert.equal(actionMatches(`kms:${"*a".repeat(14)}*b`, `kms:${"a".repeat(40)}`), false);
  assert.equal(actionMatches(`s3:${"x".repeat(2_000_000)}*`, "s3:GetObject"), false);
  const cases: [string, string, boolean][] = [
    ["*", "", true],
    ["*", "kms:decrypt", true],
    ["kms:*", "kms:decrypt", true],
    ["kms:de*t", "kms:decrypt", true],
    ["kms:de*t", "kms:decrypts", false],
    ["kms:?ecrypt", "kms:decrypt", true],
    ["kms:?", "kms:", false],
    ["s3:*object*", "s3:getobjectacl", true],
    ["a*b*c", "abxbc", true],
    ["a*b*c", "acb", false],
    ["a.b", "axb", false],
    ["", "", true],
    ["**", "x", true],
  ];
  for (const [pattern, text, expected] of cases) assert.equal(wildcardMatches(pattern, text), expected, `${pattern} vs ${text}`);
  assert.equal(actionMatches("KMS:Decrypt", "kms:decrypt"), true);
});

test("a long run of capitals in a name is split into words in linear time", () => {
  assert.deepEqual(nameTokens("HTTPServerPassword"), ["http", "server", "password"]);
  assert.deepEqual(nameTokens("DBPassword"), ["db", "password"]);
  assert.deepEqual(nameTokens("ABcDEf"), ["a", "bc", "d", "ef"]);
  const before = process.cpuUsage();
  assert.deepEqual(nameTokens(`${"A".repeat(500_000)}Bc`), [`${"a".repeat(500_000)}`, "bc"]);
  const spent = process.cpuUsage(before);
  assert.ok((spent.user + spent.system) / 1000 < CPU_LIMIT_MS);
});

test("a Ref to a 900 KB name among many declared names is reported within the budget (no suggestion search per name)", () => {
  const parameters = Object.fromEntries(Array.from({ length: 2_000 }, (_, index) => [`Parameter${index}`, { Type: "String" }]));
  const name = " ".repeat(900_000);
  const template = { Parameters: parameters, Resources: { Topic: { Type: "AWS::SNS::Topic", Properties: { TopicName: { Ref: name } } } } };
  const result = scanWithinBudget(JSON.stringify(template));
  assert.ok(result.findings.some((finding) => finding.ruleId === "template-unresolved-reference" && finding.resource.logicalId === "Topic"));
});
