import { restApiViews, type ApiMethodView } from "../../views/api-gateway.ts";
import { cloudFrontDistributionViews } from "../../views/cloudfront-distribution.ts";
import { pointsAt } from "../../views/references.ts";
import { propertyPath } from "../../views/view.ts";
import { defineRule, type Hit } from "../rule.ts";

/** A validator that checks neither body nor parameters validates nothing; an unknown validator gets the benefit of the doubt. */
function validates(method: ApiMethodView): boolean {
  const validation = method.validation;
  if (!validation) return false;
  return validation.validatesBody !== false || validation.validatesParameters !== false;
}

export default defineRule({
  id: "apigw-config-weak",
  title: "REST API accepts unvalidated input or sits behind a second CloudFront layer",
  severity: "low",
  description:
    "A REST API method that takes input (POST, PUT, PATCH, ANY, request models or required parameters) without a request " +
    "validator passes malformed and oversized payloads straight to the backend, which then pays for them and must defend " +
    "itself. Separately, an API with the EDGE endpoint type (API Gateway's default when EndpointConfiguration is absent) " +
    "that the template also puts behind its own CloudFront distribution runs through two CloudFront layers, and the " +
    "edge-optimised endpoint stays reachable directly, around the distribution's WAF and caching rules: such an API " +
    "should be REGIONAL. (An EDGE API with no distribution of the template in front is not judged: that needs a policy " +
    "setting saying REGIONAL is required.)",
  remediation:
    "Add an AWS::ApiGateway::RequestValidator (ValidateRequestBody: true, ValidateRequestParameters: true) and set each " +
    "input-taking method's RequestValidatorId to it, with RequestModels describing the body (or, in an OpenAPI Body, " +
    "x-amazon-apigateway-request-validators plus x-amazon-apigateway-request-validator). Set EndpointConfiguration.Types " +
    "to [REGIONAL] for an API fronted by its own CloudFront distribution.",
  seeds: ["001 §3", "003 §5"],
  anchors: ["cdk-nag APIG2"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    const distributions = context.views(cloudFrontDistributionViews);
    for (const api of context.views(restApiViews)) {
      for (const method of api.methods) {
        if (method.httpMethod === "OPTIONS" || !method.takesInput || validates(method)) continue;
        const where = `${method.httpMethod} ${method.path ?? ""}`.trim();
        const validator = method.validation ? ` (validator ${method.validation.name ?? "attached"} validates neither body nor parameters)` : "";
        hits.push({
          resource: method.logicalId ? { logicalId: method.logicalId, type: "AWS::ApiGateway::Method" } : { logicalId: api.logicalId, type: api.type },
          message: `${method.logicalId ? `Method ${method.logicalId}` : "Operation"} ${where} of REST API ${api.logicalId} takes input without request validation${validator}`,
          path: method.logicalId ? propertyPath(method.logicalId, "RequestValidatorId") : method.at,
          detail: method.logicalId ? "validator" : `validator:${where}`,
          evidence: { httpMethod: method.httpMethod, path: method.path, requestValidator: method.validation ?? null },
        });
      }
      if (!api.endpointTypes?.includes("EDGE")) continue;
      // Live, an origin names the API by its execute-api domain: API_ID.execute-api.REGION.amazonaws.com.
      const liveDomain = api.physicalId ? `${api.physicalId.toLowerCase()}.execute-api.` : undefined;
      const fronting = distributions.find((distribution) =>
        distribution.origins?.some(
          (origin) => pointsAt(origin.domainName, api.logicalId) || (liveDomain !== undefined && typeof origin.domainName === "string" && origin.domainName.toLowerCase().startsWith(liveDomain)),
        ),
      );
      if (!fronting) continue;
      hits.push({
        resource: { logicalId: api.logicalId, type: api.type, ...(api.physicalId ? { physicalId: api.physicalId } : {}) },
        message:
          `REST API ${api.logicalId} is ${api.endpointTypesDeclared ? "declared EDGE" : "EDGE by default (no EndpointConfiguration)"} ` +
          `yet the ${context.source === "template" ? "template" : "stack"} fronts it with its own CloudFront distribution ${fronting.logicalId}: two CloudFront layers, and ` +
          "the edge endpoint can be called around the distribution; use REGIONAL",
        path: api.endpointTypesDeclared ? propertyPath(api.logicalId, "EndpointConfiguration", "Types") : ["Resources", api.logicalId],
        detail: "endpoint-edge",
        evidence: { endpointTypes: api.endpointTypes, declared: api.endpointTypesDeclared, distribution: fronting.logicalId },
      });
    }
    return hits;
  },
});
