/**
 * An MM7 request status other than success (TS 23.140 clause 8.7.4 status codes), which the
 * receiver answers as a SOAP Fault whose detail holds a VASPErrorRsp with this code.
 */
final class StatusError extends Exception {
    private static final long serialVersionUID = 1L;

    final int code;

    StatusError(int code, String reason) {
        super(reason);
        this.code = code;
    }

    /** The text TS 23.140 gives the code, as every MM7 stack writes it. */
    String text() {
        switch (code) {
            case 2000: return "Client error";
            case 2007: return "Message format corrupt";
            case 3000: return "Server Error";
            case 4002: return "Unsupported version";
            case 4003: return "Unsupported operation";
            case 4004: return "Validation error";
            default: return "Error";
        }
    }

    /** 3xxx codes say the receiver failed on a request that looked valid: SOAP 1.1 blames the Server. */
    boolean serverFault() {
        return code / 1000 == 3;
    }
}
