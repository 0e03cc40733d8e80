import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, describeDb, driftValue } from "./shared.ts";

function publicSubnets(db: DbInstanceView): string[] {
  return Array.isArray(db.publicSubnets) ? db.publicSubnets : [];
}

function placement(db: DbInstanceView): Record<string, unknown> {
  return { ...(db.subnetGroup !== undefined ? { subnetGroup: db.subnetGroup } : {}), publicSubnets: publicSubnets(db) };
}

export default defineRule({
  id: "rds-publicly-accessible",
  title: "Database is publicly accessible",
  severity: "critical",
  description:
    "A publicly accessible database gets a public IP address and a DNS name that resolves to it from the internet; only " +
    "its security group stands between the database port and the world. When PubliclyAccessible is left out, AWS makes the " +
    "instance public if its VPC has an internet gateway: an instance with no DBSubnetGroupName (the default VPC) or whose " +
    "subnet group holds public subnets is reported at high. An instance that is not publicly accessible but whose subnet " +
    "group holds public subnets is reported at medium: one property change exposes it.",
  remediation:
    "Set PubliclyAccessible: false and give the database a DBSubnetGroupName whose subnets are private (no route to an " +
    "internet gateway); reach it from inside the VPC, through Session Manager port forwarding, or RDS Proxy.",
  seeds: ["003 §4"],
  anchors: ["cfn_nag F22", "checkov CKV_AWS_17", "securityhub RDS.2"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "PubliclyAccessible", value: (view: DbInstanceView) => driftValue(view, "publiclyAccessible", !view.defaulted.includes("publiclyAccessible")) }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      const exposed = publicSubnets(db);
      const inSubnets = exposed.length > 0 ? ` (its subnet group ${db.subnetGroup} holds public subnets ${exposed.join(", ")})` : "";
      if (db.publiclyAccessible === true && !db.defaulted.includes("publiclyAccessible")) {
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "publiclyAccessible"),
          message: `${describeDb(db)} is publicly accessible (PubliclyAccessible: true)${inSubnets}: its endpoint resolves to a public IP address and only its security group keeps the internet away from the database port`,
          evidence: { ...dbEvidence(db, "publiclyAccessible"), ...placement(db) },
        });
      } else if (db.publiclyAccessible === true) {
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "publiclyAccessible"),
          message: db.subnetGroup === undefined
            ? `${describeDb(db)} sets neither PubliclyAccessible nor DBSubnetGroupName: it is created in the default VPC, whose internet gateway makes it publicly accessible by default (high: it depends on the account's default VPC)`
            : `${describeDb(db)} does not set PubliclyAccessible and its subnet group ${db.subnetGroup} holds public subnets ${exposed.join(", ")}: AWS makes an instance in a VPC with an internet gateway publicly accessible by default (high: set it explicitly)`,
          severity: "high",
          evidence: { ...dbEvidence(db, "publiclyAccessible"), ...placement(db) },
        });
      } else if (db.publiclyAccessible === false && exposed.length > 0) {
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "publiclyAccessible"),
          message: `${describeDb(db)} is not publicly accessible, but its subnet group ${db.subnetGroup} holds public subnets ${exposed.join(", ")} with a route to an internet gateway: setting PubliclyAccessible to true would expose it (medium)`,
          severity: "medium",
          evidence: { ...dbEvidence(db, "publiclyAccessible"), ...placement(db) },
        });
      }
    }
    return hits;
  },
});
