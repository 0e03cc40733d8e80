import assert from "node:assert/strict";
import { test } from "node:test";
import { LiveSession } from "../../shared/live/session.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { configRegionViews } from "../../shared/views/config-recorder.ts";
import { securityHubViews } from "../../shared/views/security-hub.ts";
import { handAccount, handStack } from "../live/hand-stack.ts";

test("account-level views have no template form, even for a template that declares the resource", () => {
  const [resolved] = resolveTemplate(parseTemplate("Resources:\n  Hub:\n    Type: AWS::SecurityHub::Hub\n  Recorder:\n    Type: AWS::Config::ConfigurationRecorder\n    Properties: { RoleARN: r }\n"));
  assert.deepEqual(securityHubViews.fromTemplate(resolved!), []);
  assert.deepEqual(configRegionViews.fromTemplate(resolved!), []);
});

test("before its reader loaded, or for a stack, the Security Hub view is not built (nothing is assumed)", () => {
  const session = new LiveSession({ region: "eu-west-1" });
  assert.deepEqual(securityHubViews.fromLive!(handAccount(session)), []);
  assert.deepEqual(securityHubViews.fromLive!(handStack(session, [])), []);
  assert.deepEqual(configRegionViews.fromLive!(handAccount(session)), []);
});
