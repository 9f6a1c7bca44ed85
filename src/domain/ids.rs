//! Row ids as types of their own, so a household id cannot be passed where a book id belongs.
//! Each is the database's integer id (BIGINT), read and written as that integer by sqlx.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A community (小区/社区): the unit of tenancy, and the key a city-wide deployment shards by.
    CommunityId
);
id_type!(
    /// A book (账套) of one community.
    BookId
);
id_type!(
    /// A household (住户) of one community.
    HouseholdId
);

/// A book together with its community: what every query of a book's rows filters by, so that
/// each statement names its community (DESIGN.md section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BookKey {
    pub community_id: CommunityId,
    pub book_id: BookId,
}
