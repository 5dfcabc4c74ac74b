// Addresses are personal data: log lines carry a masked form that still lets an operator tell
// deliveries apart ("j***@example.com", "+44******89").

export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  if (address.length <= 5) return '*'.repeat(address.length);
  return `${address.slice(0, 3)}${'*'.repeat(address.length - 5)}${address.slice(-2)}`;
}
