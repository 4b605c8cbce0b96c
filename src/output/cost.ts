/** A price for a table cell: a number, or "n/a" where the cloud publishes none (never blank). */
export function priceCell(priceHourly: number | undefined): number | string {
  return priceHourly ?? 'n/a'
}

/** "$0.0315/hour", "$0.0315/hour + 1 size without a price", or "unknown (2 sizes without a price)". */
export function costText(amount: number, unpriced: number, unit = 'hour', digits = 4): string {
  const missing = `${unpriced} size${unpriced === 1 ? '' : 's'} without a price`
  const known = `$${amount.toFixed(digits)}/${unit}`
  if (unpriced === 0) return known
  return amount === 0 ? `unknown (${missing})` : `${known} + ${missing}`
}

/** Under a sizes table: where each listed provider's prices come from, and the bundled table's date. */
export function pricesFooter(origins: {provider: string; origin: 'api' | 'none' | 'table'}[], asOf: string): string | undefined {
  const names = (origin: string) => origins.filter((o) => o.origin === origin).map((o) => o.provider)
  const parts = [
    names('table').length > 0 ? `${names('table').join(', ')} from mc's bundled price table (on-demand Linux, as of ${asOf})` : '',
    names('api').length > 0 ? `${names('api').join(', ')} from the cloud's API` : '',
    names('none').length > 0 ? `${names('none').join(', ')}: none published (n/a)` : '',
  ].filter(Boolean)
  return parts.length > 0 ? `prices: ${parts.join('; ')}.` : undefined
}
