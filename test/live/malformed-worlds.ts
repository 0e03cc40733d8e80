/**
 * One small deployed stack per reader, with the well-formed answer of every operation the reader sends for it: the
 * ground the malformed-response matrix breaks one operation at a time. Each world holds a flaw the reader's rules
 * report (so losing data shows), and its deployed template matches the live state (so a half answer read as a
 * change shows as drift).
 */
import { APIGatewayClient, GetRequestValidatorsCommand, GetResourcesCommand, GetRestApiCommand, GetStagesCommand as GetRestStagesCommand } from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client, GetApiCommand, GetStagesCommand as GetV2StagesCommand } from "@aws-sdk/client-apigatewayv2";
import { CloudFrontClient, GetDistributionConfigCommand, ListDistributionsByWebACLIdCommand } from "@aws-sdk/client-cloudfront";
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetAccountAuthorizationDetailsCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand as GetIamPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import { GetRuleGroupCommand, GetWebACLCommand, ListResourcesForWebACLCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { ConfigServiceClient, DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand, DescribeDeliveryChannelsCommand } from "@aws-sdk/client-config-service";
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand as GetFunctionPolicyCommand, LambdaClient, ListFunctionEventInvokeConfigsCommand } from "@aws-sdk/client-lambda";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeHubCommand, GetEnabledStandardsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { CloudFormationReader } from "../../shared/live/cloudformation.ts";
import { CloudTrailReader } from "../../shared/live/cloudtrail.ts";
import { ConfigReader } from "../../shared/live/config.ts";
import { Ec2Reader } from "../../shared/live/ec2.ts";
import { KmsReader } from "../../shared/live/kms.ts";
import { LambdaReader } from "../../shared/live/lambda.ts";
import { RdsReader } from "../../shared/live/rds.ts";
import { S3Reader } from "../../shared/live/s3.ts";
import { SecretsManagerReader } from "../../shared/live/secretsmanager.ts";
import { SecurityHubReader } from "../../shared/live/securityhub.ts";
import type { ServiceReaderClass } from "../../shared/live/session.ts";
import { SnsReader } from "../../shared/live/sns.ts";
import { ApiGatewayReader } from "../../shared/live/apigateway.ts";
import { CloudFrontReader } from "../../shared/live/cloudfront.ts";
import { Elbv2Reader } from "../../shared/live/elbv2.ts";
import { ACCOUNT_DETAILS_THRESHOLD, IamReader } from "../../shared/live/iam.ts";
import { Wafv2Reader } from "../../shared/live/wafv2.ts";
import { HAND_ACCOUNT, stackArn } from "./hand-stack.ts";

export const REGION = "eu-west-1";
export const STACK = "app";

// aws-sdk-client-mock takes any client and command class; their generic types do not line up across services.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = new (...args: any[]) => any;

export interface Operation {
  client: AnyClass;
  command: AnyClass;
  /** The well-formed answer to this request. */
  answer(input: Record<string, unknown>): Record<string, unknown>;
  /** The output field that carries the next page's token, for paginated operations. */
  tokenKey?: string;
  /** How the scan's errors name this operation, when not `<reader service>:<command name>`. */
  reportedAs?: string;
  /** Tells apart in test names two operations reported alike (API Gateway's REST and v2 GetStages). */
  label?: string;
}

export interface StackEntry {
  logicalId: string;
  type: string;
  physicalId: string;
}

export interface World {
  /** Names the world in the cases: a reader can have several worlds, one per way it reads. */
  name: string;
  Reader: ServiceReaderClass<object>;
  resources: StackEntry[];
  /** The deployed template's Resources section (YAML, indented two spaces), matching the live answers. */
  template: string;
  operations: Operation[];
  /** Answered, never broken in this world: its reader sends them only after a broken answer (another world breaks them). */
  fallbackOperations?: Operation[];
  /** The reader reads account-level facts: the scan runs its account checks. */
  accountChecks?: boolean;
}

