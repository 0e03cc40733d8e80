import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate, TemplateParseError, type TemplatePath } from "../../shared/template/parse.ts";
import { NOT_STRICT_JSON, readStrictJson } from "../../shared/template/strict-json.ts";

const TEMPLATE = [
  "{",
  '  "AWSTemplateFormatVersion": "2010-09-09",',
  '  "Parameters": {"Env": {"Type": "String", "Default": "prod", "AllowedValues": ["prod", "dev"]}},',
  '  "Resources": {',
  '    "Bucket": {',
  '      "Type": "AWS::S3::Bucket",',
  '      "Properties": {',
  '        "BucketName": {"Fn::Sub": "logs-${AWS::AccountId}"},',
  '        "Tags": [ {"Key": "a\\"b\\\\c\\u00e9\\n", "Value": 1.5e3},',
  '                  {"Key": "n", "Value": -0.25}, {"Key": "t", "Value": true}, {"Key": "z", "Value": null} ],',
  '        "Empty": {}, "None": []',
  "      }",
  "    }",
  "  }",
  "}",
].join("\n");

/** Every path of the plain data, and a missing child under each. */
function pathsOf(node: unknown, path: (string | number)[] = []): TemplatePath[] {
  const children = Array.isArray(node)
    ? node.flatMap((item, index) => pathsOf(item, [...path, index]))
    : node !== null && typeof node === "object"
      ? Object.entries(node).flatMap(([key, value]) => pathsOf(value, [...path, key]))
      : [];
  return [path, [...path, "Missing"], [...path, 7], ...children];
}

test("reads strict JSON as JSON.parse does", () => {
  assert.deepEqual(readStrictJson(TEMPLATE, 400), JSON.parse(TEMPLATE));
});

test("gives the same data and positions as the YAML reader, LF and CRLF", () => {
  for (const text of [TEMPLATE, TEMPLATE.replace(/\n/g, "\r\n")]) {
    const fast = parseTemplate(text);
    // Text after the document is not strict JSON: the YAML reader reads this one.
    const slow = parseTemplate(`${text}\n# read by the YAML reader\n`);
    assert.equal(fast.format, "json");
    assert.deepEqual(fast.body, slow.body);
    for (const path of pathsOf(fast.body)) assert.deepEqual(fast.positionOf(path), slow.positionOf(path), JSON.stringify(path));
  }
  assert.deepEqual(parseTemplate(TEMPLATE).positionOf(["Resources", "Bucket", "Properties", "Tags", 1, "Value"]), { line: 10, column: 32 });
});

test("gives up on anything but strict JSON, and the YAML reader then judges it", () => {
  const lenient = [
    '{"Resources": {"A": {"Type": "X",}}}',
    "{'Resources': {}}",
    '{"Resources": {"A": {"Type": "X"}}} # comment',
    '{"Resources": {"A": {"Type": "X\ty"}}}',
    '{"Resources": {"A": {"Type": "\\x41"}}}',
    '{"Resources": {"A": {"Type": 0123}}}',
    '{"Resources": {}, "__proto__": {"Type": "X"}}',
    `{"Resources": {"A": ${"[".repeat(500)}${"]".repeat(500)}}}`,
    '{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}',
    '{"Resources": {"A": {"Type": "X"}}',
  ];
  for (const text of lenient) assert.equal(readStrictJson(text, 400), NOT_STRICT_JSON, text);
  assert.deepEqual(parseTemplate(lenient[0]!).body, { Resources: { A: { Type: "X" } } });
  assert.throws(
    () => parseTemplate('{\n  "Resources": {\n    "A": {"Type": "X"},\n    "A": {"Type": "Y"}\n  }\n}\n'),
    (error: unknown) => error instanceof TemplateParseError && /duplicate key "A"/.test(error.message) && error.position?.line === 4,
  );
});

test("reports a Resources section that is not a mapping at its key", () => {
  assert.throws(
    () => parseTemplate('{\n  "Resources": ["A"]\n}'),
    (error: unknown) => error instanceof TemplateParseError && /Resources must be a mapping/.test(error.message) && error.position?.line === 2 && error.position.column === 3,
  );
});
