/** CIDR blocks as numbers, for containment checks (IPv4 and IPv6). */
export interface CidrBlock {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let address = text;
  let tail: bigint[] = [];
  // An IPv4 dotted quad may end the address (::ffff:10.0.0.1): it fills the last two groups.
  const dotted = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const ipv4 = parseIpv4(dotted[2]!);
    if (ipv4 === undefined) return undefined;
    tail = [ipv4 >> 16n, ipv4 & 0xffffn];
    address = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): bigint[] | undefined => {
    if (half === "") return [];
    const items = half.split(":");
    if (items.some((item) => !/^[0-9a-fA-F]{1,4}$/.test(item))) return undefined;
    return items.map((item) => BigInt(parseInt(item, 16)));
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const given = [...head, ...rest, ...tail];
  const missing = 8 - given.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...rest, ...tail];
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}

/** Parses "10.0.0.0/16" or "2001:db8::/32"; an address without a prefix is a single host. Host bits are masked off. */
export function parseCidr(text: string): CidrBlock | undefined {
  const [address, prefixText, ...extra] = text.trim().split("/");
  if (address === undefined || extra.length > 0) return undefined;
  const family = address.includes(":") ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const value = family === 4 ? parseIpv4(address) : parseIpv6(address);
  if (value === undefined) return undefined;
  return { family, network: value & mask(bits, prefix), prefix };
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** True when every address of `inner` lies in `outer` (same address family only). */
export function cidrContains(outer: CidrBlock, inner: CidrBlock): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const bits = outer.family === 4 ? 32 : 128;
  return (inner.network & mask(bits, outer.prefix)) === outer.network;
}

const LOOPBACK = [parseCidr("127.0.0.0/8")!, parseCidr("::1/128")!];

/** Loopback destinations reach nothing outside the host: the idiom for "no egress at all". */
export function isLoopback(block: CidrBlock): boolean {
  return LOOPBACK.some((loopback) => cidrContains(loopback, block));
}