const arnOf = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${HAND_ACCOUNT}:${resource}`;

/** The control: an unencrypted SNS topic, read by another reader, whose finding must survive every malformation. */
export const CONTROL_TOPIC = arnOf("sns", "control-topic");
export const CONTROL: { resource: StackEntry; template: string; operation: Operation } = {
  resource: { logicalId: "ControlTopic", type: "AWS::SNS::Topic", physicalId: CONTROL_TOPIC },
  template: "  ControlTopic:\n    Type: AWS::SNS::Topic\n",
  operation: { client: SNSClient, command: GetTopicAttributesCommand, answer: (input) => ({ Attributes: { TopicArn: String(input.TopicArn), Owner: HAND_ACCOUNT } }) },
};

/** CloudFormation's three reads of the stack: every world's scan sends them, and they are malformed in their own world. */
export function cloudFormationOperations(world: Pick<World, "resources" | "template">): Operation[] {
  const resources = [...world.resources, CONTROL.resource];
  const body = `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n${world.template}${CONTROL.template}`;
  return [
    {
      client: CloudFormationClient,
      command: DescribeStacksCommand,
      answer: () => ({
        Stacks: [{ StackName: STACK, StackId: stackArn(STACK, REGION), StackStatus: "UPDATE_COMPLETE", CreationTime: new Date("2026-01-01T00:00:00Z"), Parameters: [{ ParameterKey: "Stage", ParameterValue: "prod" }] }],
      }),
    },
    { client: CloudFormationClient, command: GetTemplateCommand, answer: () => ({ TemplateBody: body, StagesAvailable: ["Original", "Processed"] }) },
    {
      client: CloudFormationClient,
      command: ListStackResourcesCommand,
      tokenKey: "NextToken",
      answer: () => ({
        StackResourceSummaries: resources.map((entry) => ({ LogicalResourceId: entry.logicalId, PhysicalResourceId: entry.physicalId, ResourceType: entry.type, ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date("2026-01-01T00:00:00Z") })),
      }),
    },
  ];
}

const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = arnOf("kms", `key/${KEY_ID}`);
const policyText = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rootStatement = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${HAND_ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const TRAIL_ARN = arnOf("cloudtrail", "trail/audit");

/** The stack's own SSH-open group, its instance (IMDSv1 allowed) with an unencrypted volume, a launch template and a VPC. */
const ec2World: World = {
  name: "ec2",
  Reader: Ec2Reader,
  resources: [
    { logicalId: "Vpc", type: "AWS::EC2::VPC", physicalId: "vpc-0a" },
    { logicalId: "AdminGroup", type: "AWS::EC2::SecurityGroup", physicalId: "sg-0a" },
    { logicalId: "Server", type: "AWS::EC2::Instance", physicalId: "i-0a" },
    { logicalId: "Data", type: "AWS::EC2::Volume", physicalId: "vol-0a" },
    { logicalId: "Launch", type: "AWS::EC2::LaunchTemplate", physicalId: "lt-0a" },
    { logicalId: "Acl", type: "AWS::EC2::NetworkAcl", physicalId: "acl-0a" },
  ],
  template: [
    "  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.0.0.0/16 }",
    "  AdminGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: admin\n      VpcId: !Ref Vpc\n      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }]\n      SecurityGroupEgress: [{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8 }]",
    "  Server:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0abc\n      SecurityGroupIds: [!Ref AdminGroup]\n      MetadataOptions: { HttpTokens: optional }",
    "  Data:\n    Type: AWS::EC2::Volume\n    Properties: { AvailabilityZone: eu-west-1a, Size: 10, Encrypted: false }",
    "  Launch:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        ImageId: ami-0abc\n        MetadataOptions: { HttpTokens: optional }",
    "  Acl:\n    Type: AWS::EC2::NetworkAcl\n    Properties: { VpcId: !Ref Vpc }",
    "",
  ].join("\n"),
  accountChecks: true,
  operations: [
    {
      client: EC2Client,
      command: DescribeSecurityGroupsCommand,
      tokenKey: "NextToken",
      answer: () => ({
        SecurityGroups: [
          {
            GroupId: "sg-0a",
            GroupName: "app-AdminGroup-1",
            Description: "admin",
            VpcId: "vpc-0a",
            OwnerId: HAND_ACCOUNT,
            IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }],
            IpPermissionsEgress: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/8" }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }],
          },
        ],
      }),
    },
    {
      client: EC2Client,
      command: DescribeNetworkInterfacesCommand,
      tokenKey: "NextToken",
      answer: () => ({ NetworkInterfaces: [{ NetworkInterfaceId: "eni-0a", Groups: [{ GroupId: "sg-0a", GroupName: "app-AdminGroup-1" }], Attachment: { InstanceId: "i-0a" }, Status: "in-use" }] }),
    },
    {
      client: EC2Client,
      command: DescribeInstancesCommand,
      tokenKey: "NextToken",
      answer: () => ({
        Reservations: [
          {
            ReservationId: "r-0a",
            Instances: [
              {
                InstanceId: "i-0a",
                ImageId: "ami-0abc",
                State: { Name: "running", Code: 16 },
                SecurityGroups: [{ GroupId: "sg-0a", GroupName: "app-AdminGroup-1" }],
                MetadataOptions: { HttpTokens: "optional", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 1, State: "applied" },
                BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0root", Status: "attached", DeleteOnTermination: true } }],
              },
            ],
          },
        ],
      }),
    },
    {
      client: EC2Client,
      command: DescribeVolumesCommand,
      tokenKey: "NextToken",
      answer: (input) => {
        const wanted = ((input.Filters as { Values?: string[] }[] | undefined)?.[0]?.Values ?? []) as string[];
        const all = [
          { VolumeId: "vol-0a", Encrypted: false, Size: 10, AvailabilityZone: "eu-west-1a", State: "available" },
          { VolumeId: "vol-0root", Encrypted: true, Size: 8, AvailabilityZone: "eu-west-1a", State: "in-use", Attachments: [{ InstanceId: "i-0a", VolumeId: "vol-0root", Device: "/dev/xvda" }] },
        ];
        return { Volumes: all.filter((volume) => wanted.includes(volume.VolumeId)) };
      },
    },
    {
      client: EC2Client,
      command: DescribeLaunchTemplateVersionsCommand,
      answer: () => ({
        LaunchTemplateVersions: [{ LaunchTemplateId: "lt-0a", VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { ImageId: "ami-0abc", MetadataOptions: { HttpTokens: "optional" } } }],
      }),
    },
    { client: EC2Client, command: DescribeVpcsCommand, tokenKey: "NextToken", answer: () => ({ Vpcs: [{ VpcId: "vpc-0a", CidrBlock: "10.0.0.0/16", State: "available", IsDefault: false }] }) },
    { client: EC2Client, command: DescribeFlowLogsCommand, tokenKey: "NextToken", answer: () => ({ FlowLogs: [] }) },
    {
      client: EC2Client,
      command: DescribeNetworkAclsCommand,
      tokenKey: "NextToken",
      answer: () => ({
        NetworkAcls: [
          {
            NetworkAclId: "acl-0a",
            VpcId: "vpc-0a",
            IsDefault: false,
            Associations: [],
            Entries: [
              { RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: false, CidrBlock: "0.0.0.0/0" },
              { RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: true, CidrBlock: "0.0.0.0/0" },
            ],
          },
        ],
      }),
    },
    { client: EC2Client, command: DescribeRouteTablesCommand, tokenKey: "NextToken", answer: () => ({ RouteTables: [{ RouteTableId: "rtb-0a", VpcId: "vpc-0a", Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local" }], Associations: [] }] }) },
    { client: EC2Client, command: GetEbsEncryptionByDefaultCommand, answer: () => ({ EbsEncryptionByDefault: false }) },
  ],
};

/** A key without rotation whose policy lets anyone decrypt. */
const kmsWorld: World = {
  name: "kms",
  Reader: KmsReader,
  resources: [{ logicalId: "Key", type: "AWS::KMS::Key", physicalId: KEY_ID }],
  template: `  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n      KeyPolicy:\n        Version: "2012-10-17"\n        Statement:\n          - { Sid: Root, Effect: Allow, Principal: { AWS: "arn:aws:iam::${HAND_ACCOUNT}:root" }, Action: "kms:*", Resource: "*" }\n          - { Sid: Anyone, Effect: Allow, Principal: { AWS: "*" }, Action: kms:Decrypt, Resource: "*" }\n`,
  operations: [
    {
      client: KMSClient,
      command: DescribeKeyCommand,
      answer: () => ({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, AWSAccountId: HAND_ACCOUNT, Enabled: true, KeyState: "Enabled", KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", MultiRegion: false } }),
    },
    { client: KMSClient, command: GetKeyPolicyCommand, answer: () => ({ PolicyName: "default", Policy: policyText(rootStatement, { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }) }) },
    { client: KMSClient, command: GetKeyRotationStatusCommand, answer: () => ({ KeyRotationEnabled: false }) },
  ],
};

/** A public, unencrypted, single-AZ database and an unencrypted cluster. */
const rdsWorld: World = {
  name: "rds",
  Reader: RdsReader,
  resources: [
    { logicalId: "Db", type: "AWS::RDS::DBInstance", physicalId: "app-db" },
    { logicalId: "Cluster", type: "AWS::RDS::DBCluster", physicalId: "app-cluster" },
  ],
  template: [
    "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: { Engine: postgres, DBInstanceClass: db.m5.large, AllocatedStorage: '20', MultiAZ: false, StorageEncrypted: false, PubliclyAccessible: true, DeletionProtection: false, BackupRetentionPeriod: 7 }",
    "  Cluster:\n    Type: AWS::RDS::DBCluster\n    Properties: { Engine: aurora-postgresql, StorageEncrypted: false, DeletionProtection: false, BackupRetentionPeriod: 7 }",
    "",
  ].join("\n"),
  operations: [
    {
      client: RDSClient,
      command: DescribeDBInstancesCommand,
      tokenKey: "Marker",
      answer: () => ({
        DBInstances: [
          {
            DBInstanceIdentifier: "app-db",
            DBInstanceArn: arnOf("rds", "db:app-db"),
            Engine: "postgres",
            DBInstanceClass: "db.m5.large",
            DBInstanceStatus: "available",
            MultiAZ: false,
            StorageEncrypted: false,
            PubliclyAccessible: true,
            DeletionProtection: false,
            BackupRetentionPeriod: 7,
            AutoMinorVersionUpgrade: true,
            IAMDatabaseAuthenticationEnabled: false,
            MonitoringInterval: 0,
            PerformanceInsightsEnabled: false,
            EnabledCloudwatchLogsExports: [],
            VpcSecurityGroups: [],
          },
        ],
      }),
    },
    {
      client: RDSClient,
      command: DescribeDBClustersCommand,
      tokenKey: "Marker",
      answer: () => ({
        DBClusters: [
          {
            DBClusterIdentifier: "app-cluster",
            DBClusterArn: arnOf("rds", "cluster:app-cluster"),
            Engine: "aurora-postgresql",
            Status: "available",
            StorageEncrypted: false,
            DeletionProtection: false,
            BackupRetentionPeriod: 7,
            MultiAZ: false,
            IAMDatabaseAuthenticationEnabled: false,
            EnabledCloudwatchLogsExports: [],
            DBClusterMembers: [],
            VpcSecurityGroups: [],
          },
        ],
      }),
    },
  ],
};

/** A bucket without encryption, public access block or TLS-only policy: its policy grants reads to anyone. */
const s3World: World = {
  name: "s3",
  Reader: S3Reader,
  resources: [{ logicalId: "Bucket", type: "AWS::S3::Bucket", physicalId: "app-bucket" }],
  template: `  Bucket:\n    Type: AWS::S3::Bucket\n  BucketPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Bucket\n      PolicyDocument:\n        Version: "2012-10-17"\n        Statement: [{ Sid: Public, Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: "arn:aws:s3:::app-bucket/*" }]\n`,
  operations: [
    { client: S3Client, command: GetBucketEncryptionCommand, answer: () => ({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }] } }) },
    { client: S3Client, command: GetPublicAccessBlockCommand, answer: () => ({ PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } }) },
    { client: S3Client, command: GetBucketPolicyCommand, answer: () => ({ Policy: policyText({ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::app-bucket/*" }) }) },
  ],
};

/** A secret that never rotates. */
const secretsWorld: World = {
  name: "secretsmanager",
  Reader: SecretsManagerReader,
  resources: [{ logicalId: "Secret", type: "AWS::SecretsManager::Secret", physicalId: arnOf("secretsmanager", "secret:db-AbCdEf") }],
  template: "  Secret:\n    Type: AWS::SecretsManager::Secret\n    Properties: { Name: db }\n",
  operations: [{ client: SecretsManagerClient, command: DescribeSecretCommand, answer: (input) => ({ ARN: String(input.SecretId), Name: "db", RotationEnabled: false, LastChangedDate: new Date("2025-01-01T00:00:00Z") }) }],
};

/** A function with no dead-letter queue or failure destination, invocable by S3 of any account. */
const lambdaWorld: World = {
  name: "lambda",
  Reader: LambdaReader,
  resources: [{ logicalId: "Worker", type: "AWS::Lambda::Function", physicalId: "app-worker" }],
  template: `  Worker:\n    Type: AWS::Lambda::Function\n    Properties: { Runtime: nodejs20.x, Handler: index.handler, Role: "arn:aws:iam::${HAND_ACCOUNT}:role/worker", Code: { ZipFile: "exports.handler = async () => {}" } }\n  WorkerPermission:\n    Type: AWS::Lambda::Permission\n    Properties: { FunctionName: !Ref Worker, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com }\n`,
  operations: [
    { client: LambdaClient, command: GetFunctionConfigurationCommand, answer: () => ({ FunctionName: "app-worker", FunctionArn: arnOf("lambda", "function:app-worker"), Runtime: "nodejs20.x", Role: `arn:aws:iam::${HAND_ACCOUNT}:role/worker` }) },
    { client: LambdaClient, command: ListFunctionEventInvokeConfigsCommand, tokenKey: "NextMarker", answer: () => ({ FunctionEventInvokeConfigs: [{ FunctionArn: arnOf("lambda", "function:app-worker:$LATEST"), MaximumRetryAttempts: 2 }] }) },
    { client: LambdaClient, command: GetFunctionEventInvokeConfigCommand, answer: () => ({ FunctionArn: arnOf("lambda", "function:app-worker:$LATEST"), MaximumRetryAttempts: 2 }) },
    {
      client: LambdaClient,
      command: GetFunctionPolicyCommand,
      answer: () => ({ Policy: policyText({ Sid: "app-WorkerPermission-1", Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "lambda:InvokeFunction", Resource: arnOf("lambda", "function:app-worker") }) }),
    },
  ],
};

/** A single-region trail without log validation or encryption, logging management events, into a bucket that lets CloudTrail write. */
const cloudTrailWorld: World = {
  name: "cloudtrail",
  Reader: CloudTrailReader,
  resources: [{ logicalId: "Trail", type: "AWS::CloudTrail::Trail", physicalId: TRAIL_ARN }],
  template: "  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties: { IsLogging: true, S3BucketName: audit-logs, IsMultiRegionTrail: false, EnableLogFileValidation: false }\n",
  accountChecks: true,
  operations: [
    {
      client: CloudTrailClient,
      command: DescribeTrailsCommand,
      answer: () => ({ trailList: [{ Name: "audit", TrailARN: TRAIL_ARN, HomeRegion: REGION, S3BucketName: "audit-logs", IsMultiRegionTrail: false, LogFileValidationEnabled: false, IsOrganizationTrail: false, HasCustomEventSelectors: false }] }),
    },
    { client: CloudTrailClient, command: GetTrailStatusCommand, answer: () => ({ IsLogging: true }) },
    { client: CloudTrailClient, command: GetEventSelectorsCommand, answer: () => ({ TrailARN: TRAIL_ARN, EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }] }) },
    {
      client: S3Client,
      command: GetBucketPolicyCommand,
      reportedAs: "s3:GetBucketPolicy",
      answer: () => ({
        Policy: policyText(
          { Sid: "Acl", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: "arn:aws:s3:::audit-logs" },
          { Sid: "Put", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::audit-logs/AWSLogs/${HAND_ACCOUNT}/*` },
        ),
      }),
    },
  ],
};

