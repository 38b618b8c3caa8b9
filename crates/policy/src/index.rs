//! [`Index`]: the ids filed under each key (the reports about a person, the
//! actions in force on a forum), kept as one persistent ordered set of
//! (key, id) pairs.
//!
//! A map from each key to a set of its own costs a whole node of the set for
//! every key, however few ids it holds, and most keys of these indexes hold
//! one or two: a pair costs the pair. Each key's ids are one range of the
//! set, in order.

use crate::state::Set;
use itertools::Itertools;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// An id with a least and a greatest value, so that the range of a key's
/// pairs can be named.
pub trait Bounded: Sized {
    const MIN: Self;
    const MAX: Self;
}

/// The ids filed under each key, in order; read and written as a map from
/// each key to the list of its ids, as a map of sets is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index<K: Ord + Clone, V: Ord + Clone> {
    pairs: Set<(K, V)>,
}

impl<K: Ord + Clone, V: Ord + Clone> Default for Index<K, V> {
    fn default() -> Self {
        Index { pairs: Set::new() }
    }
}

impl<K: Ord + Clone, V: Ord + Clone + Bounded> Index<K, V> {
    /// Files `id` under `key`; false if it was already.
    pub fn insert(&mut self, key: K, id: V) -> bool {
        self.pairs.insert((key, id)).is_none()
    }

    /// Takes `id` from under `key`; false if it was not there.
    pub fn remove(&mut self, key: &K, id: &V) -> bool {
        self.pairs.remove(&(key.clone(), id.clone())).is_some()
    }

    /// The ids filed under `key`, in order.
    pub fn get<'a>(&'a self, key: &K) -> impl DoubleEndedIterator<Item = &'a V> + use<'a, K, V> {
        self.pairs
            .range((key.clone(), V::MIN)..=(key.clone(), V::MAX))
            .map(|(_, id)| id)
    }

    /// Whether anything is filed under `key`.
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).next().is_some()
    }

    /// Every key with an id filed under it, with that id, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.pairs.iter().map(|(key, id)| (key, id))
    }

    /// How many ids are filed, under all keys.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The keys with something filed under them, in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.pairs.iter().map(|(key, _)| key).dedup()
    }
}

impl<K, V> Serialize for Index<K, V>
where
    K: Ord + Clone + Serialize,
    V: Ord + Clone + Bounded + Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// One key's ids, as a list.
        struct Ids<'a, K: Ord + Clone, V: Ord + Clone>(&'a Index<K, V>, &'a K);
        impl<K, V> Serialize for Ids<'_, K, V>
        where
            K: Ord + Clone,
            V: Ord + Clone + Bounded + Serialize,
        {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.get(self.1))
            }
        }
        let mut map = serializer.serialize_map(None)?;
        for key in self.keys() {
            map.serialize_entry(key, &Ids(self, key))?;
        }
        map.end()
    }
}

impl<'de, K, V> Deserialize<'de> for Index<K, V>
where
    K: Ord + Clone + Deserialize<'de>,
    V: Ord + Clone + Bounded + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs<K, V>(PhantomData<(K, V)>);
        impl<'de, K, V> Visitor<'de> for Pairs<K, V>
        where
            K: Ord + Clone + Deserialize<'de>,
            V: Ord + Clone + Bounded + Deserialize<'de>,
        {
            type Value = Index<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from each key to a list of ids")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, ids)) = map.next_entry::<K, Vec<V>>()? {
                    pairs.extend(ids.into_iter().map(|id| (key.clone(), id)));
                }
                Ok(Index {
                    pairs: pairs.into_iter().collect(),
                })
            }
        }
        deserializer.deserialize_map(Pairs(PhantomData))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::{ActionId, PersonId};

    fn p(name: &str) -> PersonId {
        PersonId::parse(name).unwrap()
    }

    fn filed(index: &Index<PersonId, ActionId>, key: &str) -> Vec<u64> {
        index.get(&p(key)).map(|id| id.0).collect()
    }

    #[test]
    fn each_key_reads_its_own_ids_in_order_and_no_other_key_s() {
        let mut index = Index::default();
        for (key, id) in [
            ("b", 5),
            ("a", 9),
            ("b", 1),
            ("c", 0),
            ("b", u64::MAX),
            ("a", 2),
        ] {
            assert!(index.insert(p(key), ActionId(id)));
        }
        assert!(!index.insert(p("b"), ActionId(5)), "filed twice");
        assert_eq!(filed(&index, "a"), [2, 9]);
        assert_eq!(filed(&index, "b"), [1, 5, u64::MAX]);
        assert_eq!(filed(&index, "c"), [0]);
        assert_eq!(filed(&index, "ab"), Vec::<u64>::new());
        assert_eq!(
            index.get(&p("b")).rev().map(|id| id.0).collect::<Vec<_>>(),
            [u64::MAX, 5, 1]
        );
        assert_eq!(index.len(), 6);
        assert!(!index.is_empty());
        let keys: Vec<&str> = index.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(index.contains_key(&p("c")) && !index.contains_key(&p("d")));

        assert!(index.remove(&p("c"), &ActionId(0)));
        assert!(!index.remove(&p("c"), &ActionId(0)), "removed twice");
        assert!(!index.remove(&p("a"), &ActionId(5)), "not filed under a");
        assert!(!index.contains_key(&p("c")));
        assert_eq!(index.keys().count(), 2);
        assert_eq!(index.len(), 5);
    }

    #[test]
    fn it_is_read_and_written_as_a_map_of_sets_is() {
        let mut sets: std::collections::BTreeMap<PersonId, std::collections::BTreeSet<ActionId>> =
            Default::default();
        let mut index = Index::default();
        for (key, id) in [("bob", 3), ("al", 7), ("bob", 1), ("al", 2), ("cy", 4)] {
            sets.entry(p(key)).or_default().insert(ActionId(id));
            index.insert(p(key), ActionId(id));
        }
        let json = serde_json::to_string(&index).unwrap();
        assert_eq!(json, serde_json::to_string(&sets).unwrap());
        assert_eq!(json, r#"{"al":[2,7],"bob":[1,3],"cy":[4]}"#);
        let back: Index<PersonId, ActionId> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, index);
        let packed = rmp_serde::to_vec(&index).unwrap();
        assert_eq!(packed, rmp_serde::to_vec(&sets).unwrap());
        let back: Index<PersonId, ActionId> = rmp_serde::from_slice(&packed).unwrap();
        assert_eq!(back, index);
        let empty: Index<PersonId, ActionId> = serde_json::from_str("{}").unwrap();
        assert!(empty.is_empty());
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
        let error = serde_json::from_str::<Index<PersonId, ActionId>>(r#"{"al":[1,"x"]}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid type"), "{error}");
        let error = serde_json::from_str::<Index<PersonId, ActionId>>("[]")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("expected a map from each key to a list of ids"),
            "{error}"
        );
    }
}
