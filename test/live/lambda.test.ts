import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { LambdaReader } from "../../shared/live/lambda.ts";
import { LiveSession } from "../../shared/live/session.ts";
import lambdaAsyncNoFailureDestination from "../../shared/rules/lambda/lambda-async-no-failure-destination.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { lambdaFunctionViews } from "../../shared/views/lambda-function.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { MOTO_ACCOUNT, motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const FN = (name: string) => `arn:aws:lambda:eu-west-1:111122223333:function:${name}`;
const FAILURES = "arn:aws:sqs:eu-west-1:111122223333:failures";

const TEMPLATE = `
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Ingest:
    Type: AWS::Lambda::Function
    Properties: { FunctionName: ingest, Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::111122223333:role/fn, Code: { ZipFile: "def handler(e, c): pass" } }
  IngestSubscription:
    Type: AWS::SNS::Subscription
    Properties: { TopicArn: !Ref Alerts, Protocol: lambda, Endpoint: !GetAtt Ingest.Arn }
  Worker:
    Type: AWS::Lambda::Function
    Properties: { FunctionName: worker, Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::111122223333:role/fn, Code: { ZipFile: "def handler(e, c): pass" } }
  WorkerRule:
    Type: AWS::Events::Rule
    Properties: { ScheduleExpression: rate(5 minutes), Targets: [{ Id: worker, Arn: !GetAtt Worker.Arn }] }
  WorkerPermission:
    Type: AWS::Lambda::Permission
    Properties: { FunctionName: !Ref Worker, Action: lambda:InvokeFunction, Principal: events.amazonaws.com, SourceArn: !GetAtt WorkerRule.Arn }
  WorkerInvokeConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: { FunctionName: !Ref Worker, Qualifier: $LATEST, DestinationConfig: { OnFailure: { Destination: ${FAILURES} } } }
  Api:
    Type: AWS::Lambda::Function
    Properties: { FunctionName: api, Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::111122223333:role/fn, Code: { ZipFile: "def handler(e, c): pass" } }
`;

function policy(...statements: { sid: string; service: string }[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "default",
    Statement: statements.map(({ sid, service }) => ({ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: "lambda:InvokeFunction", Resource: FN("x") })),
  });
}

const STACK_RESOURCES = [
  resource("Alerts", "AWS::SNS::Topic", "arn:aws:sns:eu-west-1:111122223333:alerts"),
  resource("Ingest", "AWS::Lambda::Function", "ingest"),
  resource("IngestSubscription", "AWS::SNS::Subscription", "arn:aws:sns:eu-west-1:111122223333:alerts:0f0e"),
  resource("Worker", "AWS::Lambda::Function", "worker"),
  resource("WorkerRule", "AWS::Events::Rule", "app-WorkerRule-1A2B"),
  resource("WorkerPermission", "AWS::Lambda::Permission", "app-WorkerPermission-3C4D"),
  resource("WorkerInvokeConfig", "AWS::Lambda::EventInvokeConfig", "worker-$LATEST"),
  resource("Api", "AWS::Lambda::Function", "api"),
];

