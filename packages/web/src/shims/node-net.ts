// node:net's isIP for the browser bundle (vite.config.ts aliases it): @cloudsiem/protocol's record
// schema imports it. 4 for an IPv4 literal, 6 for an IPv6 literal, 0 otherwise.
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function isIPv6(value: string): boolean {
  let rest = value;
  const zone = rest.indexOf('%');
  if (zone !== -1) rest = rest.slice(0, zone);
  let groups = 8;
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.') && lastColon !== -1) {
    if (!IPV4.test(rest.slice(lastColon + 1))) return false;
    rest = rest.slice(0, lastColon + 1) + '0';
    groups = 7;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return false;
  const parts = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!parts.every((p) => /^[0-9A-Fa-f]{1,4}$/.test(p))) return false;
  return halves.length === 2 ? parts.length < groups : parts.length === groups;
}

export function isIP(value: string): 0 | 4 | 6 {
  if (IPV4.test(value)) return 4;
  return isIPv6(value) ? 6 : 0;
}

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export { isIPv6 };
