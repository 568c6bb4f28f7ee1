// Schema v3: a small JPEG of each enrolled face, so the app can show people without keeping their
// photos. It is biometric data like the embedding and is deleted with the face row.
// Never edit after release: add a new numbered migration instead.

export const version = 3;
export const name = 'face-thumbnails';

export const sql = /* sql */ `
ALTER TABLE faces ADD COLUMN thumbnail BLOB;
`;
