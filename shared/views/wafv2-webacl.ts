import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { display, isRecord, listValue, numberValue, ResourceRef, stringValue } from "../template/values.ts";
import { pointsAt, recordAt, referencedLogicalIds } from "./references.ts";
import type { LiveScope } from "../live/session.ts";
import { ruleGroupArnsOf, Wafv2Reader } from "../live/wafv2.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** Something a Web ACL protects. */
export interface WebAclAssociation {
  /** How the protection is declared: an AWS::WAFv2::WebACLAssociation, a CloudFront distribution's WebACLId, or another resource's property. */
  via: "association" | "cloudfront" | "property";
  /** The protected resource as the template names it (an ARN, or `${Logical.Attr}`); live, its ARN. */
  resource: string;
  /** Logical id of the resource that declares the association (absent live). */
  declaredBy?: string;
  /** True when the association names the ACL by `Ref`, which returns "Name|Id|Scope", not the ARN WebACLArn needs. */
  namedByRef?: boolean;
  at?: TemplatePath;
}

export interface WebAclRule {
  name?: string;
  priority?: number;
  /** Every statement type in the rule's statement tree, nested ones included ("RateBasedStatement", "AndStatement"...). */
  statementTypes: string[];
  /**
   * true when the rule rate-limits (a RateBasedStatement anywhere in its tree or in a rule group of the template it
   * references); undefined when it references a rule group the template does not define, which could.
   */
  rateBased: boolean | undefined;
  /** Live rules point at their Web ACL. */
  at: TemplatePath;
}

export interface WebAclView extends ResourceView {
  name?: string;
  /** "REGIONAL" or "CLOUDFRONT". */
  scope?: string;
  /** undefined when the template does not fix the rule list. */
  rules: WebAclRule[] | undefined;
  /** Live: undefined when listing what the ACL protects failed (the failure is reported on its own). */
  associations: WebAclAssociation[] | undefined;
}

/** The template always knows what it declares. */
type TemplateWebAclView = WebAclView & { associations: WebAclAssociation[] };

const STATEMENT_SUFFIX = /Statement$/;

/** Statement types of a statement tree (And/Or/Not, scope-down statements of rate-based and managed rule group statements). */
function statementTypesOf(statement: unknown, found: string[] = []): string[] {
  if (!isRecord(statement)) return found;
  for (const [key, value] of Object.entries(statement)) {
    if (!STATEMENT_SUFFIX.test(key)) continue;
    found.push(key);
    if (!isRecord(value)) continue;
    for (const nested of listValue(value.Statements)) statementTypesOf(nested, found);
    statementTypesOf(value.Statement, found);
    statementTypesOf(value.ScopeDownStatement, found);
  }
  return found;
}

function ruleGroupReferences(statement: unknown, found: unknown[] = []): unknown[] {
  if (!isRecord(statement)) return found;
  for (const [key, value] of Object.entries(statement)) {
    if (!STATEMENT_SUFFIX.test(key) || !isRecord(value)) continue;
    if (key === "RuleGroupReferenceStatement") found.push(value.Arn);
    for (const nested of listValue(value.Statements)) ruleGroupReferences(nested, found);
    ruleGroupReferences(value.Statement, found);
  }
  return found;
}

function rulesOf(rules: unknown, logicalId: string, key: string, ruleGroupsRateBased: Map<string, boolean>): WebAclRule[] | undefined {
  if (!Array.isArray(rules)) return rules === undefined ? [] : undefined;
  return rules.flatMap((rule, index) => {
    if (!isRecord(rule)) return [];
    const statementTypes = statementTypesOf(rule.Statement);
    let rateBased: boolean | undefined = statementTypes.includes("RateBasedStatement");
    if (!rateBased) {
      for (const arn of ruleGroupReferences(rule.Statement)) {
        const group = referencedLogicalIds(arn).find((id) => ruleGroupsRateBased.has(id));
        if (group !== undefined) {
          if (ruleGroupsRateBased.get(group)) rateBased = true;
        } else if (rateBased === false) {
          rateBased = undefined;
        }
      }
    }
    const view: WebAclRule = { statementTypes, rateBased, at: propertyPath(logicalId, key, index) };
    const name = stringValue(rule.Name);
    if (name !== undefined) view.name = name;
    const priority = numberValue(rule.Priority);
    if (priority !== undefined) view.priority = priority;
    return [view];
  });
}

/** A literal WAFv2 ARN names the ACL when it carries the ACL's name: arn:aws:wafv2:region:account:scope/webacl/NAME/ID. */
function literalArnNames(arn: string, name: string | undefined): boolean {
  return name !== undefined && arn.includes(`/webacl/${name}/`);
}

