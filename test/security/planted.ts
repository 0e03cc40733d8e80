/**
 * Secrets planted in fixtures/planted-secrets.yaml (and in a stack's parameters and drift), random per run, and the
 * search for them in whatever the scanner wrote: the whole value, and every 8-character piece of its random part.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64 = `${ALPHANUMERIC}+/`;

function randomOf(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** Random text of the alphabet with at least one capital, one small letter and one digit (as real keys have). */
function mixed(alphabet: string, length: number): string {
  for (;;) {
    const text = randomOf(alphabet, length);
    if (/[A-Z]/.test(text) && /[a-z]/.test(text) && /\d/.test(text)) return text;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

export interface PlantedSecret {
  /** The placeholder in the fixture (__NAME__), or where else it is planted. */
  name: string;
  /** What is planted. */
  value: string;
  /** The part of the value no one could guess: none of its 8-character pieces may appear anywhere. */
  random: string[];
}

function secret(name: string, value: string, random: string[] = [value]): PlantedSecret {
  return { name, value, random };
}

/** A fresh set of distinct secrets, one per place the fixture plants one, plus live parameters and drift values. */
export function plantSecrets(): Record<string, PlantedSecret> {
  const keyLines = Array.from({ length: 4 }, () => randomBytes(48).toString("base64"));
  const jwtPayload = base64url(JSON.stringify({ sub: randomOf(ALPHANUMERIC, 16), iat: randomInt(1_000_000_000, 2_000_000_000) }));
  const jwtSignature = randomBytes(32).toString("base64url");
  const accessKeyTail = randomOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
  const githubTail = randomOf(ALPHANUMERIC, 36);
  const secrets = [
    secret("NOECHO_DEFAULT", mixed(ALPHANUMERIC, 18)),
    secret("RDS_PASSWORD", `${mixed(ALPHANUMERIC, 16)}!#`),
    secret("LAMBDA_TOKEN", mixed(ALPHANUMERIC, 32)),
    secret("ACCESS_KEY_ID", `AKIA${accessKeyTail}`, [accessKeyTail]),
    secret("SECRET_ACCESS_KEY", mixed(BASE64, 40)),
    secret("PRIVATE_KEY", `-----BEGIN RSA PRIVATE KEY-----\n${keyLines.join("\n")}\n-----END RSA PRIVATE KEY-----`, keyLines),
    secret("JWT", `eyJhbGciOiJIUzI1NiJ9.${jwtPayload}.${jwtSignature}`, [jwtPayload.slice(-16), jwtSignature]),
    secret("GITHUB_TOKEN", `ghp_${githubTail}`, [githubTail]),
    secret("CONNECTION_PASSWORD", mixed(ALPHANUMERIC, 20)),
    // Given to the stack at deploy time, not written in the template.
    secret("LIVE_API_TOKEN", mixed(ALPHANUMERIC, 24)),
    secret("LIVE_NOECHO_PASSWORD", mixed(ALPHANUMERIC, 22)),
    // What CloudFormation's drift detection reports for a changed environment variable: the template's and the live value.
    secret("DRIFT_EXPECTED_TOKEN", mixed(ALPHANUMERIC, 28)),
    secret("DRIFT_ACTUAL_TOKEN", mixed(ALPHANUMERIC, 28)),
  ];
  return Object.fromEntries(secrets.map((planted) => [planted.name, planted]));
}

/** The fixture with every placeholder replaced by its secret (the private key indented as the block scalar needs). */
export function plantedTemplate(secrets: Record<string, PlantedSecret>): string {
  const text = readFileSync(new URL("fixtures/planted-secrets.yaml", import.meta.url), "utf8");
  return text.replace(/^( *)(.*)__([A-Z_]+)__/gm, (_line, indent: string, before: string, name: string) => {
    const planted = secrets[name];
    if (!planted) throw new Error(`the fixture names __${name}__, which plantSecrets does not make`);
    return `${indent}${before}${planted.value.split("\n").join(`\n${indent}`)}`;
  });
}

/** Every 8-character piece of a secret's random part. */
function piecesOf(planted: PlantedSecret): string[] {
  const pieces = new Set<string>();
  for (const part of planted.random) for (let start = 0; start + 8 <= part.length; start++) pieces.add(part.slice(start, start + 8));
  return [...pieces];
}

/** Each leak found: which secret, in which place, and a little of the text around it. */
export function leaksIn(places: Record<string, string>, secrets: Record<string, PlantedSecret>): string[] {
  const leaks: string[] = [];
  for (const [place, text] of Object.entries(places)) {
    for (const planted of Object.values(secrets)) {
      const piece = [planted.value, ...piecesOf(planted)].find((candidate) => text.includes(candidate));
      if (piece === undefined) continue;
      const at = text.indexOf(piece);
      leaks.push(`${planted.name} in ${place}: …${text.slice(Math.max(0, at - 60), at + piece.length + 20)}…`);
    }
  }
  return leaks;
}
