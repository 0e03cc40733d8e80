import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";

/** What every view knows about the resource it describes. */
export interface ResourceView {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** Where the resource is written in the template (["Resources", logicalId]); absent for live-only views. */
  at?: TemplatePath;
}

/** One kind of view: how it is built from a resolved template (and, in the live reader, from the API). */
export interface ViewKind<V extends ResourceView> {
  name: string;
  fromTemplate(template: ResolvedTemplate): V[];
}

/** Defines a view kind; `fromTemplate` runs at most once per resolved template, however many rules ask. */
export function defineView<V extends ResourceView>(kind: ViewKind<V>): ViewKind<V> {
  return kind;
}

export function resourcePath(logicalId: string, ...rest: (string | number)[]): TemplatePath {
  return ["Resources", logicalId, ...rest];
}

export function propertyPath(logicalId: string, ...rest: (string | number)[]): TemplatePath {
  return ["Resources", logicalId, "Properties", ...rest];
}

/** The resources of the given types, in template order. */
export function resourcesOfType(template: ResolvedTemplate, ...types: string[]) {
  return [...template.resources.values()].filter((resource) => types.includes(resource.type));
}
