package swa

import "github.com/mm7harness/mm7harness/harness/mm7"

// Deviations the MIME layer records. Like the decoder's, the IDs are stable.
const (
	// A Content-ID without angle brackets (RFC 2045 wants <id>). Vibes' MO
	// capture sends a bare SAAJ id.
	DevContentIDBare mm7.DeviationID = "mime-content-id-bare"
	// A start parameter without angle brackets.
	DevStartUnbracketed mm7.DeviationID = "mime-start-unbracketed"
	// The start parameter names no part; the first part was taken as root.
	DevStartNotFound mm7.DeviationID = "mime-start-not-found"
	// multipart/related without the type parameter RFC 2387 requires.
	DevRelatedNoType mm7.DeviationID = "mime-related-no-type"
	// The SOAP part is not text/xml.
	DevRootNotTextXML mm7.DeviationID = "mime-root-not-text-xml"
	// Lines end in LF alone instead of CRLF.
	DevLFLineEndings mm7.DeviationID = "mime-lf-line-endings"
	// The multipart has no close delimiter.
	DevUnterminated mm7.DeviationID = "mime-unterminated"
	// A Content-Transfer-Encoding the harness does not know; the body was
	// taken as is.
	DevUnknownEncoding mm7.DeviationID = "mime-unknown-transfer-encoding"
	// Base64 with characters other than line breaks between the quads, or
	// missing padding.
	DevBase64Lenient mm7.DeviationID = "mime-base64-lenient"
	// A Content-Type that does not parse by RFC 2045 and was read leniently.
	DevContentTypeLenient mm7.DeviationID = "mime-content-type-lenient"
	// The body's boundary differs from the header's and was recovered from
	// the body (only when ReadOptions.RecoverBoundary is set).
	DevBoundaryRecovered mm7.DeviationID = "mime-boundary-recovered"
	// A Content href without the cid: scheme, resolved as a Content-ID or
	// Content-Location anyway.
	DevHrefWithoutCID mm7.DeviationID = "mime-href-without-cid"
	// The HTTP Content-Length disagrees with the body in the file.
	DevContentLength mm7.DeviationID = "http-content-length-mismatch"
	// The HTTP body is chunked (Vibes sends Content-Length).
	DevChunked mm7.DeviationID = "http-chunked"
)
