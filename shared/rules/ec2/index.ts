import type { Rule } from "../rule.ts";
import ec2EbsDefaultEncryptionOff from "./ec2-ebs-default-encryption-off.ts";
import ec2EbsUnencrypted from "./ec2-ebs-unencrypted.ts";
import ec2Imdsv1Allowed from "./ec2-imdsv1-allowed.ts";
import ec2SgEgressOutsideAllowlist from "./ec2-sg-egress-outside-allowlist.ts";
import ec2SgEgressUnrestricted from "./ec2-sg-egress-unrestricted.ts";
import ec2SgIngressOpenAdminPort from "./ec2-sg-ingress-open-admin-port.ts";
import ec2SgIngressOpenWorld from "./ec2-sg-ingress-open-world.ts";
import ec2SgUnattached from "./ec2-sg-unattached.ts";

export const EC2_RULES: readonly Rule[] = [
  ec2SgEgressUnrestricted,
  ec2SgEgressOutsideAllowlist,
  ec2SgIngressOpenAdminPort,
  ec2SgIngressOpenWorld,
  ec2SgUnattached,
  ec2Imdsv1Allowed,
  ec2EbsUnencrypted,
  ec2EbsDefaultEncryptionOff,
];
