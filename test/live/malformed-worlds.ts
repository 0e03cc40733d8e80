/**
 * One small deployed stack per reader, with the well-formed answer of every operation the reader sends for it: the
 * ground the malformed-response matrix breaks one operation at a time. Each world holds a flaw the reader's rules
 * report (so losing data shows), and its deployed template matches the live state (so a half answer read as a
 * change shows as drift).
 */
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
}

export interface StackEntry {
  logicalId: string;
  type: string;
  physicalId: string;
}

export interface World {
  Reader: ServiceReaderClass<object>;
  resources: StackEntry[];
  /** The deployed template's Resources section (YAML, indented two spaces), matching the live answers. */
  template: string;
  operations: Operation[];
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
  Reader: SecretsManagerReader,
  resources: [{ logicalId: "Secret", type: "AWS::SecretsManager::Secret", physicalId: arnOf("secretsmanager", "secret:db-AbCdEf") }],
  template: "  Secret:\n    Type: AWS::SecretsManager::Secret\n    Properties: { Name: db }\n",
  operations: [{ client: SecretsManagerClient, command: DescribeSecretCommand, answer: (input) => ({ ARN: String(input.SecretId), Name: "db", RotationEnabled: false, LastChangedDate: new Date("2025-01-01T00:00:00Z") }) }],
};

/** A function with no dead-letter queue or failure destination, invocable by S3 of any account. */
const lambdaWorld: World = {
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
  Reader: SnsReader,
  resources: [],
  template: "",
  operations: [CONTROL.operation],
};

/** CloudFormation's world: the stack holds only the control topic. */
const cloudFormationWorld: World = { Reader: CloudFormationReader, resources: [], template: "", operations: [] };

export const WORLDS: readonly World[] = [cloudFormationWorld, ec2World, kmsWorld, rdsWorld, cloudTrailWorld, s3World, secretsWorld, lambdaWorld, securityHubWorld, configWorld, snsWorld];
