// The types of @simplewebauthn/browser's ES build, which the server serves under ./webauthn/ (for `tsc -p` of this folder).
export * from '@simplewebauthn/browser';
