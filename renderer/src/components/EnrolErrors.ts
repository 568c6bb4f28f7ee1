// Runs in the renderer. Turns an enrolment error into text for the enrol screen: names the file and
// drops hints meant for the command line (the screen offers its own way to do the same thing).
import { ApiError, errorMessage } from '../lib/api.ts';

/** "x.jpg: no face found in the image" – always starting with the file's name. */
export function enrolErrorText(error: unknown, fileName: string): string {
  let text = errorMessage(error)
    .replace(/\s*\(use --allow-low-quality[^)]*\)/, '')
    .replace(/\s*\(\d+ at x=[^)]*\);\s*choose one with --face N/, '; use a photo where only this person is visible')
    // Argument errors name the call ("enrol.photo: image.bytes: …"); the user only needs the problem.
    .replace(/^enrol\.photo:\s*(image\.bytes:\s*)?/, '');
  if (!text.startsWith(fileName)) text = `${fileName}: ${text}`;
  return text;
}

/** Low-quality faces can be enrolled anyway when the user asks for it. */
export function isLowQuality(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'LOW_QUALITY';
}