describe("LambdaReader against a mocked Lambda", () => {
  let lambda: AwsClientStub<LambdaClient>;
  before(() => {
    lambda = mockClient(LambdaClient);
  });
  afterEach(() => lambda.reset());
  after(() => lambda.restore());

  function deployed(options: { workerDestination: boolean }): void {
    for (const name of ["ingest", "worker", "api"]) lambda.on(GetFunctionConfigurationCommand, { FunctionName: name }).resolves({ FunctionName: name, FunctionArn: FN(name) });
    lambda.on(ListFunctionEventInvokeConfigsCommand).resolves({ FunctionEventInvokeConfigs: [] });
    if (options.workerDestination) {
      lambda.on(ListFunctionEventInvokeConfigsCommand, { FunctionName: "worker", Marker: undefined }).resolves({ FunctionEventInvokeConfigs: [{ FunctionArn: `${FN("worker")}:live`, MaximumRetryAttempts: 1 }], NextMarker: "page-2" });
      lambda.on(ListFunctionEventInvokeConfigsCommand, { FunctionName: "worker", Marker: "page-2" }).resolves({ FunctionEventInvokeConfigs: [{ FunctionArn: `${FN("worker")}:$LATEST`, DestinationConfig: { OnFailure: { Destination: FAILURES } } }] });
    }
    lambda.on(GetPolicyCommand, { FunctionName: "ingest" }).resolves({ Policy: policy({ sid: "app-IngestPermission-9Z", service: "sns.amazonaws.com" }) });
    lambda.on(GetPolicyCommand, { FunctionName: "worker" }).resolves({ Policy: policy({ sid: "app-WorkerPermission-3C4D", service: "events.amazonaws.com" }) });
    lambda.on(GetPolicyCommand, { FunctionName: "api" }).rejects(awsError("ResourceNotFoundException", 404, "The resource you requested does not exist."));
  }

  it("reads each function's dead-letter queue, event invoke configs (every page) and resource policy once", async () => {
    deployed({ workerDestination: true });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: "ingest" }).resolves({ FunctionName: "ingest", FunctionArn: FN("ingest"), DeadLetterConfig: { TargetArn: FAILURES } });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(LambdaReader);
    await reader.load(STACK_RESOURCES);
    await reader.load(STACK_RESOURCES);
    assert.equal(session.calls.get("lambda:GetFunctionConfiguration"), 3);
    assert.equal(session.calls.get("lambda:ListFunctionEventInvokeConfigs"), 4);
    assert.equal(session.calls.get("lambda:GetPolicy"), 3);
    assert.deepEqual(session.failures, []);
    assert.deepEqual(reader.function("worker"), {
      name: "worker",
      arn: FN("worker"),
      invokeConfigRead: true,
      onFailureDestination: FAILURES,
      maximumRetryAttempts: 1,
      permissions: [{ sid: "app-WorkerPermission-3C4D", services: ["events.amazonaws.com"] }],
    });
    assert.equal(reader.function("ingest")?.deadLetterTarget, FAILURES);
    assert.deepEqual(reader.function("api")?.permissions, [], "no resource policy is an answer: nothing may invoke it");
  });

  it("judges the live functions: invokers from the deployed template and the resource policy, destinations from the live configs", async () => {
    deployed({ workerDestination: false });
    lambda.on(GetPolicyCommand, { FunctionName: "api" }).resolves({ Policy: policy({ sid: "added-by-hand", service: "sns.amazonaws.com" }, { sid: "gateway", service: "apigateway.amazonaws.com" }) });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, STACK_RESOURCES);
    await session.reader(LambdaReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [lambdaAsyncNoFailureDestination] });

    const views = new Map(lambdaFunctionViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual(
      views.get("Worker")?.asyncInvokers.map((invoker) => [invoker.service, invoker.declaredBy]),
      [
        ["events", "WorkerRule"],
        ["events", "WorkerPermission"],
      ],
      "the live statement granted by WorkerPermission is the template's permission, not a second one",
    );
    assert.equal(views.get("Worker")?.physicalId, "worker");
    assert.equal(views.get("Worker")?.at, undefined);

    const byId = new Map(result.findings.map((finding) => [finding.resource.logicalId, finding]));
    assert.deepEqual([...byId.keys()].sort(), ["Api", "Ingest", "Worker"]);
    for (const finding of byId.values()) assert.equal(finding.source, "live");
    assert.equal(byId.get("Ingest")!.evidence.alsoInTemplate, true);
    assert.equal(byId.get("Worker")!.evidence.alsoInTemplate, undefined, "the template configures a destination: only live lacks it");
    assert.equal(byId.get("Api")!.resource.physicalId, "api");
    assert.match(byId.get("Api")!.message, /invoked asynchronously by sns \(as its resource policy allows\)/);
  });

  it("stays quiet on a function whose destination and queue exist live, and on one only invoked synchronously", async () => {
    deployed({ workerDestination: true });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: "ingest" }).resolves({ FunctionName: "ingest", FunctionArn: FN("ingest"), DeadLetterConfig: { TargetArn: FAILURES } });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, STACK_RESOURCES);
    await session.reader(LambdaReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [lambdaAsyncNoFailureDestination] });
    assert.deepEqual(result.findings.filter((finding) => finding.source === "live"), []);
    assert.deepEqual(lambdaFunctionViews.fromLive!(stack).map((view) => view.logicalId).sort(), ["Api", "Ingest", "Worker"]);
  });

  it("records access denied, throttling and a malformed policy; a function it cannot judge gets no view, the rest are judged", async () => {
    deployed({ workerDestination: false });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: "ingest" }).rejects(awsError("AccessDeniedException", 403, "not authorized to perform: lambda:GetFunctionConfiguration"));
    lambda.on(ListFunctionEventInvokeConfigsCommand, { FunctionName: "worker" }).rejects(awsError("TooManyRequestsException", 429, "Rate exceeded"));
    lambda.on(GetPolicyCommand, { FunctionName: "api" }).resolves({ Policy: "{'Version': '2012-10-17', 'Statement': []}" });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, STACK_RESOURCES);
    await session.reader(LambdaReader).load(stack.resources);
    assert.deepEqual(
      session.failures.map((failure) => [failure.operation, failure.target, failure.kind]).sort(),
      [
        ["GetFunctionConfiguration", "ingest", "access-denied"],
        ["GetPolicy", "api", "malformed-response"],
        ["ListFunctionEventInvokeConfigs", "worker", "throttled"],
      ],
    );
    assert.equal(session.calls.get("lambda:GetPolicy"), 2, "a function whose configuration failed is not read further");
    const views = lambdaFunctionViews.fromLive!(stack);
    assert.deepEqual(views.map((view) => view.logicalId), ["Api"]);
    assert.equal(views[0]!.asyncInvokers.length, 0);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [lambdaAsyncNoFailureDestination] });
    assert.deepEqual(result.findings.map((finding) => [finding.resource.logicalId, finding.source]), [["Ingest", "template"]]);
  });
});

