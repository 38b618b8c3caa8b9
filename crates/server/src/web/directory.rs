//! The people as the search of `/people` reads them (300,000 at the IETF's
//! size): each one's id, name and accounts, in lower case, in one text, so
//! that a search is one pass of `memchr::memmem` over it rather than a
//! comparison of every name, id and account in turn. The text is made again
//! when the people change: the state's map of people is persistent, so
//! whether it changed since is one comparison of pointers.

use memchr::memmem;
use modpod_policy::State;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Person;
use modpod_policy::state::Map;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Ends each part of a person's run: no id, name or account holds it, nor
/// may a search.
const END: char = '\0';

/// The text of the people of one state.
pub(crate) struct Directory {
    /// The map the text was made from.
    people: Map<PersonId, Person>,
    /// A run a person, in the order of their ids: their id as it is, then
    /// their id, name and each account's value in lower case, each ended
    /// by [`END`].
    plain: String,
    /// Where each person's run in `plain` ends.
    plain_ends: Vec<usize>,
    /// Each person's accounts as `kind:value`, in lower case, for searches
    /// with a colon (`email:bob@`), with where each person's run ends.
    typed: String,
    typed_ends: Vec<usize>,
}

impl Directory {
    fn new(people: &Map<PersonId, Person>) -> Directory {
        let (mut plain, mut plain_ends) = (String::new(), Vec::with_capacity(people.len()));
        let (mut typed, mut typed_ends) = (String::new(), Vec::with_capacity(people.len()));
        for p in people.values().filter(|p| p.id != PersonId::system()) {
            for part in [
                p.id.as_str(),
                &p.id.as_str().to_lowercase(),
                &p.name.to_lowercase(),
            ] {
                plain.push_str(part);
                plain.push(END);
            }
            for identity in &p.identities {
                plain.push_str(&identity.value.to_lowercase());
                plain.push(END);
                typed.push_str(&identity.to_string().to_lowercase());
                typed.push(END);
            }
            plain_ends.push(plain.len());
            typed_ends.push(typed.len());
        }
        Directory {
            people: people.clone(),
            plain,
            plain_ends,
            typed,
            typed_ends,
        }
    }

    /// The first `most` people, in the order of their ids, whose name, id
    /// or account holds `words` whatever its case (or whose `kind:value`
    /// does, when `words` has a colon).
    pub(crate) fn find(&self, words: &str, most: usize) -> Vec<&Person> {
        let words = words.to_lowercase();
        if words.is_empty() || words.contains(END) {
            return Vec::new();
        }
        let mut found = BTreeSet::new();
        Self::runs_holding(&self.plain, &self.plain_ends, &words, most, &mut found);
        if words.contains(':') {
            Self::runs_holding(&self.typed, &self.typed_ends, &words, most, &mut found);
        }
        found
            .into_iter()
            .take(most)
            .filter_map(|run| self.people.get(&self.id_of(run)))
            .collect()
    }

    /// Adds to `found` the first `most` runs of `text` that hold `words`.
    fn runs_holding(
        text: &str,
        ends: &[usize],
        words: &str,
        most: usize,
        found: &mut BTreeSet<usize>,
    ) {
        let mut runs = memmem::find_iter(text.as_bytes(), words.as_bytes())
            .map(|at| ends.partition_point(|&end| end <= at));
        let mut last = None;
        let mut taken = 0;
        while taken < most {
            let Some(run) = runs.next() else { break };
            if last != Some(run) {
                found.insert(run);
                last = Some(run);
                taken += 1;
            }
        }
    }

    /// The id of the person of run `run`, from the start of their run.
    fn id_of(&self, run: usize) -> PersonId {
        let start = run
            .checked_sub(1)
            .map_or(0, |before| self.plain_ends[before]);
        let id = self.plain[start..].split(END).next().unwrap_or_default();
        PersonId::parse(id).unwrap_or_else(|_| PersonId::system())
    }
}

/// The directory of the people of the state last searched, made again when
/// they change.
#[derive(Default)]
pub struct People {
    kept: Mutex<Option<Arc<Directory>>>,
}

impl People {
    /// The directory of `state`'s people.
    pub(crate) fn of(&self, state: &State) -> Arc<Directory> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        match kept.as_ref() {
            Some(directory) if directory.people.ptr_eq(&state.people) => directory.clone(),
            _ => {
                let directory = Arc::new(Directory::new(&state.people));
                *kept = Some(directory.clone());
                directory
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use modpod_policy::model::{Identity, IdentityKind};

    fn person(id: &str, name: &str, emails: &[&str]) -> Person {
        Person {
            id: PersonId::parse(id).unwrap(),
            name: name.into(),
            time_zone: None,
            roles: Default::default(),
            identities: emails
                .iter()
                .map(|e| Identity {
                    kind: IdentityKind::Email,
                    value: (*e).into(),
                })
                .collect(),
            availability: Vec::new(),
        }
    }

    fn ids(found: Vec<&Person>) -> Vec<&str> {
        found.into_iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn a_search_finds_names_ids_and_accounts_whatever_their_case() {
        let mut state = State::default();
        for p in [
            person("p1234", "Alice Liddell", &["Alice@Example.ORG"]),
            person("xP12345", "Bob", &[]),
            person("p123", "ÉMILE Zola", &["ez@example.net"]),
            person("system", "p1234 system", &[]),
            person("zed", "Zed", &["zed@example.org", "z2@example.org"]),
        ] {
            state.people.insert(p.id.clone(), p);
        }
        let people = People::default();
        let d = people.of(&state);
        assert_eq!(ids(d.find("P1234", 50)), ["p1234", "xP12345"]);
        assert_eq!(ids(d.find("example.org", 50)), ["p1234", "zed"]);
        assert_eq!(ids(d.find("émile", 50)), ["p123"]);
        assert_eq!(ids(d.find("Liddell", 50)), ["p1234"]);
        assert!(d.find("emile", 50).is_empty());
        assert!(d.find("p12345x", 50).is_empty());
        // Nothing is found across the parts of a run or two runs.
        assert!(d.find("liddell\0alice", 50).is_empty());
        assert!(d.find("bobp123", 50).is_empty());
        // The kind of an account is searched only with a colon.
        assert!(d.find("email", 50).is_empty());
        assert_eq!(ids(d.find("email:z", 50)), ["zed"]);
        // At most `most`, the first by id.
        assert_eq!(ids(d.find("e", 2)), ["p123", "p1234"]);
        assert_eq!(ids(d.find("", 50)), Vec::<&str>::new());
        // The same people: the same directory; others: a new one.
        assert!(Arc::ptr_eq(&d, &people.of(&state.clone())));
        let p = person("p9", "Carol", &[]);
        state.people.insert(p.id.clone(), p);
        assert_eq!(ids(people.of(&state).find("carol", 50)), ["p9"]);
    }
}
