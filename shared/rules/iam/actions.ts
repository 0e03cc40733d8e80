import { describeAttachments, type IamPolicyView } from "../../views/iam-policy.ts";
import { actionMatches, type PolicyStatement } from "../../views/policy-document.ts";

/** `*`, `*:*` or `service:*`: the patterns iam-policy-wildcard-action judges. */
export function isFullWildcard(pattern: string): boolean {
  return pattern === "*" || pattern === "*:*";
}

export function isServiceWildcard(pattern: string): boolean {
  return /^[a-z0-9-]+:\*$/i.test(pattern);
}

/**
 * Verbs of read-only (Read and List access level) actions. An action pattern whose name starts with one of these
 * only reads; `s3:Get*` is read-only, `s3:*Object` is not.
 */
const READ_VERBS = [
  "Get", "List", "Describe", "BatchGet", "BatchCheck", "Query", "Scan", "Search", "Select", "View", "Lookup", "Filter", "Head",
  "Check", "Validate", "Detect", "Download", "Preview", "Estimate", "Simulate", "Receive", "Read",
];

/**
 * Write actions that IAM only authorises on Resource "*" (no resource type), or whose resource is the caller's
 * own and that AWS documents with "*" (Lambda's and Firehose's ENIs in a VPC, Session Manager channels). Granting them on "*" is
 * the only way to grant them, so it is no finding.
 */
export const RESOURCE_LESS_ACTIONS: readonly string[] = [
  "cloudwatch:PutMetricData",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "logs:CreateLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:PutResourcePolicy",
  "logs:DeleteResourcePolicy",
  "kms:CreateKey",
  "kms:GenerateRandom",
  "sts:DecodeAuthorizationMessage",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
  "ec2:CreateNetworkInterfacePermission",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:SendReply",
  "ssm:UpdateInstanceInformation",
  "config:PutEvaluations",
  "config:PutConfigurationRecorder",
  "config:DeleteConfigurationRecorder",
  "config:StartConfigurationRecorder",
  "config:StopConfigurationRecorder",
  "config:PutDeliveryChannel",
  "config:DeleteDeliveryChannel",
  "codepipeline:PutJobSuccessResult",
  "codepipeline:PutJobFailureResult",
  "support:RefreshTrustedAdvisorCheck",
  "tag:TagResources",
  "tag:UntagResources",
  "mobileanalytics:PutEvents",
  "ecs:RegisterTaskDefinition",
  "ecs:DeregisterTaskDefinition",
  "lambda:CreateEventSourceMapping",
  "acm:RequestCertificate",
  "route53:CreateHostedZone",
  "guardduty:CreateDetector",
  "cloudformation:CreateUploadBucket",
  "ec2:EnableEbsEncryptionByDefault",
  "ec2:DisableEbsEncryptionByDefault",
  "ec2:ModifyEbsDefaultKmsKeyId",
  "ec2:ResetEbsDefaultKmsKeyId",
  "iam:UpdateAccountPasswordPolicy",
  "iam:DeleteAccountPasswordPolicy",
  "sns:SetSMSAttributes",
  "translate:TranslateText",
  "textract:AnalyzeDocument",
  "textract:AnalyzeExpense",
  "textract:AnalyzeID",
  "textract:StartDocumentAnalysis",
  "textract:StartDocumentTextDetection",
  "textract:StartExpenseAnalysis",
];

/** CloudWatch Logs delivery: writing log lines to any group is the AWS-documented pattern for Lambda and flow logs. */
export const LOG_DELIVERY_ACTIONS: readonly string[] = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"];

export function isLogDelivery(pattern: string): boolean {
  return LOG_DELIVERY_ACTIONS.some((action) => action.toLowerCase() === pattern.toLowerCase());
}

/** Is the action pattern read-only (Get/List/Describe...)? */
export function isReadOnly(pattern: string): boolean {
  const colon = pattern.indexOf(":");
  if (colon < 0) return false;
  const name = pattern.slice(colon + 1);
  return READ_VERBS.some((verb) => name.toLowerCase().startsWith(verb.toLowerCase()));
}

/** A write or permission-management pattern that can be scoped to resource ARNs (so Resource "*" is a choice, not a need). */
export function isScopableWrite(pattern: string): boolean {
  if (!pattern.includes(":") || isFullWildcard(pattern) || isServiceWildcard(pattern) || isReadOnly(pattern)) return false;
  return !RESOURCE_LESS_ACTIONS.some((action) => action.toLowerCase() === pattern.toLowerCase());
}

/** Condition keys that narrow a Resource "*" to tagged resources. */
export function scopedByResourceTag(statement: PolicyStatement): boolean {
  return Object.values(statement.conditions).some((block) => Object.keys(block).some((key) => /^[a-z0-9-]+:resourcetag\//i.test(key)));
}

/** The patterns of a statement's Action (or NotAction) list that cover `action`. */
export function patternsCovering(patterns: readonly string[], action: string): string[] {
  return patterns.filter((pattern) => actionMatches(pattern, action));
}

export function statementLabel(statement: PolicyStatement, index: number): string {
  return statement.sid !== undefined ? `statement ${statement.sid}` : `statement ${index + 1}`;
}

/** Stable id of a statement within its document: its Sid, else its position. */
export function statementKey(statement: PolicyStatement, index: number): string {
  return statement.sid !== undefined ? `sid:${statement.sid}` : `#${index}`;
}

/** How a message names a document: "AppRole's inline policy S3Access" or "SharedPolicy (ManagedPolicyName)". */
export function policyLabel(policy: IamPolicyView): string {
  if (policy.key.startsWith("Policies/")) return `${policy.logicalId}'s inline policy${policy.policyName !== undefined ? ` ${policy.policyName}` : ""}`;
  return policy.policyName !== undefined ? `${policy.logicalId} (${policy.policyName})` : policy.logicalId;
}

/** "; attached to role AppRole, group Admins" for documents declared apart from their principals. */
export function attachmentNote(policy: IamPolicyView): string {
  return policy.attachedTo.length > 0 && !policy.key.startsWith("Policies/") ? `; attached to ${describeAttachments(policy.attachedTo)}` : "";
}
