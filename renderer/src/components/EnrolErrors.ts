// Runs in the renderer. Turns an enrolment error into text for the enrol screen: names the file, and
// words by code (and the error's details) what this screen offers, where the engine's message is
// not the best fit.
import { FaceKitError, errorMessage } from '../lib/api.ts';

function screenText(error: FaceKitError, person: string | undefined): string | undefined {
  const details = error.details ?? {};
  switch (error.code) {
    case 'MULTIPLE_FACES': {
      // The screen has no face picker: ask for a photo where the person is the main face.
      const count = Array.isArray(details.faces) ? details.faces.length : undefined;
      return `${count ?? 'several'} faces found and none is clearly ${person ?? 'the person'}'s; use a photo where they are the main face`;
    }
    case 'NOT_SAME_PERSON':
      // The main face of a group photo does not match the person's enrolled faces: probably someone else.
      return `the main face does not look like ${person ?? 'the person'}'s enrolled photos, so it was not added`;
    case 'BAD_INPUT': {
      // An argument check names the call and each field ("enrol.photo: image.bytes: …"); the user only needs the problems.
      if (!Array.isArray(details.issues)) return undefined;
      const problems = details.issues.map((issue) =>
        issue && typeof issue === 'object' && !Array.isArray(issue) ? issue.message : undefined,
      );
      return problems.every((p) => typeof p === 'string') && problems.length ? problems.join('; ') : undefined;
    }
    default:
      return undefined;
  }
}

/** "x.jpg: no face found in the image" – always starting with the file's name. `person`: who was being enrolled. */
export function enrolErrorText(error: unknown, fileName: string, person?: string): string {
  let text = (error instanceof FaceKitError && screenText(error, person)) || errorMessage(error);
  if (!text.startsWith(fileName)) text = `${fileName}: ${text}`;
  return text;
}

/** Low-quality faces can be enrolled anyway when the user asks for it (the screen's checkbox). */
export function isLowQuality(error: unknown): boolean {
  return error instanceof FaceKitError && error.code === 'LOW_QUALITY';
}