describe("LambdaReader falls back to the unqualified invoke config when the list is unreadable", () => {
  let lambda: AwsClientStub<LambdaClient>;
  before(() => {
    lambda = mockClient(LambdaClient);
  });
  after(() => lambda.restore());

  it("reads $LATEST's destination, and takes no config there as none", async () => {
    for (const name of ["kept", "bare"]) lambda.on(GetFunctionConfigurationCommand, { FunctionName: name }).resolves({ FunctionName: name, FunctionArn: FN(name) });
    lambda.on(ListFunctionEventInvokeConfigsCommand).rejects(Object.assign(new TypeError("Expected real number, got implicit NaN\n  Deserialization error"), { $metadata: { httpStatusCode: 200 } }));
    lambda.on(GetFunctionEventInvokeConfigCommand, { FunctionName: "kept" }).resolves({ FunctionArn: FN("kept"), DestinationConfig: { OnFailure: { Destination: FAILURES } } });
    lambda.on(GetFunctionEventInvokeConfigCommand, { FunctionName: "bare" }).rejects(awsError("ResourceNotFoundException", 404, "The function bare doesn't have an EventInvokeConfig"));
    lambda.on(GetPolicyCommand).resolves({ Policy: policy({ sid: "s3", service: "s3.amazonaws.com" }) });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [resource("Kept", "AWS::Lambda::Function", "kept"), resource("Bare", "AWS::Lambda::Function", "bare")]);
    await session.reader(LambdaReader).load(stack.resources);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind, failure.target]).sort(), [
      ["ListFunctionEventInvokeConfigs", "malformed-response", "bare"],
      ["ListFunctionEventInvokeConfigs", "malformed-response", "kept"],
    ]);
    assert.equal(session.reader(LambdaReader).function("kept")?.onFailureDestination, FAILURES);
    const findings = judgeLiveStack(stack, undefined, { rules: [lambdaAsyncNoFailureDestination] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.source]), [["Bare", "live"]]);
  });
});

describe("LambdaReader against moto", () => {
  const moto = motoForTests();

  // moto 5.2 does not model DeadLetterConfig (CreateFunction drops it, GetFunctionConfiguration never returns it):
  // dead-letter queues are covered by the mocked tests only.
  it("reads on-failure destinations and permissions of functions created through the Lambda API", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const config = motoClientConfig(server.endpoint);
    const role = await new IAMClient(config).send(
      new CreateRoleCommand({ RoleName: "fn", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }),
    );
    const client = new LambdaClient(config);
    // An empty zip archive: reading configuration never runs the code (nor needs moto's docker).
    const zip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
    const dlq = `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:dlq`;
    const create = (name: string) => client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "python3.12", Handler: "index.handler", Role: role.Role!.Arn!, Code: { ZipFile: zip } }));
    await create("destined");
    await create("dropped");
    await create("synchronous");
    await client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: "destined", DestinationConfig: { OnFailure: { Destination: dlq } } }));
    for (const name of ["destined", "dropped"]) {
      await client.send(new AddPermissionCommand({ FunctionName: name, StatementId: `${name}-from-sns`, Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com" }));
    }

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, ["destined", "dropped", "synchronous", "missing"].map((name) => resource(name[0]!.toUpperCase() + name.slice(1), "AWS::Lambda::Function", name)));
    await session.reader(LambdaReader).load(stack.resources);
    const views = new Map(lambdaFunctionViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.equal(views.get("Destined")?.onFailureDestination, dlq);
    assert.deepEqual(views.get("Dropped")?.asyncInvokers.map((invoker) => invoker.service), ["sns"]);
    assert.deepEqual(views.get("Synchronous")?.asyncInvokers, []);
    assert.equal(views.has("Missing"), false);
    // moto 5.2 lists an existing event invoke config with a LastModified the SDK cannot read: recorded, then the
    // unqualified GetFunctionEventInvokeConfig answers instead. An empty list reads fine.
    assert.deepEqual(
      session.failures.map((failure) => [failure.operation, failure.kind, failure.target]).sort(),
      [
        ["GetFunctionConfiguration", "not-found", "missing"],
        ["ListFunctionEventInvokeConfigs", "malformed-response", "destined"],
      ],
    );
    const findings = judgeLiveStack(stack, undefined, { rules: [lambdaAsyncNoFailureDestination] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId]), [["Dropped", "live", "dropped"]]);
  });
});
