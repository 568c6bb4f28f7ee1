// Runs everywhere. The words the kiosk's liveness checks share across layers: which active challenge
// was asked, and why an attempt was refused (stored with each spoof attempt, shown by the UI).

export const CHALLENGE_KINDS = ['blink', 'turn-left', 'turn-right'] as const;
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number];

export const SPOOF_REASONS = ['passive', 'challenge-timeout', 'challenge-wrong-way'] as const;
export type SpoofReason = (typeof SPOOF_REASONS)[number];

/** What the person in front of the kiosk is asked to do (their own left: the kiosk shows a mirror image). */
export const CHALLENGE_PROMPTS: Record<ChallengeKind, string> = {
  blink: 'Blink',
  'turn-left': 'Turn your head to the left',
  'turn-right': 'Turn your head to the right',
};

export const SPOOF_REASON_TEXT: Record<SpoofReason, string> = {
  passive: 'looked like a photo or a screen',
  'challenge-timeout': 'did not do what was asked in time',
  'challenge-wrong-way': 'turned the wrong way',
};

export function isChallengeKind(value: unknown): value is ChallengeKind {
  return typeof value === 'string' && (CHALLENGE_KINDS as readonly string[]).includes(value);
}
