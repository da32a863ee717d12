package mm7

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Each message type mirrors the global element of the same name in the
// REL-5-MM7-1-2 and REL-6-MM7-1-4 schemas. Fields are in REL-6-MM7-1-4 order;
// REL-5-MM7-1-2 has the same order without the fields tagged rel:"6", which
// the encoder refuses to write for the 5.5.0 flavour. A field tagged
// required:"" must be present for the message to be schema-valid.

// Kind names a message type: the local name of its body element.
type Kind string

// The message kinds the harness reads and writes.
const (
	KindSubmitReq         Kind = "SubmitReq"
	KindSubmitRsp         Kind = "SubmitRsp"
	KindDeliverReq        Kind = "DeliverReq"
	KindDeliverRsp        Kind = "DeliverRsp"
	KindDeliveryReportReq Kind = "DeliveryReportReq"
	KindDeliveryReportRsp Kind = "DeliveryReportRsp"
	KindReadReplyReq      Kind = "ReadReplyReq"
	KindReadReplyRsp      Kind = "ReadReplyRsp"
	KindRSErrorRsp        Kind = "RSErrorRsp"
	KindVASPErrorRsp      Kind = "VASPErrorRsp"
	KindFault             Kind = "Fault"
)

// Message is an MM7 body element, or a SOAP Fault.
type Message interface {
	Kind() Kind
}

// Request is a message that expects a response.
type Request interface {
	Message
	// ResponseKind is the kind of the success answer (DeliverRsp for
	// DeliverReq, …).
	ResponseKind() Kind
}

// SenderIdentification identifies a VASP's request (XSD senderIDType).
type SenderIdentification struct {
	VASPID        string   `xml:"VASPID,omitempty"`
	VASID         string   `xml:"VASID,omitempty"`
	SenderAddress *Address `xml:"SenderAddress,omitempty"`
}

// ContentRef points at the MIME part holding the content (XSD
// contentReferenceType), normally "cid:…".
type ContentRef struct {
	Href             string `xml:"href,attr"`
	AllowAdaptations *bool  `xml:"allowAdaptations,attr,omitempty"`
}

// ReplyCharging offers the recipient a paid reply.
type ReplyCharging struct {
	Size     int64          `xml:"replyChargingSize,attr,omitempty"`
	Deadline DateOrDuration `xml:"replyDeadline,attr,omitempty"`
}

// DeliveryCondition lists DC codes (REL-6-MM7-1-4).
type DeliveryCondition struct {
	DC []int64 `xml:"DC"`
}

// UACapabilities tells what the relay knows of the handset (Release 6).
type UACapabilities struct {
	UAProf    string         `xml:"UAProf,attr,omitempty"`
	TimeStamp DateOrDuration `xml:"TimeStamp,attr,omitempty"`
}

// Previouslysentby lists earlier senders (Release 6).
type Previouslysentby struct {
	UserAgent []UserAgent `xml:"UserAgent"`
}

// UserAgent is an address with its place in the forwarding chain.
type UserAgent struct {
	Sequence int64
	Address  Address
}

// UnmarshalXML reads the sequence attribute, then the address.
func (u *UserAgent) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, a := range start.Attr {
		if a.Name.Local == "sequence" && a.Name.Space == "" {
			n, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 64)
			if err != nil {
				return fmt.Errorf("mm7: UserAgent sequence %q: %w", a.Value, err)
			}
			u.Sequence = n
		}
	}
	return u.Address.UnmarshalXML(d, start)
}

// MarshalXML writes the address with its sequence attribute.
func (u UserAgent) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if u.Sequence != 0 {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "sequence"}, Value: strconv.FormatInt(u.Sequence, 10)})
	}
	return u.Address.MarshalXML(e, start)
}

// Previouslysentdateandtime lists when earlier senders sent (Release 6).
type Previouslysentdateandtime struct {
	DateTime []SequencedDate `xml:"DateTime"`
}

// SequencedDate is a date with its place in the forwarding chain.
type SequencedDate struct {
	Sequence int64          `xml:"sequence,attr,omitempty"`
	Value    DateOrDuration `xml:",chardata"`
}

