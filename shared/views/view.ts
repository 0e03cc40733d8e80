import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import type { LiveScope, LiveStack, StackResource } from "../live/session.ts";

/** What every view knows about the resource it describes. */
export interface ResourceView {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** Where the resource is written in the template (["Resources", logicalId]); absent for live-only views. */
  at?: TemplatePath;
}

/** One kind of view: how it is built from a resolved template and from the live readers' data, in the same shape. */
export interface ViewKind<V extends ResourceView> {
  name: string;
  fromTemplate(template: ResolvedTemplate): V[];
  /**
   * Built from what the readers fetched for one stack (views carry the physical id) or, for account-level kinds,
   * for the account and region; never calls AWS. Absent when the kind has no live form.
   */
  fromLive?(scope: LiveScope): V[];
}

/** Defines a view kind; each builder runs at most once per template scenario or live scope, however many rules ask. */
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

/** The stack's resources of the given types that exist live (a physical id, not deleted), in stack order. */
export function liveResourcesOfType(scope: LiveScope, ...types: string[]): (StackResource & { physicalId: string })[] {
  if (scope.scope !== "stack") return [];
  return (scope as LiveStack).resources.filter(
    (resource): resource is StackResource & { physicalId: string } => types.includes(resource.type) && resource.physicalId !== undefined && resource.status !== "DELETE_COMPLETE",
  );
}
