// Package swa reads and writes MM7 HTTP messages: SOAP 1.1 with attachments
// (W3C Note "SOAP Messages with Attachments", RFC 2387 multipart/related,
// RFC 2045-2047 MIME) or a plain text/xml SOAP body.
//
// Reading is lenient: what real gateways send is accepted and recorded as a
// deviation (see the Dev* constants) — Content-ID with or without angle
// brackets, any header-name case, no `start` parameter (the root is the first
// part), `start` with or without brackets, nested multipart/related and
// multipart/mixed, every Content-Transfer-Encoding in any letter case,
// quoted or unquoted boundaries, LF-only line ends, preamble and epilogue.
// What cannot be read is a typed error: a boundary the body does not use,
// and every limit (total bytes, parts, nesting depth, header bytes per
// part), which is enforced while reading.
//
// The message is parsed in place: part bodies in identity encodings
// (7bit, 8bit, binary) are slices of the bytes read, so a large attachment
// is held once. Raw bytes are kept, so the message can be re-emitted exactly.
//
// Writing builds multipart/related in Vibes' style (type="text/xml",
// JavaMail-like ----=_Part_ boundaries, SOAP part text/xml; charset=utf-8 in
// 8bit with a bare Content-Id, no start) or in strict SwA style (start and
// bracketed Content-IDs).
package swa
