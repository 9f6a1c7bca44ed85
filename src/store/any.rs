//! Either engine behind one type. The wings' code above the SQL is generic over `Store`, and is
//! compiled for `AnyStore` alone: each call of a wing's transaction trait goes to the engine's
//! own transaction through one `match`, so only the SQL leaves exist twice in the binary. With
//! every service compiled for SQLite and for PostgreSQL apart, the program's own release build
//! took half again as long (measured with `-Ztime-passes`: 341 s against 227 s).

use super::{AnyStore, PgTx, SqliteTx, Store, Tx};
use crate::error::Result;

/// A transaction of either engine.
pub enum AnyTx {
    Sqlite(SqliteTx),
    Postgres(PgTx),
}

impl Store for AnyStore {
    type Tx = AnyTx;
    fn engine(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.engine(),
            AnyStore::Postgres(s) => s.engine(),
        }
    }
    fn pinned_writer(&self) -> bool {
        match self {
            AnyStore::Sqlite(s) => s.pinned_writer(),
            AnyStore::Postgres(s) => s.pinned_writer(),
        }
    }
    fn transactions_span_communities(&self) -> bool {
        match self {
            AnyStore::Sqlite(s) => s.transactions_span_communities(),
            AnyStore::Postgres(s) => s.transactions_span_communities(),
        }
    }
    async fn begin(&self) -> Result<AnyTx> {
        match self {
            AnyStore::Sqlite(s) => s.begin().await.map(AnyTx::Sqlite),
            AnyStore::Postgres(s) => s.begin().await.map(AnyTx::Postgres),
        }
    }
    async fn read(&self) -> Result<AnyTx> {
        match self {
            AnyStore::Sqlite(s) => s.read().await.map(AnyTx::Sqlite),
            AnyStore::Postgres(s) => s.read().await.map(AnyTx::Postgres),
        }
    }
    async fn steady(&self, community: Option<crate::domain::ids::CommunityId>) -> Result<(AnyStore, AnyTx)> {
        match self {
            AnyStore::Sqlite(s) => s.steady(community).await.map(|(s, tx)| (AnyStore::Sqlite(s), AnyTx::Sqlite(tx))),
            AnyStore::Postgres(s) => s.steady(community).await.map(|(s, tx)| (AnyStore::Postgres(s), AnyTx::Postgres(tx))),
        }
    }
    async fn near(&self, community: crate::domain::ids::CommunityId) -> AnyStore {
        match self {
            AnyStore::Sqlite(s) => AnyStore::Sqlite(s.near(community).await),
            AnyStore::Postgres(s) => AnyStore::Postgres(s.near(community).await),
        }
    }
    async fn read_across(&self) -> Result<AnyTx> {
        match self {
            AnyStore::Sqlite(s) => s.read_across().await.map(AnyTx::Sqlite),
            AnyStore::Postgres(s) => s.read_across().await.map(AnyTx::Postgres),
        }
    }
    async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(s) => s.close().await,
        }
    }
}

impl Tx for AnyTx {
    fn writers_take_turns(&self) -> bool {
        match self {
            AnyTx::Sqlite(tx) => tx.writers_take_turns(),
            AnyTx::Postgres(tx) => tx.writers_take_turns(),
        }
    }
    async fn commit(self) -> Result<()> {
        match self {
            AnyTx::Sqlite(tx) => tx.commit().await,
            AnyTx::Postgres(tx) => tx.commit().await,
        }
    }
    async fn savepoint(&mut self) -> Result<()> {
        match self {
            AnyTx::Sqlite(tx) => tx.savepoint().await,
            AnyTx::Postgres(tx) => tx.savepoint().await,
        }
    }
    async fn release_savepoint(&mut self) -> Result<()> {
        match self {
            AnyTx::Sqlite(tx) => tx.release_savepoint().await,
            AnyTx::Postgres(tx) => tx.release_savepoint().await,
        }
    }
    async fn rollback_to_savepoint(&mut self) -> Result<()> {
        match self {
            AnyTx::Sqlite(tx) => tx.rollback_to_savepoint().await,
            AnyTx::Postgres(tx) => tx.rollback_to_savepoint().await,
        }
    }
}

/// Declares a wing's transaction trait, written as any trait of its statements is (each method
/// `fn name(&mut self, arg: Type, …) -> impl Future<Output = R> + Send;`), and implements it for
/// `AnyTx` by handing each call to the engine's own transaction. The engines' implementations
/// stay beside the SQL, in the wing (`impl_units_tx!(SqliteTx)` and so on).
#[macro_export]
macro_rules! wing_tx {
    (
        $(#[$attr:meta])*
        $vis:vis trait $name:ident : $first:ident $(+ $bound:ident)* {
            $(
                $(#[$method_attr:meta])*
                fn $method:ident (&mut self $(, $arg:ident : $arg_type:ty)* $(,)?) -> impl Future<Output = $output:ty> + Send;
            )*
        }
    ) => {
        $(#[$attr])*
        $vis trait $name : $first $(+ $bound)* {
            $(
                $(#[$method_attr])*
                fn $method (&mut self $(, $arg : $arg_type)*) -> impl std::future::Future<Output = $output> + Send;
            )*
        }

        impl $name for $crate::store::AnyTx {
            $(
                async fn $method (&mut self $(, $arg : $arg_type)*) -> $output {
                    match self {
                        $crate::store::AnyTx::Sqlite(tx) => tx.$method($($arg),*).await,
                        $crate::store::AnyTx::Postgres(tx) => tx.$method($($arg),*).await,
                    }
                }
            )*
        }
    };
}
