import { lambdaFunctionViews } from "../../views/lambda-function.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "lambda-async-no-failure-destination",
  title: "Asynchronously invoked Lambda function drops failed events",
  severity: "low",
  description:
    "When SNS, S3, EventBridge (and other services that invoke asynchronously) hand an event to a function, Lambda retries " +
    "it twice and then discards it unless the function has a dead-letter queue (DeadLetterConfig) or an on-failure " +
    "destination (AWS::Lambda::EventInvokeConfig DestinationConfig.OnFailure). Failed security events, uploads or " +
    "notifications then vanish without trace. A DLQ on the SNS subscription or EventBridge target only covers delivery to " +
    "Lambda, not failures of the function itself. A function that consumes an SQS queue of the template through an event " +
    "source mapping is judged on the queue instead: without a RedrivePolicy a message that keeps failing is retried until the " +
    "queue's retention period deletes it. Functions only invoked synchronously (API Gateway, stream event source mappings, " +
    "custom resources) are not judged.",
  remediation:
    "Add an AWS::Lambda::EventInvokeConfig {FunctionName: !Ref Fn, Qualifier: $LATEST, MaximumRetryAttempts: 2, " +
    "DestinationConfig: {OnFailure: {Destination: !GetAtt FailureQueue.Arn}}} (or DeadLetterConfig: {TargetArn: " +
    "!GetAtt DeadLetterQueue.Arn} on the function), grant the function's role sqs:SendMessage/sns:Publish on it, and alarm " +
    "on the queue's depth. For an SQS event source, give the source queue a RedrivePolicy {deadLetterTargetArn: !GetAtt " +
    "SourceDLQ.Arn, maxReceiveCount: 5} and alarm on the dead-letter queue's ApproximateNumberOfMessagesVisible.",
  seeds: ["001 §3"],
  anchors: ["checkov CKV_AWS_116"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const fn of context.views(lambdaFunctionViews)) {
      for (const source of fn.sqsSources) {
        if (source.hasRedrive !== false) continue;
        hits.push({
          resource: { logicalId: fn.logicalId, type: fn.type, ...(fn.physicalId ? { physicalId: fn.physicalId } : {}) },
          message:
            `Function ${fn.logicalId} consumes SQS queue ${source.queue}${source.declaredBy && source.declaredBy !== fn.logicalId ? ` (${source.declaredBy})` : ""}, which has no RedrivePolicy: ` +
            "a message the function keeps failing on goes back to the queue after every visibility timeout and is retried until the " +
            "queue's MessageRetentionPeriod (4 days by default) deletes it, unseen; the function's DeadLetterConfig does not apply to SQS event sources",
          ...(source.at ? { path: source.at } : fn.at ? { path: fn.at } : {}),
          detail: `sqs-no-redrive:${source.queue}`,
          evidence: { queue: source.queue, declaredBy: source.declaredBy ?? null, redrivePolicy: null },
        });
      }
      if (fn.asyncInvokers.length === 0) continue;
      if (fn.deadLetterTarget !== undefined || fn.onFailureDestination !== undefined) continue;
      const services = [...new Set(fn.asyncInvokers.map((invoker) => invoker.service))];
      const declaredBy = [...new Set(fn.asyncInvokers.flatMap((invoker) => (invoker.declaredBy ? [invoker.declaredBy] : [])))];
      hits.push({
        resource: { logicalId: fn.logicalId, type: fn.type, ...(fn.physicalId ? { physicalId: fn.physicalId } : {}) },
        message:
          `Function ${fn.logicalId} is invoked asynchronously by ${services.join(", ")}${declaredBy.length > 0 ? ` (${declaredBy.join(", ")})` : " (as its resource policy allows)"} ` +
          `but has no DeadLetterConfig and no EventInvokeConfig OnFailure destination${context.source === "live" ? " live" : ""}, so events that fail every retry are dropped`,
        ...(fn.at ? { path: fn.at } : {}),
        evidence: { invokers: fn.asyncInvokers.map((invoker) => ({ service: invoker.service, declaredBy: invoker.declaredBy })), deadLetterTarget: null, onFailureDestination: null },
      });
    }
    return hits;
  },
});
