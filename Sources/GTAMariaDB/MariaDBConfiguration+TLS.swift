extension MariaDBConfiguration {
    /// Transport encryption, mapped onto Connector/C's options.
    ///
    /// | Mode | Encrypts | Checks the chain | Checks the host name |
    /// |---|---|---|---|
    /// | ``disabled`` (default) | no | no | no |
    /// | ``require`` | yes (`MYSQL_OPT_SSL_ENFORCE`) | no | no |
    /// | ``verifyCA(caPath:)`` | yes | against `caPath` (`MYSQL_OPT_SSL_CA`) | no |
    /// | ``verifyIdentity(caPath:)`` | yes | against `caPath` | yes (`MYSQL_OPT_SSL_VERIFY_SERVER_CERT`) |
    ///
    /// ``clientCertificatePath`` and ``clientKeyPath`` (`MYSQL_OPT_SSL_CERT`, `MYSQL_OPT_SSL_KEY`)
    /// add a client certificate for servers that require one (`REQUIRE X509`).
    public struct TLS: Sendable, Hashable, CustomStringConvertible {
        /// How much the connection checks.
        public enum Mode: Sendable, Hashable {
            /// No encryption.
            case disabled
            /// Encrypt; accept any server certificate.
            case require
            /// Encrypt; the server certificate must chain to the CA in the file at the path.
            case verifyCA(caPath: String)
            /// Encrypt; as ``verifyCA(caPath:)`` and the certificate must name the host connected to.
            case verifyIdentity(caPath: String)
        }

        /// How much the connection checks. Default ``Mode/disabled``.
        public var mode: Mode
        /// A PEM client certificate to present, or `nil` (default).
        public var clientCertificatePath: String?
        /// The PEM private key of ``clientCertificatePath``, or `nil` (default).
        public var clientKeyPath: String?

        /// Creates TLS settings; by default no client certificate.
        public init(mode: Mode, clientCertificatePath: String? = nil, clientKeyPath: String? = nil) {
            self.mode = mode
            self.clientCertificatePath = clientCertificatePath
            self.clientKeyPath = clientKeyPath
        }

        /// No encryption (the default).
        public static let disabled = TLS(mode: .disabled)
        /// Encrypt without verifying the server certificate.
        public static let require = TLS(mode: .require)
        /// Encrypt and verify the server certificate's chain against the CA file at `caPath`.
        public static func verifyCA(_ caPath: String) -> TLS { TLS(mode: .verifyCA(caPath: caPath)) }
        /// Encrypt, verify the chain against the CA file at `caPath`, and check the host name.
        public static func verifyIdentity(_ caPath: String) -> TLS { TLS(mode: .verifyIdentity(caPath: caPath)) }

        /// Whether the connection is encrypted at all.
        public var isEnabled: Bool { mode != .disabled }

        /// `"disabled"`, `"require"`, `"verify-ca"` or `"verify-identity"`.
        public var description: String {
            switch mode {
            case .disabled: return "disabled"
            case .require: return "require"
            case .verifyCA: return "verify-ca"
            case .verifyIdentity: return "verify-identity"
            }
        }
    }
}
