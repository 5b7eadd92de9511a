// The types of the QR library the server serves as ./qrcode.mjs (qrcode-generator's browser module), for `tsc -p` of this folder.
export { default } from 'qrcode-generator';
