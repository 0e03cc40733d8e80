import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { CloudFormationReader } from "../../shared/live/cloudformation.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { awsError } from "./hand-stack.ts";

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => cloudformation.reset());
after(() => cloudformation.restore());

const ARN = (name: string) => `arn:aws:cloudformation:eu-west-1:111122223333:stack/${name}/0a1b2c3d-0000-0000-0000-000000000000`;

function reader(): { session: LiveSession; cfn: CloudFormationReader } {
  const session = new LiveSession({ region: "eu-west-1" });
  return { session, cfn: session.reader(CloudFormationReader) };
}

describe("CloudFormationReader", () => {
  it("lists the active stacks of a region over every page, with parameters, NoEcho values left out", async () => {
    cloudformation
      .on(DescribeStacksCommand, { NextToken: undefined })
      .resolves({
        Stacks: [
          { StackName: "app", StackId: ARN("app"), StackStatus: "UPDATE_COMPLETE", CreationTime: new Date(), Parameters: [{ ParameterKey: "Env", ParameterValue: "prod" }, { ParameterKey: "DbPassword", ParameterValue: "****" }] },
          { StackName: "gone", StackId: ARN("gone"), StackStatus: "DELETE_COMPLETE", CreationTime: new Date() },
        ],
        NextToken: "page-2",
      })
      .on(DescribeStacksCommand, { NextToken: "page-2" })
      .resolves({
        Stacks: [
          { StackName: "failed", StackId: ARN("failed"), StackStatus: "ROLLBACK_COMPLETE", CreationTime: new Date() },
          { StackName: "network", StackId: ARN("network"), StackStatus: "CREATE_COMPLETE", CreationTime: new Date(), Parameters: [{ ParameterKey: "Ami", ParameterValue: "/aws/ami", ResolvedValue: "ami-123" }] },
        ],
      });
    const { session, cfn } = reader();
    const stacks = await cfn.activeStacks();
    assert.deepEqual(
      stacks?.map((stack) => [stack.name, stack.account, stack.region, stack.parameters, stack.maskedParameters]),
      [
        ["app", "111122223333", "eu-west-1", { Env: "prod" }, ["DbPassword"]],
        ["network", "111122223333", "eu-west-1", { Ami: "ami-123" }, []],
      ],
    );
    assert.equal(session.calls.get("cloudformation:DescribeStacks"), 2);
  });

  it("tells a stack that does not exist from one it could not read", async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: "nope" }).rejects(awsError("ValidationError", 400, "Stack with id nope does not exist"));
    cloudformation.on(DescribeStacksCommand, { StackName: "secret" }).rejects(awsError("AccessDenied", 403));
    const { session, cfn } = reader();
    assert.deepEqual(await cfn.stack("nope"), { missing: true });
    assert.equal(await cfn.stack("secret"), undefined);
    assert.deepEqual(
      session.failures.map((failure) => [failure.kind, failure.target]),
      [["access-denied", "secret"]],
    );
    assert.match(session.failures[0]!.message, /grant cloudformation:DescribeStacks/);
  });

  it("reads the processed template, and the original when the processed stage is refused", async () => {
    cloudformation.on(GetTemplateCommand, { StackName: ARN("sam"), TemplateStage: "Processed" }).resolves({ TemplateBody: '{"Resources":{"Fn":{"Type":"AWS::Lambda::Function"}}}' });
    cloudformation.on(GetTemplateCommand, { StackName: ARN("old"), TemplateStage: "Processed" }).rejects(awsError("ValidationError", 400));
    cloudformation.on(GetTemplateCommand, { StackName: ARN("old"), TemplateStage: "Original" }).resolves({ TemplateBody: "Resources: {}\n" });
    const { cfn } = reader();
    assert.deepEqual(await cfn.template(ARN("sam")), { body: '{"Resources":{"Fn":{"Type":"AWS::Lambda::Function"}}}', stage: "Processed" });
    assert.deepEqual(await cfn.template(ARN("old")), { body: "Resources: {}\n", stage: "Original" });
  });

  it("records a template body that is not text as a malformed response", async () => {
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: undefined });
    const { session, cfn } = reader();
    assert.equal(await cfn.template(ARN("odd")), undefined);
    assert.deepEqual(session.failures.map((failure) => failure.kind), ["malformed-response"]);
  });

  it("lists a stack's resources over every page", async () => {
    cloudformation
      .on(ListStackResourcesCommand, { StackName: ARN("app"), NextToken: undefined })
      .resolves({
        StackResourceSummaries: [{ LogicalResourceId: "Key", PhysicalResourceId: "1234abcd-12ab-34cd-56ef-1234567890ab", ResourceType: "AWS::KMS::Key", ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date() }],
        NextToken: "more",
      })
      .on(ListStackResourcesCommand, { StackName: ARN("app"), NextToken: "more" })
      .resolves({
        StackResourceSummaries: [{ LogicalResourceId: "Pending", ResourceType: "AWS::EC2::SecurityGroup", ResourceStatus: "CREATE_IN_PROGRESS", LastUpdatedTimestamp: new Date() }],
      });
    const { session, cfn } = reader();
    assert.deepEqual(await cfn.resources(ARN("app")), [
      { logicalId: "Key", physicalId: "1234abcd-12ab-34cd-56ef-1234567890ab", type: "AWS::KMS::Key", status: "CREATE_COMPLETE" },
      { logicalId: "Pending", type: "AWS::EC2::SecurityGroup", status: "CREATE_IN_PROGRESS" },
    ]);
    assert.equal(session.calls.get("cloudformation:ListStackResources"), 2);
  });

  it("records entries without a logical id or type once per listing, and keeps the rest", async () => {
    cloudformation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        { LogicalResourceId: "", ResourceType: "", ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: "Topic", PhysicalResourceId: "arn:aws:sns:eu-west-1:111122223333:alerts", ResourceType: "AWS::SNS::Topic", ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date() },
        { LogicalResourceId: "", ResourceType: "", ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date() },
      ],
    });
    const { session, cfn } = reader();
    assert.deepEqual((await cfn.resources(ARN("odd")))?.map((resource) => resource.logicalId), ["Topic"]);
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.message, failure.target]), [["malformed-response", "ListStackResources returned 2 entries without a logical id or type", ARN("odd")]]);
  });

  it("stops paginating when an endpoint hands back the token it was given", async () => {
    cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [], NextToken: "same" });
    const { session, cfn } = reader();
    assert.deepEqual(await cfn.resources(ARN("loop")), []);
    assert.equal(session.calls.get("cloudformation:ListStackResources"), 2);
  });
});
