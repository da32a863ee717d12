package swa

import "github.com/mm7harness/mm7harness/harness/deviation"

// Deviations the MIME layer records. Like the decoder's, the IDs are stable.
const (
	// A Content-ID without angle brackets (RFC 2045 wants <id>). Vibes' MO
	// capture sends a bare SAAJ id.
	DevContentIDBare deviation.ID = "mime-content-id-bare"
	// A start parameter without angle brackets.
	DevStartUnbracketed deviation.ID = "mime-start-unbracketed"
	// The start parameter names no part; the first part was taken as root.
	DevStartNotFound deviation.ID = "mime-start-not-found"
	// multipart/related without the type parameter RFC 2387 requires.
	DevRelatedNoType deviation.ID = "mime-related-no-type"
	// The SOAP part is not text/xml.
	DevRootNotTextXML deviation.ID = "mime-root-not-text-xml"
	// Lines end in LF alone instead of CRLF.
	DevLFLineEndings deviation.ID = "mime-lf-line-endings"
	// The multipart has no close delimiter.
	DevUnterminated deviation.ID = "mime-unterminated"
	// A Content-Transfer-Encoding the harness does not know; the body was
	// taken as is.
	DevUnknownEncoding deviation.ID = "mime-unknown-transfer-encoding"
	// Base64 with characters other than line breaks between the quads, or
	// missing padding.
	DevBase64Lenient deviation.ID = "mime-base64-lenient"
	// A Content-Type that does not parse by RFC 2045 and was read leniently.
	DevContentTypeLenient deviation.ID = "mime-content-type-lenient"
	// The body's boundary differs from the header's and was recovered from
	// the body (only when ReadOptions.RecoverBoundary is set).
	DevBoundaryRecovered deviation.ID = "mime-boundary-recovered"
	// A Content href without the cid: scheme, resolved as a Content-ID or
	// Content-Location anyway.
	DevHrefWithoutCID deviation.ID = "mime-href-without-cid"
	// The HTTP Content-Length disagrees with the body in the file.
	DevContentLength deviation.ID = "http-content-length-mismatch"
	// The HTTP body is chunked (Vibes sends Content-Length).
	DevChunked deviation.ID = "http-chunked"
)
