/** CloudFormationDriftReader against moto, whose drift APIs answer HTTP 500: the scan notes it and goes on. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { CloudFormationDriftReader } from "../../shared/live/cloudformation-drift.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { MOTO_REGION, motoClientConfig, motoForTests } from "./moto.ts";

const moto = motoForTests();

test("drift detection on moto is a scan note, never a failed read, and gives no report", async (t) => {
  const server = moto.need(t);
  if (!server) return;
  const cloudformation = new CloudFormationClient(motoClientConfig(server.endpoint));
  const created = await cloudformation.send(new CreateStackCommand({ StackName: "drift-on-moto", TemplateBody: JSON.stringify({ Resources: { Topic: { Type: "AWS::SNS::Topic" } } }) }));
  const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
  const reader = session.reader(CloudFormationDriftReader);
  await reader.detect([created.StackId!], 5_000, 100);
  assert.deepEqual(session.failures, []);
  assert.equal(reader.report(created.StackId!), undefined);
  assert.equal(session.notes.length, 1);
  assert.match(session.notes[0]!, /drift-on-moto.*cloudformation:DetectStackDrift failed, server-error: AWS answered with a server error 500/);
});