/** Security Hub on, with only a standard being deleted. */
const securityHubWorld: World = {
  name: "securityhub",
  Reader: SecurityHubReader,
  resources: [],
  template: "",
  accountChecks: true,
  operations: [
    { client: SecurityHubClient, command: DescribeHubCommand, answer: () => ({ HubArn: arnOf("securityhub", "hub/default"), SubscribedAt: "2024-01-01T00:00:00.000Z", AutoEnableControls: true }) },
    {
      client: SecurityHubClient,
      command: GetEnabledStandardsCommand,
      tokenKey: "NextToken",
      answer: () => ({ StandardsSubscriptions: [{ StandardsSubscriptionArn: "s1", StandardsArn: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", StandardsInput: {}, StandardsStatus: "DELETING" }] }),
    },
  ],
};

/** A Config recorder that delivers but was stopped. */
const configWorld: World = {
  name: "config",
  Reader: ConfigReader,
  resources: [],
  template: "",
  accountChecks: true,
  operations: [
    {
      client: ConfigServiceClient,
      command: DescribeConfigurationRecordersCommand,
      answer: () => ({ ConfigurationRecorders: [{ name: "default", roleARN: `arn:aws:iam::${HAND_ACCOUNT}:role/config`, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false } }] }),
    },
    { client: ConfigServiceClient, command: DescribeConfigurationRecorderStatusCommand, answer: () => ({ ConfigurationRecordersStatus: [{ name: "default", recording: false, lastStatus: "SUCCESS" }] }) },
    { client: ConfigServiceClient, command: DescribeDeliveryChannelsCommand, answer: () => ({ DeliveryChannels: [{ name: "default", s3BucketName: "config-bucket" }] }) },
  ],
};

/** The control topic's own world: SNS malformed (the control is then another reader's finding, the KMS key's). */
const snsWorld: World = {
  name: "sns",
  Reader: SnsReader,
  resources: [],
  template: "",
  operations: [CONTROL.operation],
};

/** CloudFormation's world: the stack holds only the control topic. */
const cloudFormationWorld: World = { name: "cloudformation", Reader: CloudFormationReader, resources: [], template: "", operations: [] };

const IAM_ARN = (resource: string) => `arn:aws:iam::${HAND_ACCOUNT}:${resource}`;
const READ_ALL_ARN = IAM_ARN("policy/app-ReadAll-1");
const BOUNDARY_ARN = IAM_ARN("policy/app-Boundary-1");
const statement = (effect: string, action: string, resource = "*") => ({ Effect: effect, Action: action, Resource: resource });
/** The documents of the IAM world, each as IAM holds it (JSON) and as the template writes it (flow YAML). */
const IAM_DOCUMENTS = {
  trust: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] },
  admin: { Version: "2012-10-17", Statement: [statement("Allow", "*")] },
  userInline: { Version: "2012-10-17", Statement: [statement("Allow", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs")] },
  groupInline: { Version: "2012-10-17", Statement: [statement("Allow", "logs:PutLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group:app:*")] },
  readAll: { Version: "2012-10-17", Statement: [statement("Allow", "s3:GetObject", "arn:aws:s3:::app-data/*")] },
  boundary: { Version: "2012-10-17", Statement: [statement("Allow", "s3:*")] },
};
/** IAM sends every policy document URL-encoded. */
const iamDocument = (name: keyof typeof IAM_DOCUMENTS) => encodeURIComponent(JSON.stringify(IAM_DOCUMENTS[name]));
const yamlDocument = (name: keyof typeof IAM_DOCUMENTS) => JSON.stringify(IAM_DOCUMENTS[name]);
const IAM_CREATED = new Date("2025-01-01T00:00:00Z");
/** The IAM world's own entities: a role, a user, a group and two managed policies. */
const IAM_ENTITIES = 5;
const INLINE_POLICIES: Record<string, { name: string; document: keyof typeof IAM_DOCUMENTS }> = {
  "app-Role-1": { name: "Admin", document: "admin" },
  "app-User-1": { name: "Queue", document: "userInline" },
  "app-Group-1": { name: "Logs", document: "groupInline" },
};
const READ_ALL_ATTACHED = [{ PolicyName: "app-ReadAll-1", PolicyArn: READ_ALL_ARN }];
const managedPolicyDetail = (arn: string) => {
  const boundary = arn === BOUNDARY_ARN;
  return {
    PolicyName: arn.split("/").pop(),
    PolicyId: boundary ? "ANPABOUNDARY" : "ANPAREADALL",
    Arn: arn,
    Path: "/",
    DefaultVersionId: "v1",
    AttachmentCount: boundary ? 0 : 3,
    PermissionsBoundaryUsageCount: boundary ? 1 : 0,
    IsAttachable: true,
    CreateDate: IAM_CREATED,
    UpdateDate: IAM_CREATED,
  };
};
/**
 * A role with an admin inline policy, a customer managed policy and an over-broad boundary; a user and a group with
 * their own inline policies and the managed policy; and, account-wide, the user's two-year-old active access key;
 * with `workerCount` more roles without policies (over the threshold, the account's details are read in one call).
 */
function iamWorld(name: string, workerCount: number): World {
  /** Roles without policies of their own: enough of them take the world over the threshold at which IAM is read with GetAccountAuthorizationDetails. */
  const workers = Array.from({ length: workerCount }, (_, index) => `app-Worker${index}-1`);
  const isWorker = (principal: unknown) => workers.includes(String(principal));
  const inlineAnswer = (principal: unknown) => {
    if (isWorker(principal)) return { PolicyNames: [], IsTruncated: false };
    const inline = INLINE_POLICIES[String(principal)] ?? INLINE_POLICIES["app-Role-1"]!;
    return { PolicyNames: [inline.name], IsTruncated: false };
  };
  const inlineDocumentAnswer = (key: string) => (input: Record<string, unknown>) => {
    const inline = INLINE_POLICIES[String(input[key])] ?? INLINE_POLICIES["app-Role-1"]!;
    return { [key]: String(input[key] ?? "app-Role-1"), PolicyName: inline.name, PolicyDocument: iamDocument(inline.document) };
  };
  const attachedAnswer = (input: Record<string, unknown>) => ({ AttachedPolicies: isWorker(input.RoleName) ? [] : [{ PolicyName: "app-ReadAll-1", PolicyArn: READ_ALL_ARN }], IsTruncated: false });
  const roleIdentity = (name: string) => ({
    Path: "/",
    RoleName: name,
    RoleId: isWorker(name) ? `AROAWORKER${workers.indexOf(name)}` : "AROAEXAMPLE",
    Arn: IAM_ARN(`role/${name}`),
    CreateDate: IAM_CREATED,
    AssumeRolePolicyDocument: iamDocument("trust"),
    ...(isWorker(name) ? {} : { PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: BOUNDARY_ARN } }),
  });
  const readsAccountDetails = IAM_ENTITIES + workerCount > ACCOUNT_DETAILS_THRESHOLD;
  /** The account's details in one page: the same entities the one-by-one answers describe. */
  const accountDetailsAnswer = () => ({
    RoleDetailList: [
      { ...roleIdentity("app-Role-1"), RolePolicyList: [{ PolicyName: "Admin", PolicyDocument: iamDocument("admin") }], AttachedManagedPolicies: READ_ALL_ATTACHED },
      ...workers.map((name) => ({ ...roleIdentity(name), RolePolicyList: [], AttachedManagedPolicies: [] })),
    ],
    UserDetailList: [
      {
        Path: "/", UserName: "app-User-1", UserId: "AIDAEXAMPLE", Arn: IAM_ARN("user/app-User-1"), CreateDate: IAM_CREATED,
        UserPolicyList: [{ PolicyName: "Queue", PolicyDocument: iamDocument("userInline") }], GroupList: ["app-Group-1"], AttachedManagedPolicies: READ_ALL_ATTACHED,
      },
    ],
    GroupDetailList: [
      { Path: "/", GroupName: "app-Group-1", GroupId: "AGPAEXAMPLE", Arn: IAM_ARN("group/app-Group-1"), CreateDate: IAM_CREATED, GroupPolicyList: [{ PolicyName: "Logs", PolicyDocument: iamDocument("groupInline") }], AttachedManagedPolicies: READ_ALL_ATTACHED },
    ],
    Policies: [READ_ALL_ARN, BOUNDARY_ARN].map((arn) => ({
      ...managedPolicyDetail(arn),
      PolicyVersionList: [{ Document: iamDocument(arn === BOUNDARY_ARN ? "boundary" : "readAll"), VersionId: "v1", IsDefaultVersion: true, CreateDate: IAM_CREATED }],
    })),
    IsTruncated: false,
  });
  /** What the reader sends one by one: all of it under the threshold, over it only for what the details do not describe. */
  const oneByOne: Operation[] = [
    { client: IAMClient, command: GetRoleCommand, answer: (input) => ({ Role: { ...roleIdentity(isWorker(input.RoleName) ? String(input.RoleName) : "app-Role-1"), MaxSessionDuration: 3600 } }) },
    { client: IAMClient, command: ListRolePoliciesCommand, tokenKey: "Marker", answer: (input) => inlineAnswer(input.RoleName) },
    { client: IAMClient, command: GetRolePolicyCommand, answer: inlineDocumentAnswer("RoleName") },
    { client: IAMClient, command: ListAttachedRolePoliciesCommand, tokenKey: "Marker", answer: attachedAnswer },
    { client: IAMClient, command: GetUserCommand, answer: () => ({ User: { Path: "/", UserName: "app-User-1", UserId: "AIDAEXAMPLE", Arn: IAM_ARN("user/app-User-1"), CreateDate: IAM_CREATED } }) },
    { client: IAMClient, command: ListUserPoliciesCommand, tokenKey: "Marker", answer: (input) => inlineAnswer(input.UserName) },
    { client: IAMClient, command: GetUserPolicyCommand, answer: inlineDocumentAnswer("UserName") },
    { client: IAMClient, command: ListAttachedUserPoliciesCommand, tokenKey: "Marker", answer: attachedAnswer },
    { client: IAMClient, command: ListGroupPoliciesCommand, tokenKey: "Marker", answer: (input) => inlineAnswer(input.GroupName) },
    { client: IAMClient, command: GetGroupPolicyCommand, answer: inlineDocumentAnswer("GroupName") },
    { client: IAMClient, command: ListAttachedGroupPoliciesCommand, tokenKey: "Marker", answer: attachedAnswer },
    { client: IAMClient, command: GetIamPolicyCommand, answer: (input) => ({ Policy: managedPolicyDetail(input.PolicyArn === BOUNDARY_ARN ? BOUNDARY_ARN : READ_ALL_ARN) }) },
    {
      client: IAMClient,
      command: GetPolicyVersionCommand,
      answer: (input) => ({ PolicyVersion: { Document: iamDocument(input.PolicyArn === BOUNDARY_ARN ? "boundary" : "readAll"), VersionId: "v1", IsDefaultVersion: true, CreateDate: IAM_CREATED } }),
    },
    {
      client: IAMClient,
      command: ListEntitiesForPolicyCommand,
      tokenKey: "Marker",
      answer: (input) =>
        (input.PolicyUsageFilter === "PermissionsBoundary") !== (input.PolicyArn === BOUNDARY_ARN)
          ? { PolicyGroups: [], PolicyUsers: [], PolicyRoles: [], IsTruncated: false }
          : input.PolicyArn === BOUNDARY_ARN
            ? { PolicyGroups: [], PolicyUsers: [], PolicyRoles: [{ RoleName: "app-Role-1", RoleId: "AROAEXAMPLE" }], IsTruncated: false }
            : {
              PolicyGroups: [{ GroupName: "app-Group-1", GroupId: "AGPAEXAMPLE" }],
              PolicyUsers: [{ UserName: "app-User-1", UserId: "AIDAEXAMPLE" }],
              PolicyRoles: [{ RoleName: "app-Role-1", RoleId: "AROAEXAMPLE" }],
              IsTruncated: false,
            },
    },
  ];
  /** The account checks' reads, sent either way. */
  const accountWide: Operation[] = [
    { client: IAMClient, command: ListUsersCommand, tokenKey: "Marker", answer: () => ({ Users: [{ Path: "/", UserName: "app-User-1", UserId: "AIDAEXAMPLE", Arn: IAM_ARN("user/app-User-1"), CreateDate: IAM_CREATED }], IsTruncated: false }) },
    {
      client: IAMClient,
      command: ListAccessKeysCommand,
      tokenKey: "Marker",
      answer: (input) => ({ AccessKeyMetadata: [{ UserName: String(input.UserName ?? "app-User-1"), AccessKeyId: "AKIAEXAMPLEKEY", Status: "Active", CreateDate: IAM_CREATED }], IsTruncated: false }),
    },
  ];
  return {
    name,
    Reader: IamReader,
    resources: [
      { logicalId: "Role", type: "AWS::IAM::Role", physicalId: "app-Role-1" },
      { logicalId: "User", type: "AWS::IAM::User", physicalId: "app-User-1" },
      { logicalId: "Group", type: "AWS::IAM::Group", physicalId: "app-Group-1" },
      { logicalId: "ReadAll", type: "AWS::IAM::ManagedPolicy", physicalId: READ_ALL_ARN },
      { logicalId: "Boundary", type: "AWS::IAM::ManagedPolicy", physicalId: BOUNDARY_ARN },
      ...workers.map((name, index) => ({ logicalId: `Worker${index}`, type: "AWS::IAM::Role", physicalId: name })),
    ],
    template: [
      `  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: ${yamlDocument("trust")}\n      ManagedPolicyArns: [!Ref ReadAll]\n      PermissionsBoundary: !Ref Boundary\n      Policies: [{ PolicyName: Admin, PolicyDocument: ${yamlDocument("admin")} }]`,
      `  User:\n    Type: AWS::IAM::User\n    Properties:\n      Groups: [!Ref Group]\n      ManagedPolicyArns: [!Ref ReadAll]\n      Policies: [{ PolicyName: Queue, PolicyDocument: ${yamlDocument("userInline")} }]`,
      `  Group:\n    Type: AWS::IAM::Group\n    Properties:\n      ManagedPolicyArns: [!Ref ReadAll]\n      Policies: [{ PolicyName: Logs, PolicyDocument: ${yamlDocument("groupInline")} }]`,
      `  ReadAll:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: ${yamlDocument("readAll")}`,
      `  Boundary:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: ${yamlDocument("boundary")}`,
      ...workers.map((_, index) => `  Worker${index}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: ${yamlDocument("trust")}`),
      "",
    ].join("\n"),
    accountChecks: true,
    ...(readsAccountDetails
      ? { operations: [{ client: IAMClient, command: GetAccountAuthorizationDetailsCommand, tokenKey: "Marker", answer: accountDetailsAnswer }, ...accountWide], fallbackOperations: oneByOne }
      : { operations: [...oneByOne, ...accountWide] }),
  };
}

const ACL_ARN = arnOf("wafv2", "regional/webacl/app-acl/acl-1");
const EDGE_ACL_ARN = `arn:aws:wafv2:us-east-1:${HAND_ACCOUNT}:global/webacl/edge-acl/acl-2`;
const RULE_GROUP_ARN = arnOf("wafv2", "regional/rulegroup/app-rules/rg-1");
const ALB_ARN = arnOf("elasticloadbalancing", "loadbalancer/app/web/50dc6c495c0c9188");
const aclRules = [{ Name: "Shared", Priority: 0, Statement: { RuleGroupReferenceStatement: { ARN: RULE_GROUP_ARN } }, OverrideAction: { None: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "shared" } }];
const edgeRules = [{ Name: "BadInputs", Priority: 0, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesKnownBadInputsRuleSet" } }, OverrideAction: { None: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "bad" } }];

/** A regional ACL on a load balancer, rate-limited through the rule group it references, and a CloudFront ACL on a distribution without any rate-based rule. */
const wafv2World: World = {
  name: "wafv2",
  Reader: Wafv2Reader,
  resources: [
    { logicalId: "Acl", type: "AWS::WAFv2::WebACL", physicalId: "app-acl|acl-1|REGIONAL" },
    { logicalId: "EdgeAcl", type: "AWS::WAFv2::WebACL", physicalId: "edge-acl|acl-2|CLOUDFRONT" },
    { logicalId: "AclAssociation", type: "AWS::WAFv2::WebACLAssociation", physicalId: `${ALB_ARN}|${ACL_ARN}` },
  ],
  template: [
    `  Acl:\n    Type: AWS::WAFv2::WebACL\n    Properties:\n      Name: app-acl\n      Scope: REGIONAL\n      DefaultAction: { Allow: {} }\n      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: acl }\n      Rules: ${JSON.stringify(aclRules)}`,
    `  EdgeAcl:\n    Type: AWS::WAFv2::WebACL\n    Properties:\n      Name: edge-acl\n      Scope: CLOUDFRONT\n      DefaultAction: { Allow: {} }\n      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: edge }\n      Rules: ${JSON.stringify(edgeRules)}`,
    `  AclAssociation:\n    Type: AWS::WAFv2::WebACLAssociation\n    Properties: { ResourceArn: "${ALB_ARN}", WebACLArn: !GetAtt Acl.Arn }`,
    "",
  ].join("\n"),
  operations: [
    {
      client: WAFV2Client,
      command: GetWebACLCommand,
      answer: (input) => {
        const edge = input.Scope === "CLOUDFRONT";
        return {
          WebACL: {
            Name: edge ? "edge-acl" : "app-acl",
            Id: edge ? "acl-2" : "acl-1",
            ARN: edge ? EDGE_ACL_ARN : ACL_ARN,
            DefaultAction: { Allow: {} },
            Rules: edge ? edgeRules : aclRules,
            VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: edge ? "edge" : "acl" },
            Capacity: 50,
            ManagedByFirewallManager: false,
          },
          LockToken: "lock-1",
        };
      },
    },
    {
      client: WAFV2Client,
      command: GetRuleGroupCommand,
      answer: () => ({
        RuleGroup: {
          Name: "app-rules",
          Id: "rg-1",
          ARN: RULE_GROUP_ARN,
          Capacity: 10,
          Rules: [{ Name: "PerIp", Priority: 0, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "per-ip" } }],
          VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "rules" },
        },
        LockToken: "lock-2",
      }),
    },
    { client: WAFV2Client, command: ListResourcesForWebACLCommand, answer: (input) => ({ ResourceArns: input.ResourceType === "APPLICATION_LOAD_BALANCER" || input.ResourceType === undefined ? [ALB_ARN] : [] }) },
    {
      client: CloudFrontClient,
      command: ListDistributionsByWebACLIdCommand,
      reportedAs: "cloudfront:ListDistributionsByWebACLId",
      answer: () => ({
        DistributionList: { Marker: "", MaxItems: 100, IsTruncated: false, Quantity: 1, Items: [{ Id: "E2EDGE", ARN: `arn:aws:cloudfront::${HAND_ACCOUNT}:distribution/E2EDGE`, DomainName: "d2edge.cloudfront.net", Enabled: true }] },
      }),
    },
  ],
};

const LISTENER_ARN = arnOf("elasticloadbalancing", "listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2");
const RULE_ARN = arnOf("elasticloadbalancing", "listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee");

/** An internet-facing load balancer whose HTTP listener forwards (a rule also forwards /api) instead of redirecting to HTTPS. */
const elbv2World: World = {
  name: "elbv2",
  Reader: Elbv2Reader,
  resources: [
    { logicalId: "Balancer", type: "AWS::ElasticLoadBalancingV2::LoadBalancer", physicalId: ALB_ARN },
    { logicalId: "Http", type: "AWS::ElasticLoadBalancingV2::Listener", physicalId: LISTENER_ARN },
    { logicalId: "ApiRule", type: "AWS::ElasticLoadBalancingV2::ListenerRule", physicalId: RULE_ARN },
  ],
  template: [
    "  Balancer:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties: { Scheme: internet-facing, Subnets: [subnet-1, subnet-2] }",
    `  Http:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties: { LoadBalancerArn: !Ref Balancer, Protocol: HTTP, Port: 80, DefaultActions: [{ Type: forward, TargetGroupArn: "${arnOf("elasticloadbalancing", "targetgroup/web/1")}" }] }`,
    `  ApiRule:\n    Type: AWS::ElasticLoadBalancingV2::ListenerRule\n    Properties: { ListenerArn: !Ref Http, Priority: 10, Conditions: [{ Field: path-pattern, Values: [/api/*] }], Actions: [{ Type: forward, TargetGroupArn: "${arnOf("elasticloadbalancing", "targetgroup/api/2")}" }] }`,
    "",
  ].join("\n"),
  operations: [
    {
      client: ElasticLoadBalancingV2Client,
      command: DescribeListenersCommand,
      tokenKey: "NextMarker",
      answer: () => ({
        Listeners: [{ ListenerArn: LISTENER_ARN, LoadBalancerArn: ALB_ARN, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: arnOf("elasticloadbalancing", "targetgroup/web/1"), Order: 1 }] }],
      }),
    },
    {
      client: ElasticLoadBalancingV2Client,
      command: DescribeLoadBalancersCommand,
      tokenKey: "NextMarker",
      answer: () => ({ LoadBalancers: [{ LoadBalancerArn: ALB_ARN, LoadBalancerName: "web", Scheme: "internet-facing", Type: "application", State: { Code: "active" }, VpcId: "vpc-0a" }] }),
    },
    {
      client: ElasticLoadBalancingV2Client,
      command: DescribeRulesCommand,
      tokenKey: "NextMarker",
      answer: () => ({
        Rules: [
          { RuleArn: RULE_ARN, Priority: "10", IsDefault: false, Conditions: [{ Field: "path-pattern", Values: ["/api/*"] }], Actions: [{ Type: "forward", TargetGroupArn: arnOf("elasticloadbalancing", "targetgroup/api/2"), Order: 1 }] },
          { RuleArn: arnOf("elasticloadbalancing", "listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/default"), Priority: "default", IsDefault: true, Conditions: [], Actions: [{ Type: "forward", TargetGroupArn: arnOf("elasticloadbalancing", "targetgroup/web/1"), Order: 1 }] },
        ],
      }),
    },
  ],
};

