// IP address classification for the dvc/src (IPv4) and c6a1 (IPv6) keys. Same grammar as
// node:net isIPv4/isIPv6 (dotted quad without leading zeros; RFC 4291 text forms with an
// optional zone), written here so the CEF library imports nothing of the networking stack.

const V4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const V4 = `(?:${V4_OCTET}\\.){3}${V4_OCTET}`;
const V6_GROUP = '(?:[0-9a-fA-F]{1,4})';

const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(
  '^(?:' +
    `(?:${V6_GROUP}:){7}(?:${V6_GROUP}|:)|` +
    `(?:${V6_GROUP}:){6}(?:${V4}|:${V6_GROUP}|:)|` +
    `(?:${V6_GROUP}:){5}(?::${V4}|(?::${V6_GROUP}){1,2}|:)|` +
    `(?:${V6_GROUP}:){4}(?:(?::${V6_GROUP}){0,1}:${V4}|(?::${V6_GROUP}){1,3}|:)|` +
    `(?:${V6_GROUP}:){3}(?:(?::${V6_GROUP}){0,2}:${V4}|(?::${V6_GROUP}){1,4}|:)|` +
    `(?:${V6_GROUP}:){2}(?:(?::${V6_GROUP}){0,3}:${V4}|(?::${V6_GROUP}){1,5}|:)|` +
    `(?:${V6_GROUP}:){1}(?:(?::${V6_GROUP}){0,4}:${V4}|(?::${V6_GROUP}){1,6}|:)|` +
    `(?::(?:(?::${V6_GROUP}){0,5}:${V4}|(?::${V6_GROUP}){1,7}|:))` +
    ')(?:%[0-9a-zA-Z.:-]{1,})?$',
);

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

export function isIPv6(text: string): boolean {
  return IPV6.test(text);
}
