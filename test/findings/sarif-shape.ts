/**
 * A structural check of a SARIF 2.1.0 log against the fields the OASIS schema requires and GitHub code scanning
 * reads. Returns the problems found, empty when the log is well formed.
 */
export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
  const nonEmptyString = (value: unknown) => typeof value === "string" && value.length > 0;
  const message = (value: unknown, where: string) => {
    if (!isObject(value) || !nonEmptyString(value.text)) fail(where, "must be a message with non-empty text");
  };
  const LEVELS = ["none", "note", "warning", "error"];

  if (!isObject(log)) return ["log is not an object"];
  if (log.version !== "2.1.0") fail("version", `must be "2.1.0", is ${JSON.stringify(log.version)}`);
  if (typeof log.$schema !== "string" || !/sarif.*2\.1\.0/i.test(log.$schema)) fail("$schema", "must name the SARIF 2.1.0 schema");
  if (!Array.isArray(log.runs) || log.runs.length === 0) return [...problems, "runs: must be a non-empty array"];

  log.runs.forEach((run: unknown, runIndex) => {
    const at = `runs[${runIndex}]`;
    if (!isObject(run)) return fail(at, "must be an object");
    const driver = isObject(run.tool) ? run.tool.driver : undefined;
    if (!isObject(driver)) return fail(`${at}.tool.driver`, "is required");
    if (!nonEmptyString(driver.name)) fail(`${at}.tool.driver.name`, "is required");
    const rules = driver.rules ?? [];
    if (!Array.isArray(rules)) return fail(`${at}.tool.driver.rules`, "must be an array");
    const ids = new Set<string>();
    rules.forEach((rule: unknown, index) => {
      const where = `${at}.tool.driver.rules[${index}]`;
      if (!isObject(rule) || !nonEmptyString(rule.id)) return fail(where, "must have an id");
      if (ids.has(rule.id as string)) fail(where, `duplicate rule id ${String(rule.id)}`);
      ids.add(rule.id as string);
      for (const key of ["shortDescription", "fullDescription"]) if (rule[key] !== undefined) message(rule[key], `${where}.${key}`);
      if (rule.help !== undefined) {
        message(rule.help, `${where}.help`);
        if (isObject(rule.help) && rule.help.markdown !== undefined && typeof rule.help.markdown !== "string") fail(`${where}.help.markdown`, "must be a string");
      }
      const level = isObject(rule.defaultConfiguration) ? rule.defaultConfiguration.level : undefined;
      if (level !== undefined && !LEVELS.includes(level as string)) fail(`${where}.defaultConfiguration.level`, `invalid level ${String(level)}`);
      const properties = isObject(rule.properties) ? rule.properties : {};
      const severity = properties["security-severity"];
      if (severity !== undefined && !(typeof severity === "string" && Number(severity) >= 0 && Number(severity) <= 10)) {
        fail(`${where}.properties.security-severity`, "must be a number between 0 and 10 written as a string");
      }
      if (properties.tags !== undefined && !(Array.isArray(properties.tags) && properties.tags.every((tag) => typeof tag === "string"))) {
        fail(`${where}.properties.tags`, "must be a list of strings");
      }
    });

    if (!Array.isArray(run.results)) return fail(`${at}.results`, "must be an array");
    run.results.forEach((result: unknown, index) => {
      const where = `${at}.results[${index}]`;
      if (!isObject(result)) return fail(where, "must be an object");
      message(result.message, `${where}.message`);
      if (!nonEmptyString(result.ruleId)) fail(`${where}.ruleId`, "is required by GitHub code scanning");
      if (result.ruleIndex !== undefined) {
        if (!Number.isInteger(result.ruleIndex) || (result.ruleIndex as number) < 0) fail(`${where}.ruleIndex`, "must be a non-negative integer");
        else if (!isObject(rules[result.ruleIndex as number]) || (rules[result.ruleIndex as number] as Record<string, unknown>).id !== result.ruleId) {
          fail(`${where}.ruleIndex`, "does not point at the rule named by ruleId");
        }
      }
      if (result.level !== undefined && !LEVELS.includes(result.level as string)) fail(`${where}.level`, `invalid level ${String(result.level)}`);
      if (!Array.isArray(result.locations) || result.locations.length === 0) fail(`${where}.locations`, "GitHub code scanning needs at least one location");
      else result.locations.forEach((location: unknown, locationIndex) => {
        const path = `${where}.locations[${locationIndex}].physicalLocation`;
        const physical = isObject(location) ? location.physicalLocation : undefined;
        if (!isObject(physical)) return fail(path, "is required");
        const uri = isObject(physical.artifactLocation) ? physical.artifactLocation.uri : undefined;
        if (!nonEmptyString(uri)) return fail(`${path}.artifactLocation.uri`, "is required");
        if ((uri as string).includes("\\")) fail(`${path}.artifactLocation.uri`, "must use forward slashes");
        if (physical.region !== undefined) {
          const region = physical.region;
          if (!isObject(region) || !Number.isInteger(region.startLine) || (region.startLine as number) < 1) fail(`${path}.region.startLine`, "must be an integer >= 1");
          else if (region.startColumn !== undefined && (!Number.isInteger(region.startColumn) || (region.startColumn as number) < 1)) fail(`${path}.region.startColumn`, "must be an integer >= 1");
        }
      });
      if (result.partialFingerprints !== undefined) {
        if (!isObject(result.partialFingerprints) || !Object.values(result.partialFingerprints).every(nonEmptyString)) fail(`${where}.partialFingerprints`, "must map names to strings");
      }
      if (result.suppressions !== undefined) {
        if (!Array.isArray(result.suppressions)) fail(`${where}.suppressions`, "must be an array");
        else result.suppressions.forEach((suppression: unknown, suppressionIndex) => {
          const path = `${where}.suppressions[${suppressionIndex}]`;
          if (!isObject(suppression) || !["inSource", "external"].includes(suppression.kind as string)) fail(`${path}.kind`, "must be inSource or external");
          else if (suppression.justification !== undefined && typeof suppression.justification !== "string") fail(`${path}.justification`, "must be a string");
        });
      }
    });
  });
  return problems;
}