/** A REST API whose POST method has no validator and whose stage has no access logs, and an HTTP API stage without access logs. */
const apiGatewayWorld: World = {
  name: "apigateway",
  Reader: ApiGatewayReader,
  resources: [
    { logicalId: "Api", type: "AWS::ApiGateway::RestApi", physicalId: "a1b2c3d4e5" },
    { logicalId: "Orders", type: "AWS::ApiGateway::Resource", physicalId: "res123" },
    { logicalId: "PostOrder", type: "AWS::ApiGateway::Method", physicalId: "app-PostO-1" },
    { logicalId: "Validator", type: "AWS::ApiGateway::RequestValidator", physicalId: "val123" },
    { logicalId: "Deployment", type: "AWS::ApiGateway::Deployment", physicalId: "dep123" },
    { logicalId: "Prod", type: "AWS::ApiGateway::Stage", physicalId: "prod" },
    { logicalId: "HttpApi", type: "AWS::ApiGatewayV2::Api", physicalId: "h1t2p3q4r5" },
    { logicalId: "HttpStage", type: "AWS::ApiGatewayV2::Stage", physicalId: "live" },
  ],
  template: [
    "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: { Name: orders, EndpointConfiguration: { Types: [REGIONAL] } }",
    "  Orders:\n    Type: AWS::ApiGateway::Resource\n    Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders }",
    "  PostOrder:\n    Type: AWS::ApiGateway::Method\n    Properties: { RestApiId: !Ref Api, ResourceId: !Ref Orders, HttpMethod: POST, AuthorizationType: AWS_IAM, Integration: { Type: MOCK } }",
    "  Validator:\n    Type: AWS::ApiGateway::RequestValidator\n    Properties: { RestApiId: !Ref Api, Name: body, ValidateRequestBody: true, ValidateRequestParameters: false }",
    "  Deployment:\n    Type: AWS::ApiGateway::Deployment\n    DependsOn: PostOrder\n    Properties: { RestApiId: !Ref Api }",
    "  Prod:\n    Type: AWS::ApiGateway::Stage\n    Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: prod }",
    "  HttpApi:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: { Name: events, ProtocolType: HTTP }",
    "  HttpStage:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: { ApiId: !Ref HttpApi, StageName: live, AutoDeploy: true }",
    "",
  ].join("\n"),
  operations: [
    { client: APIGatewayClient, command: GetRestApiCommand, answer: () => ({ id: "a1b2c3d4e5", name: "orders", rootResourceId: "root123", endpointConfiguration: { types: ["REGIONAL"] }, apiKeySource: "HEADER", disableExecuteApiEndpoint: false }) },
    { client: APIGatewayClient, command: GetRestStagesCommand, answer: () => ({ item: [{ stageName: "prod", deploymentId: "dep123", tracingEnabled: false, cacheClusterEnabled: false, methodSettings: {} }] }) },
    {
      client: APIGatewayClient,
      command: GetResourcesCommand,
      tokenKey: "position",
      answer: () => ({
        items: [
          { id: "root123", path: "/" },
          { id: "res123", parentId: "root123", pathPart: "orders", path: "/orders", resourceMethods: { POST: { httpMethod: "POST", authorizationType: "AWS_IAM", apiKeyRequired: false } } },
        ],
      }),
    },
    { client: APIGatewayClient, command: GetRequestValidatorsCommand, tokenKey: "position", answer: () => ({ items: [{ id: "val123", name: "body", validateRequestBody: true, validateRequestParameters: false }] }) },
    { client: ApiGatewayV2Client, command: GetApiCommand, answer: () => ({ ApiId: "h1t2p3q4r5", Name: "events", ProtocolType: "HTTP", ApiEndpoint: "https://h1t2p3q4r5.execute-api.eu-west-1.amazonaws.com", RouteSelectionExpression: "$request.method $request.path" }) },
    { client: ApiGatewayV2Client, command: GetV2StagesCommand, tokenKey: "NextToken", label: "v2", answer: () => ({ Items: [{ StageName: "live", DeploymentId: "dep456", AutoDeploy: true, DefaultRouteSettings: { DetailedMetricsEnabled: false } }] }) },
  ],
};