// SubmitReq: MM7_submit.REQ, VASP → R/S (TS 23.140 8.7.1). The customer
// sends it to Vibes to send an MT message.
type SubmitReq struct {
	MM7Version            string               `xml:"MM7Version"`
	SenderIdentification  SenderIdentification `xml:"SenderIdentification"`
	Recipients            Recipients           `xml:"Recipients" required:""`
	ServiceCode           string               `xml:"ServiceCode,omitempty"`
	LinkedID              string               `xml:"LinkedID,omitempty"`
	MessageClass          MessageClass         `xml:"MessageClass,omitempty"`
	TimeStamp             DateTime             `xml:"TimeStamp,omitempty"`
	ReplyCharging         *ReplyCharging       `xml:"ReplyCharging,omitempty"`
	EarliestDeliveryTime  DateOrDuration       `xml:"EarliestDeliveryTime,omitempty"`
	ExpiryDate            DateOrDuration       `xml:"ExpiryDate,omitempty"`
	DeliveryReport        *bool                `xml:"DeliveryReport,omitempty"`
	ReadReply             *bool                `xml:"ReadReply,omitempty"`
	Priority              Priority             `xml:"Priority,omitempty"`
	Subject               string               `xml:"Subject,omitempty"`
	ChargedParty          ChargedParty         `xml:"ChargedParty,omitempty"`
	ChargedPartyID        string               `xml:"ChargedPartyID,omitempty" rel:"6"`
	DistributionIndicator *bool                `xml:"DistributionIndicator,omitempty"`
	DeliveryCondition     *DeliveryCondition   `xml:"DeliveryCondition,omitempty" rel:"6"`
	ApplicID              string               `xml:"ApplicID,omitempty" rel:"6"`
	ReplyApplicID         string               `xml:"ReplyApplicID,omitempty" rel:"6"`
	AuxApplicInfo         string               `xml:"AuxApplicInfo,omitempty" rel:"6"`
	ContentClass          ContentClass         `xml:"ContentClass,omitempty" rel:"6"`
	DRMContent            *bool                `xml:"DRMContent,omitempty" rel:"6"`
	Content               *ContentRef          `xml:"Content,omitempty"`
}

// Response is the head every response shares (XSD genericResponseType).
type Response struct {
	MM7Version string `xml:"MM7Version"`
	Status     Status `xml:"Status"`
}

// Status reports the outcome of a request (XSD responseStatusType: its
// children may come in any order).
type Status struct {
	Code    StatusCode `xml:"StatusCode"`
	Text    string     `xml:"StatusText"`
	Details *Details   `xml:"Details,omitempty"`
}

// Details holds free XML (XSD anyDataType). The schema allows elements
// only: plain text inside Details is invalid, although Vibes calls the field
// "optional free text".
type Details struct {
	InnerXML string `xml:",innerxml"`
}

// SubmitRsp answers a SubmitReq with the MessageID the R/S assigned.
type SubmitRsp struct {
	Response
	MessageID string `xml:"MessageID"`
}

// DeliverReq: MM7_deliver.REQ, R/S → VASP (8.7.4). Vibes sends it for every
// MO message.
type DeliverReq struct {
	MM7Version                string                     `xml:"MM7Version"`
	MMSRelayServerID          string                     `xml:"MMSRelayServerID,omitempty"`
	VASPID                    string                     `xml:"VASPID,omitempty" rel:"6"`
	VASID                     string                     `xml:"VASID,omitempty" rel:"6"`
	LinkedID                  string                     `xml:"LinkedID,omitempty"`
	Sender                    Address                    `xml:"Sender" required:""`
	Recipients                *Recipients                `xml:"Recipients,omitempty"`
	Previouslysentby          *Previouslysentby          `xml:"Previouslysentby,omitempty" rel:"6"`
	Previouslysentdateandtime *Previouslysentdateandtime `xml:"Previouslysentdateandtime,omitempty" rel:"6"`
	SenderSPI                 string                     `xml:"SenderSPI,omitempty" rel:"6"`
	RecipientSPI              string                     `xml:"RecipientSPI,omitempty" rel:"6"`
	TimeStamp                 DateTime                   `xml:"TimeStamp,omitempty"`
	ReplyChargingID           string                     `xml:"ReplyChargingID,omitempty"`
	Priority                  Priority                   `xml:"Priority,omitempty"`
	Subject                   string                     `xml:"Subject,omitempty"`
	ApplicID                  string                     `xml:"ApplicID,omitempty" rel:"6"`
	ReplyApplicID             string                     `xml:"ReplyApplicID,omitempty" rel:"6"`
	AuxApplicInfo             string                     `xml:"AuxApplicInfo,omitempty" rel:"6"`
	UACapabilities            *UACapabilities            `xml:"UACapabilities,omitempty" rel:"6"`
	Content                   *ContentRef                `xml:"Content,omitempty"`
}

