//! Matching the forum a question names to the fora of restrictions.
//!
//! The rule: forum ids compare exactly, because most are case-sensitive (a
//! Matrix room id, `matrix:!AbCdEf:example.org`, names another room when
//! lower-cased), except list addresses: an id with an `@` and no `:`, such
//! as `tls@ietf.org`, compares ASCII-case-insensitively, as mail systems
//! treat list addresses (Postfix hands the recipient over as the sender
//! wrote it).

use std::borrow::Cow;

/// Whether a forum id is a list address (`tls@ietf.org`): it has an `@`
/// and no `:` (every other kind of id is `kind:name`).
pub fn is_list_address(id: &str) -> bool {
    id.contains('@') && !id.contains(':')
}

/// The forum a question names, in the form the rate limit counters and the
/// answers use: a list address lower-cased, any other id as it is.
pub fn asked(forum: &str) -> Cow<'_, str> {
    if is_list_address(forum) && forum.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(forum.to_ascii_lowercase())
    } else {
        Cow::Borrowed(forum)
    }
}

/// Whether a restriction on the forum `stored` (its id as recorded) applies
/// to a post in the forum `asked`, by the rule above.
pub(crate) fn same(stored: &str, asked: &str) -> bool {
    stored == asked || (stored.eq_ignore_ascii_case(asked) && is_list_address(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_addresses_match_whatever_their_case_and_other_ids_exactly() {
        assert!(same("tls@ietf.org", "TLS@IETF.org"));
        assert!(same("TLS@ietf.org", "tls@ietf.org"));
        assert!(same("matrix:!AbCdEf:localhost", "matrix:!AbCdEf:localhost"));
        assert!(!same(
            "matrix:!AbCdEf:localhost",
            "matrix:!abcdef:localhost"
        ));
        assert!(!same(
            "matrix:!abcdef:localhost",
            "matrix:!AbCdEf:localhost"
        ));
        assert!(!same("zulip:tls", "zulip:TLS"));
        assert!(!same("tls-wiki", "TLS-wiki"));
        assert!(!same("tls@ietf.org", "tls@ietf.org.evil"));
    }

    #[test]
    fn only_list_addresses_are_lower_cased_when_asked() {
        assert_eq!(asked("TLS@IETF.org"), "tls@ietf.org");
        assert_eq!(asked("tls@ietf.org"), "tls@ietf.org");
        assert_eq!(
            asked("matrix:!AbCdEf:localhost"),
            "matrix:!AbCdEf:localhost"
        );
        assert_eq!(asked("github:QuicWG"), "github:QuicWG");
    }
}
