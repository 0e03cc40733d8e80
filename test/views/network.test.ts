import assert from "node:assert/strict";
import { test } from "node:test";
import { isWorldCidr, normalizeProtocol } from "../../shared/views/network.ts";

test("every spelling of the whole address space is the world, narrower blocks are not", () => {
  for (const cidr of ["0.0.0.0/0", "::/0", "0::/0", "::0/0", " 0.0.0.0/0 ", "10.0.0.0/0"]) assert.ok(isWorldCidr(cidr), cidr);
  for (const cidr of ["0.0.0.0/1", "10.0.0.0/8", "::/1", "2001:db8::/32", "0.0.0.0/10"]) assert.ok(!isWorldCidr(cidr), cidr);
});

test("protocols are spelled one way whatever the template wrote", () => {
  assert.deepEqual(["-1", "ALL", "6", "TCP", "17", "icmp", "58", "50"].map(normalizeProtocol), ["-1", "-1", "tcp", "tcp", "udp", "icmp", "icmpv6", "50"]);
});
