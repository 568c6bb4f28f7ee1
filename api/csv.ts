// Runs everywhere. CSV for spreadsheets (the check-ins export, the enrolment report): quoted where
// needed, and safe to open — a cell a spreadsheet would run as a formula is defused.

/** Quotes a CSV cell, and defuses cells a spreadsheet would run as a formula (=, +, -, @). */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV document: the header, then the rows; CRLF line ends (RFC 4180), as spreadsheets expect. */
export function csvDocument(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