// DeliverRsp answers a DeliverReq.
type DeliverRsp struct {
	Response
	ServiceCode string `xml:"ServiceCode,omitempty"`
}

// DeliveryReportReq: MM7_delivery_report.REQ, R/S → VASP (8.7.2). Vibes
// sends it to the DLR callback URL of a submitted message.
type DeliveryReportReq struct {
	MM7Version        string            `xml:"MM7Version"`
	MMSRelayServerID  string            `xml:"MMSRelayServerID,omitempty"`
	MessageID         string            `xml:"MessageID"`
	Recipient         Address           `xml:"Recipient" required:""`
	Sender            Address           `xml:"Sender" required:""`
	Date              DateTime          `xml:"Date" required:""`
	MMStatus          MMStatus          `xml:"MMStatus" required:""`
	MMStatusExtension MMStatusExtension `xml:"MMStatusExtension,omitempty" rel:"6"`
	StatusText        string            `xml:"StatusText,omitempty"`
	ApplicID          string            `xml:"ApplicID,omitempty" rel:"6"`
	ReplyApplicID     string            `xml:"ReplyApplicID,omitempty" rel:"6"`
	AuxApplicInfo     string            `xml:"AuxApplicInfo,omitempty" rel:"6"`
	UACapabilities    *UACapabilities   `xml:"UACapabilities,omitempty" rel:"6"`
}

// DeliveryReportRsp answers a DeliveryReportReq.
type DeliveryReportRsp struct{ Response }

// ReadReplyReq: MM7_read_reply.REQ, R/S → VASP (8.7.3).
type ReadReplyReq struct {
	MM7Version       string     `xml:"MM7Version"`
	MMSRelayServerID string     `xml:"MMSRelayServerID,omitempty"`
	MessageID        string     `xml:"MessageID"`
	Recipient        Address    `xml:"Recipient" required:""`
	Sender           Address    `xml:"Sender" required:""`
	TimeStamp        DateTime   `xml:"TimeStamp" required:""`
	MMStatus         ReadStatus `xml:"MMStatus" required:""`
	StatusText       string     `xml:"StatusText,omitempty"`
	ApplicID         string     `xml:"ApplicID,omitempty" rel:"6"`
	ReplyApplicID    string     `xml:"ReplyApplicID,omitempty" rel:"6"`
	AuxApplicInfo    string     `xml:"AuxApplicInfo,omitempty" rel:"6"`
}

// ReadReplyRsp answers a ReadReplyReq.
type ReadReplyRsp struct{ Response }

// RSErrorRsp is the R/S's generic error answer, usually in a Fault detail.
type RSErrorRsp struct{ Response }

// VASPErrorRsp is the VASP's generic error answer, usually in a Fault detail.
type VASPErrorRsp struct{ Response }

// Fault is a SOAP 1.1 Fault (SOAP 1.1 section 4.4). MM7 carries an
// RSErrorRsp or VASPErrorRsp in its detail.
type Fault struct {
	// Code is the faultcode's local name when it is in the SOAP namespace
	// ("Client", "Server", "MustUnderstand", "VersionMismatch"), else the
	// QName as written.
	Code   string
	String string
	Actor  string
	// Detail is the MM7 error response inside detail, if any.
	Detail Message
}