const MEDIA_DOMAIN = "app-media.s3.eu-west-1.amazonaws.com";
const ASSETS_DOMAIN = "app-assets.s3.eu-west-1.amazonaws.com";

/** A distribution reading one bucket with no access control at all and one through an OAC whose bucket policy grants every distribution. */
const cloudFrontWorld: World = {
  name: "cloudfront",
  Reader: CloudFrontReader,
  resources: [{ logicalId: "Cdn", type: "AWS::CloudFront::Distribution", physicalId: "E1APPCDN" }],
  template: [
    "  Cdn:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior: { TargetOriginId: media, ViewerProtocolPolicy: redirect-to-https, CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6 }",
    `        Origins:\n          - { Id: media, DomainName: ${MEDIA_DOMAIN}, S3OriginConfig: { OriginAccessIdentity: "" } }\n          - { Id: assets, DomainName: ${ASSETS_DOMAIN}, OriginAccessControlId: oac123, S3OriginConfig: { OriginAccessIdentity: "" } }`,
    "",
  ].join("\n"),
  operations: [
    {
      client: CloudFrontClient,
      command: GetDistributionConfigCommand,
      answer: () => ({
        ETag: "E2ETAG",
        DistributionConfig: {
          CallerReference: "app-cdn",
          Comment: "",
          Enabled: true,
          Origins: {
            Quantity: 2,
            Items: [
              { Id: "media", DomainName: MEDIA_DOMAIN, OriginPath: "", S3OriginConfig: { OriginAccessIdentity: "" }, OriginAccessControlId: "" },
              { Id: "assets", DomainName: ASSETS_DOMAIN, OriginPath: "", S3OriginConfig: { OriginAccessIdentity: "" }, OriginAccessControlId: "oac123" },
            ],
          },
          DefaultCacheBehavior: { TargetOriginId: "media", ViewerProtocolPolicy: "redirect-to-https" },
          WebACLId: "",
        },
      }),
    },
    {
      client: S3Client,
      command: GetBucketPolicyCommand,
      reportedAs: "s3:GetBucketPolicy",
      answer: () => ({ Policy: policyText({ Sid: "Cdn", Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::app-assets/*" }) }),
    },
  ],
};

export const WORLDS: readonly World[] = [
  cloudFormationWorld,
  ec2World,
  kmsWorld,
  rdsWorld,
  cloudTrailWorld,
  s3World,
  secretsWorld,
  lambdaWorld,
  securityHubWorld,
  configWorld,
  snsWorld,
  iamWorld("iam (one by one)", 0),
  iamWorld("iam (account details)", ACCOUNT_DETAILS_THRESHOLD + 1 - IAM_ENTITIES),
  wafv2World,
  elbv2World,
  apiGatewayWorld,
  cloudFrontWorld,
];
