import type { Rule } from "../rule.ts";
import haSingleInstance from "./ha-single-instance.ts";
import templateHardcodedValues from "./template-hardcoded-values.ts";
import templateInvalidArnReference from "./template-invalid-arn-reference.ts";
import templateInvalidPropertyValue from "./template-invalid-property-value.ts";
import templateParameterUnconstrained from "./template-parameter-unconstrained.ts";
import templateStatefulNoDeletionPolicy from "./template-stateful-no-deletion-policy.ts";
import templateUnresolvedReference from "./template-unresolved-reference.ts";

export const TEMPLATE_RULES: readonly Rule[] = [
  templateInvalidArnReference,
  templateUnresolvedReference,
  templateInvalidPropertyValue,
  templateStatefulNoDeletionPolicy,
  templateHardcodedValues,
  templateParameterUnconstrained,
  haSingleInstance,
];