func (*SubmitReq) Kind() Kind         { return KindSubmitReq }
func (*SubmitRsp) Kind() Kind         { return KindSubmitRsp }
func (*DeliverReq) Kind() Kind        { return KindDeliverReq }
func (*DeliverRsp) Kind() Kind        { return KindDeliverRsp }
func (*DeliveryReportReq) Kind() Kind { return KindDeliveryReportReq }
func (*DeliveryReportRsp) Kind() Kind { return KindDeliveryReportRsp }
func (*ReadReplyReq) Kind() Kind      { return KindReadReplyReq }
func (*ReadReplyRsp) Kind() Kind      { return KindReadReplyRsp }
func (*RSErrorRsp) Kind() Kind        { return KindRSErrorRsp }
func (*VASPErrorRsp) Kind() Kind      { return KindVASPErrorRsp }
func (*Fault) Kind() Kind             { return KindFault }

func (*SubmitReq) ResponseKind() Kind         { return KindSubmitRsp }
func (*DeliverReq) ResponseKind() Kind        { return KindDeliverRsp }
func (*DeliveryReportReq) ResponseKind() Kind { return KindDeliveryReportRsp }
func (*ReadReplyReq) ResponseKind() Kind      { return KindReadReplyRsp }

// newMessage returns an empty message of kind k, or nil when the harness
// does not model k.
func newMessage(k Kind) Message {
	switch k {
	case KindSubmitReq:
		return &SubmitReq{}
	case KindSubmitRsp:
		return &SubmitRsp{}
	case KindDeliverReq:
		return &DeliverReq{}
	case KindDeliverRsp:
		return &DeliverRsp{}
	case KindDeliveryReportReq:
		return &DeliveryReportReq{}
	case KindDeliveryReportRsp:
		return &DeliveryReportRsp{}
	case KindReadReplyReq:
		return &ReadReplyReq{}
	case KindReadReplyRsp:
		return &ReadReplyRsp{}
	case KindRSErrorRsp:
		return &RSErrorRsp{}
	case KindVASPErrorRsp:
		return &VASPErrorRsp{}
	}
	return nil
}

// otherKinds are the MM7 messages of the schemas the harness does not model;
// the decoder answers them with 4003 (unsupported operation).
var otherKinds = map[string]bool{
	"CancelReq": true, "CancelRsp": true, "ReplaceReq": true, "ReplaceRsp": true,
	"extendedCancelReq": true, "extendedCancelRsp": true,
	"extendedReplaceReq": true, "extendedReplaceRsp": true,
}

// NewResponse builds the success-shaped response to req for flavour v with
// the given status: DeliverRsp for DeliverReq, and so on.
func NewResponse(req Request, v Flavour, code StatusCode, text string) Message {
	r := Response{MM7Version: v.MM7Version, Status: Status{Code: code, Text: text}}
	switch req.(type) {
	case *SubmitReq:
		return &SubmitRsp{Response: r}
	case *DeliverReq:
		return &DeliverRsp{Response: r}
	case *DeliveryReportReq:
		return &DeliveryReportRsp{Response: r}
	case *ReadReplyReq:
		return &ReadReplyRsp{Response: r}
	}
	return &VASPErrorRsp{Response: r}
}

// ResponseOf returns the Response head of a response message, or nil.
func ResponseOf(m Message) *Response {
	switch m := m.(type) {
	case *SubmitRsp:
		return &m.Response
	case *DeliverRsp:
		return &m.Response
	case *DeliveryReportRsp:
		return &m.Response
	case *ReadReplyRsp:
		return &m.Response
	case *RSErrorRsp:
		return &m.Response
	case *VASPErrorRsp:
		return &m.Response
	case *Fault:
		if m.Detail != nil {
			return ResponseOf(m.Detail)
		}
	}
	return nil
}

// MM7VersionOf is the MM7Version a message carries (a request's, or a
// response's, a Fault's detail's), "" when it has none.
func MM7VersionOf(m Message) string {
	if f, ok := m.(*Fault); ok && f.Detail != nil {
		return MM7VersionOf(f.Detail)
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return ""
	}
	f := v.Elem().FieldByName("MM7Version")
	if !f.IsValid() {
		return ""
	}
	return f.String()
}
