/** Voucher rules. A voucher takes a percentage off the subtotal, optionally from a minimum subtotal on. */
export interface VoucherRule {
  code: string;
  percentOff: number;
  minimumSubtotalCents?: number;
}

export const vouchers: readonly VoucherRule[] = [
  { code: 'WELCOME10', percentOff: 10 },
  { code: 'BULK20', percentOff: 20, minimumSubtotalCents: 10_000 },
];

export type VoucherCheck =
  | { valid: true; rule: VoucherRule; discountCents: number }
  | { valid: false; reason: string };

/** Codes compare case-insensitively; the discount is rounded down to whole cents. */
export function applyVoucher(code: string, subtotalCents: number): VoucherCheck {
  const rule = vouchers.find((candidate) => candidate.code === code.trim().toUpperCase());
  if (!rule) return { valid: false, reason: `Voucher ${code} does not exist` };
  if (rule.minimumSubtotalCents !== undefined && subtotalCents < rule.minimumSubtotalCents) {
    return {
      valid: false,
      reason: `Voucher ${rule.code} needs a subtotal of at least ${rule.minimumSubtotalCents} cents`,
    };
  }
  return { valid: true, rule, discountCents: Math.floor((subtotalCents * rule.percentOff) / 100) };
}
