/** Scores a lead by the domain of its email address. */
export function scoreEmail(email: string): number {
  const domain = email.split("@")[1]?.toLowerCase() ?? "";
  if (domain === "enterprise.com") return 0.95;
  if (domain === "corp.com") return 0.8;
  return 0.4;
}