export const webAclViews = defineView<WebAclView>({
  name: "wafv2-webacl",
  fromTemplate(template: ResolvedTemplate) {
    const ruleGroupsRateBased = new Map<string, boolean>();
    for (const group of resourcesOfType(template, "AWS::WAFv2::RuleGroup")) {
      const rules = listValue(group.properties.Rules);
      ruleGroupsRateBased.set(group.logicalId, rules.some((rule) => isRecord(rule) && statementTypesOf(rule.Statement).includes("RateBasedStatement")));
    }

    const views: TemplateWebAclView[] = [];
    for (const acl of resourcesOfType(template, "AWS::WAFv2::WebACL")) {
      const { logicalId, properties } = acl;
      const view: TemplateWebAclView = {
        logicalId,
        type: acl.type,
        at: ["Resources", logicalId],
        rules: rulesOf(properties.Rules, logicalId, "Rules", ruleGroupsRateBased),
        associations: [],
      };
      const name = stringValue(properties.Name);
      if (name !== undefined) view.name = name;
      const scope = stringValue(properties.Scope);
      if (scope !== undefined) view.scope = scope.toUpperCase();
      views.push(view);
    }
    if (views.length === 0) return views;

    const aclNamed = (value: unknown): TemplateWebAclView | undefined => {
      const text = stringValue(value);
      return views.find((view) => pointsAt(value, view.logicalId) || (text !== undefined && literalArnNames(text, view.name)));
    };
    const namedByRef = (value: unknown, acl: WebAclView): boolean => value instanceof ResourceRef && value.logicalId === acl.logicalId;

    for (const resource of template.resources.values()) {
      if (resource.type === "AWS::WAFv2::WebACLAssociation") {
        const acl = aclNamed(resource.properties.WebACLArn);
        if (!acl) continue;
        const association: WebAclAssociation = {
          via: "association",
          resource: display(resource.properties.ResourceArn),
          declaredBy: resource.logicalId,
          at: ["Resources", resource.logicalId],
        };
        if (namedByRef(resource.properties.WebACLArn, acl)) association.namedByRef = true;
        acl.associations.push(association);
        continue;
      }
      if (resource.type === "AWS::CloudFront::Distribution") {
        const webAclId = recordAt(resource.properties, "DistributionConfig").WebACLId;
        const acl = aclNamed(webAclId);
        if (acl) {
          acl.associations.push({
            via: "cloudfront",
            resource: `\${${resource.logicalId}}`,
            declaredBy: resource.logicalId,
            at: propertyPath(resource.logicalId, "DistributionConfig", "WebACLId"),
          });
        }
        continue;
      }
      // Other services name their ACL in a property of their own (AWS::AppSync::GraphQLApi is associated through
      // WebACLAssociation, but e.g. AWS::Amplify::App or a third-party type may carry a WebAclArn/WebACLId).
      findWebAclProperties(resource.properties, [], (value, path) => {
        const acl = aclNamed(value);
        if (acl) acl.associations.push({ via: "property", resource: `\${${resource.logicalId}}`, declaredBy: resource.logicalId, at: propertyPath(resource.logicalId, ...path) });
      });
    }
    return views;
  },

  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(Wafv2Reader);
    return liveResourcesOfType(scope, "AWS::WAFv2::WebACL").flatMap((resource) => {
      const acl = reader.webAcl(resource.physicalId);
      if (!acl) return [];
      const at: TemplatePath = ["Resources", resource.logicalId];
      const rules = acl.rules.map((rule) => {
        const statementTypes = statementTypesOf(rule.Statement);
        const groupVerdicts = ruleGroupArnsOf(rule.Statement).map((arn) => reader.ruleGroupHasRateBasedRule(arn));
        const rateBased = statementTypes.includes("RateBasedStatement") || groupVerdicts.includes(true) ? true : groupVerdicts.includes(undefined) ? undefined : false;
        const view: WebAclRule = { statementTypes, rateBased, at };
        if (typeof rule.Name === "string") view.name = rule.Name;
        if (typeof rule.Priority === "number") view.priority = rule.Priority;
        return view;
      });
      const associations = acl.associations?.map(
        (association): WebAclAssociation => ({ via: association.resourceType === "CLOUDFRONT" ? "cloudfront" : "association", resource: association.resource }),
      );
      return [{ logicalId: resource.logicalId, type: resource.type, physicalId: resource.physicalId, name: acl.name, scope: acl.scope, rules, associations }];
    });
  },
});

function findWebAclProperties(node: unknown, path: (string | number)[], visit: (value: unknown, path: (string | number)[]) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => findWebAclProperties(item, [...path, index], visit));
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (/^web_?acl(id|arn)?$/i.test(key)) visit(value, [...path, key]);
    else findWebAclProperties(value, [...path, key], visit);
  }
}
