/// The panel session's cookie. Under TLS it is `__Host-ao_session`: browsers then accept it only when `Secure`,
/// for path `/` and without a domain, so a sibling subdomain or a plain-HTTP page cannot plant or shadow it.
enum SessionCookie {
    static func name(secure: Bool) -> String { secure ? "__Host-ao_session" : "ao_session" }
}
