/**
 * Answers in each AWS protocol's wire format, written from the real SDK's own operation schemas, so a simulated
 * answer has exactly the element names, list wrappers and JSON names the client's deserializer expects: the EC2 query
 * protocol (`<item>` lists, lower-camel names), the AWS query protocol (`<OpResponse><OpResult>`, `<member>` lists or
 * the shape's own member names), REST-XML (the payload member as the document, bound headers as headers), JSON 1.0/1.1
 * and REST-JSON (member or JSON names).
 */
import { JsonCodec2, XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { NormalizedSchema } from "@smithy/core/schema";

/** How a service's client speaks (each client's Smithy protocol). */
export type Protocol = "query" | "ec2" | "json" | "restJson" | "restXml";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A command class of an SDK v3 client: an instance carries its operation schema. */
export type CommandClass = new (input: never) => object;

/** An operation schema: [9, namespace, name, traits, input thunk, output thunk]. */
type OperationSchema = [number, string, string, Record<string, unknown> | number, () => unknown, () => unknown];

const schemas = new Map<CommandClass, OperationSchema>();

function operationSchema(Command: CommandClass): OperationSchema {
  let schema = schemas.get(Command);
  if (!schema) {
    schema = (new Command({} as never) as { schema: OperationSchema }).schema;
    schemas.set(Command, schema);
  }
  return schema;
}

export function operationName(Command: CommandClass): string {
  return operationSchema(Command)[2];
}

/** A REST operation's HTTP binding: method and path template (`/restapis/{restApiId}/stages`, query part dropped). */
function httpBinding(Command: CommandClass): { method: string; template: string } | undefined {
  const traits = operationSchema(Command)[3];
  const http = typeof traits === "object" ? (Object.values(traits).find((value) => Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") as [string, string] | undefined) : undefined;
  return http ? { method: http[0], template: http[1].split("?")[0]! } : undefined;
}

export function restPathTemplate(Command: CommandClass): string | undefined {
  return httpBinding(Command)?.template;
}

/** The REST route of an operation: its method and a matcher for its path. */
export function restRoute(Command: CommandClass): { method: string; path: RegExp } | undefined {
  const binding = httpBinding(Command);
  if (!binding) return undefined;
  const { method, template } = binding;
  const pattern = template
    .split("/")
    .map((segment) => (/^\{.+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return { method, path: new RegExp(`^${pattern}/?$`) };
}

const xmlSettings = { timestampFormat: { useTrait: true, default: 5 }, httpBindings: false, serializeEmptyLists: true } as unknown as ConstructorParameters<typeof XmlShapeSerializer>[0];

function xmlOf(schema: unknown, value: unknown): string {
  const serializer = new XmlShapeSerializer(xmlSettings);
  serializer.write(schema as never, value);
  return String(serializer.flush());
}

/** The XML of a structure without its root element. */
function innerXml(schema: unknown, value: unknown): string {
  const text = xmlOf(schema, value);
  const open = text.indexOf(">");
  if (text[open - 1] === "/") return "";
  return text.slice(open + 1, text.lastIndexOf("</"));
}

function jsonOf(schema: unknown, value: unknown, jsonName: boolean): string {
  const serializer = new JsonCodec2({ timestampFormat: { useTrait: true, default: 7 }, jsonName } as never).createSerializer();
  serializer.write(schema as never, value);
  const written = serializer.flush() as unknown;
  return typeof written === "string" ? written : new TextDecoder().decode(written as Uint8Array);
}

const QUERY_NAMESPACES: Record<string, string> = {
  cloudformation: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
  rds: "http://rds.amazonaws.com/doc/2014-10-31/",
  elasticloadbalancing: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
  sns: "http://sns.amazonaws.com/doc/2010-03-31/",
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
};

/** A successful answer to `Command` carrying `output` (the SDK output shape, JS values), in the protocol's format. */
export function wireAnswer(protocol: Protocol, service: string, Command: CommandClass, output: Record<string, unknown>, jsonVersion = "1.1"): Answer {
  const [, , name, , , outputThunk] = operationSchema(Command);
  const outputSchema = outputThunk();
  const requestId = crypto.randomUUID();
  switch (protocol) {
    case "ec2":
      return { status: 200, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><${name}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${innerXml(outputSchema, output)}</${name}Response>` };
    case "query":
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?><${name}Response xmlns="${QUERY_NAMESPACES[service] ?? ""}"><${name}Result>${innerXml(outputSchema, output)}</${name}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`,
      };
    case "restXml": {
      const headers: Record<string, string> = { "content-type": "application/xml" };
      let body = "";
      for (const [member, memberSchema] of NormalizedSchema.of(outputSchema as never).structIterator()) {
        const traits = memberSchema.getMergedTraits() as Record<string, unknown>;
        const value = output[member];
        if (value === undefined) continue;
        if (typeof traits.httpHeader === "string") headers[traits.httpHeader.toLowerCase()] = String(value);
        else if (traits.httpPayload) body = `<?xml version="1.0" encoding="UTF-8"?>${xmlOf(memberSchema, value)}`;
      }
      return { status: 200, headers, body };
    }
    case "json":
      return { status: 200, headers: { "content-type": `application/x-amz-json-${jsonVersion}` }, body: jsonOf(outputSchema, output, false) };
    case "restJson":
      return { status: 200, headers: { "content-type": "application/json" }, body: jsonOf(outputSchema, output, true) };
  }
}
