import { isRecord, stringValue } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

/**
 * Property names whose value decides who can reach or read what. CIDRs count where they filter traffic (security group
 * rules, network ACL entries, IP sets, aws:SourceIp), not where they only plan addresses (a VPC's or subnet's CidrBlock).
 */
const SECURITY_PROPERTY = /^CidrIp(v6)?$|^Ipv6CidrBlock$|^Addresses$|^KeyName$|Password|Secret|Kms|KeyId$|KeyArn$|^Principal$|PolicyDocument|^Policies$|ManagedPolicyArns|PermissionsBoundary|Ingress|Egress|SecurityGroup|CertificateArn|SslPolicy|PubliclyAccessible|Encrypt|AccessControl|AllowedOrigins|SourceIp|^Action$|^Resource$/i;

const CONSTRAINTS = ["AllowedValues", "AllowedPattern", "MinLength", "MaxLength"];

export default defineRule({
  id: "template-parameter-unconstrained",
  title: "Unconstrained parameter feeds a security-relevant property",
  severity: "info",
  description:
    "A String parameter with no AllowedValues, AllowedPattern, MinLength or MaxLength flows into a security-relevant " +
    "property (a CIDR, an SSH key name, a password, a KMS key, an IAM policy, a security group rule...). Whoever deploys " +
    "the stack can pass anything, such as 0.0.0.0/0 for an admin CIDR, and nothing stops it before the resource is made.",
  remediation:
    "Constrain the parameter: AllowedPattern (e.g. a CIDR regex that rejects /0), AllowedValues, MinLength/MaxLength, " +
    "with a ConstraintDescription; or give it an AWS-specific type (AWS::EC2::KeyPair::KeyName, " +
    "AWS::EC2::SecurityGroup::Id, AWS::SSM::Parameter::Value<...>) that CloudFormation validates.",
  seeds: ["001 compliance §1"],
  anchors: [],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const hits: Hit[] = [];
    const typeOf = (logicalId: string): string => {
      const resource = template.body.Resources[logicalId];
      return isRecord(resource) ? stringValue(resource.Type) ?? "" : "";
    };
    const parameters = isRecord(template.body.Parameters) ? template.body.Parameters : {};
    for (const [name, declaration] of Object.entries(parameters)) {
      if (!isRecord(declaration) || (stringValue(declaration.Type) ?? "String") !== "String") continue;
      if (CONSTRAINTS.some((constraint) => constraint in declaration)) continue;
      const uses = template.graph
        .usersOf(name)
        .filter((reference) => reference.path[0] === "Resources" && reference.path[2] === "Properties")
        .map((reference) => ({ reference, key: securityProperty(reference.path.slice(3), typeOf(reference.from)) }))
        .filter((use): use is { reference: (typeof use)["reference"]; key: string } => use.key !== undefined);
      if (uses.length === 0) continue;
      const where = [...new Set(uses.map(({ reference, key }) => `${reference.from}.${key}`))];
      hits.push({
        resource: { logicalId: name, type: "AWS::CloudFormation::Parameter" },
        path: ["Parameters", name],
        message: `parameter ${name} has no AllowedValues, AllowedPattern or length limits, yet it sets ${where.slice(0, 5).join(", ")}${where.length > 5 ? ` and ${where.length - 5} more` : ""}`,
        evidence: { parameter: name, feeds: where },
      });
    }
    return hits;
  },
});

function securityProperty(path: readonly (string | number)[], type: string): string | undefined {
  return path.find(
    (step): step is string => typeof step === "string" && (SECURITY_PROPERTY.test(step) || (type === "AWS::EC2::NetworkAclEntry" && step === "CidrBlock")),
  );
}
