/** Longer than any client certificate a proxy forwards; past it the header is refused without parsing. */
export const MAX_CERTIFICATE_HEADER_LENGTH = 16_384;

/**
 * The PEM of the client certificate a TLS-terminating proxy put in a header, or null. Two forms:
 * nginx's `$ssl_client_escaped_cert` (the URL-encoded PEM), and Envoy's `x-forwarded-client-cert`
 * with one element holding `Cert="<URL-encoded PEM>"`. An XFCC header of several elements (proxies
 * that append rather than replace it) is refused: which element is the client's depends on the chain.
 */
export function pemFromCertificateHeader(value: string): string | null {
  if (value.length > MAX_CERTIFICATE_HEADER_LENGTH) return null;
  const encoded = value.startsWith('-----BEGIN') ? value : certFieldOfXfcc(value);
  if (encoded === null) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** The `Cert` value of a single-element XFCC header: `key=value` pairs split by `;`, values optionally in double quotes. */
function certFieldOfXfcc(value: string): string | null {
  const elements = splitOutsideQuotes(value, ',');
  if (elements.length !== 1) return null;
  for (const pair of splitOutsideQuotes(elements[0], ';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim().toLowerCase() === 'cert') return unquote(pair.slice(at + 1).trim());
  }
  return null;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value;
}
