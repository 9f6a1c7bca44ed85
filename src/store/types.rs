//! Domain values as sqlx types, so rows carry `Period`s and enums rather than integers and
//! strings. A period is stored as its integer yyyymm, an enum as its code (the `as_str` the
//! schema's CHECK constraints list); a stored value that is neither is a decoding error naming
//! the value, never a silent default. Written once, generic over the engine.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::period::Period;

impl<DB: Database> Type<DB> for Period
where
    i64: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <i64 as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <i64 as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for Period
where
    i64: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut <DB as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, DB>>::encode_by_ref(&self.key(), buf)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for Period
where
    i64: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let key = <i64 as Decode<'r, DB>>::decode(value)?;
        Period::from_key(key).ok_or_else(|| format!("stored period {key} is not a yyyymm month").into())
    }
}

/// Stores an enum by its code: `as_str` writes it, `parse` reads it back. Each wing invokes it
/// for its own enums beside its SQL.
macro_rules! text_enum {
    ($($t:ty),*) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $t
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                <$t>::parse(code).ok_or_else(|| format!("stored code “{code}” is not a {}", stringify!($t)).into())
            }
        }
    )*};
}

pub(crate) use text_enum;
