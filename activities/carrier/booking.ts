import { randomBytes } from 'node:crypto';

/** The countries the carrier delivers to; anything else is refused with UNSERVED_COUNTRY. */
export const servedCountries: ReadonlySet<string> = new Set(['PT', 'ES', 'FR', 'DE', 'IT', 'NL', 'BE']);

export function servesCountry(country: string): boolean {
  return servedCountries.has(country.trim().toUpperCase());
}

// 32 symbols without the look-alikes 0/O and 1/I: a byte modulo 32 picks each one with equal chance.
const trackingAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A tracking number such as `SP7K2MXQ9D4H`: the carrier's prefix and 10 random symbols. */
export function newTrackingNumber(): string {
  const symbols = [...randomBytes(10)].map((byte) => trackingAlphabet[byte % trackingAlphabet.length]);
  return `SP${symbols.join('')}`;
}

/**
 * How many business days, from the promised date on, a booking looks for a day with room. A horizon with no room is
 * a refusal (NO_DELIVERY_CAPACITY), not a wait: the purchase holds reserved stock until its delivery is booked.
 */
export const bookingHorizonDays = 60;

/** The promised delivery date, `YYYY-MM-DD` (UTC): two business days after `from`, skipping weekends. */
export function estimatedDeliveryDate(from: Date, businessDays = 2): string {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let remaining = businessDays;
  while (remaining > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) remaining -= 1;
  }
  return date.toISOString().slice(0, 10);
}

/** The business day after `date` (YYYY-MM-DD), skipping weekends: where a booking goes when a day is full. */
export function nextBusinessDay(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  do next.setUTCDate(next.getUTCDate() + 1);
  while (next.getUTCDay() === 0 || next.getUTCDay() === 6);
  return next.toISOString().slice(0, 10);
}
