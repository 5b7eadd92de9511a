// @ts-check
import qrcode from './qrcode.mjs';

const SVG = 'http://www.w3.org/2000/svg';
/** The blank border QR readers need around the code, in modules. */
const QUIET_ZONE = 4;

/**
 * The QR code's modules for `text` (error correction M, the smallest version that holds it): `true` is dark.
 * @param {string} text
 * @returns {boolean[][]}
 */
export function qrModules(text) {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const size = code.getModuleCount();
  return Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, column) => code.isDark(row, column)),
  );
}

/**
 * An `<svg>` of the QR code of `text` (for TOTP, the `otpauthUrl` of `POST /auth/mfa/totp`), built
 * element by element: no markup string, no inline style, so it renders under a strict CSP. One path
 * holds every dark module; it scales crisply with CSS width.
 * @param {string} text
 * @param {string} [label] the accessible name of the image
 * @returns {SVGSVGElement}
 */
export function renderQrCode(text, label = 'QR code to scan with your authenticator app') {
  const modules = qrModules(text);
  const size = modules.length + QUIET_ZONE * 2;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('class', 'qr-code');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  let d = '';
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`;
    }),
  );
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}
